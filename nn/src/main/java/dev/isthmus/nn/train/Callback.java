package dev.isthmus.nn.train;

import java.util.Map;

/**
 * Hooks into {@link Trainer#fit}: progress output, early stopping, checkpoints. Methods run on the
 * training thread between steps; a callback may call {@link Trainer#stop(String)}.
 */
public interface Callback {
    /** Before the first epoch of a fit call; {@code firstEpoch} is 0 unless training resumed. */
    default void onTrainBegin(Trainer trainer, int firstEpoch) {}

    /** After each optimizer step, with the batch's mean loss. */
    default void onBatchEnd(Trainer trainer, int epoch, long step, int batchSize, double loss) {}

    /** After each epoch (0-based), with the epoch's metrics (see {@link History}). */
    default void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> metrics) {}

    /** After the last epoch, or after a callback stopped training. */
    default void onTrainEnd(Trainer trainer, History history) {}
}
