package dev.isthmus.nn;

/**
 * What a forward pass is for. Inference uses running statistics and no dropout; training uses the
 * batch's statistics and drops units. {@code step} and {@code firstRow} make dropout masks a
 * function of the seed, the step and each sample's position in the batch, so that the masks do not
 * depend on how a batch is split between threads.
 *
 * @param training true for a training pass
 * @param step     the optimizer step this pass belongs to (0 for inference)
 * @param firstRow the position of this tensor's first sample in the whole batch
 */
public record Pass(boolean training, long step, long firstRow) {
    /** An inference pass. */
    public static final Pass INFERENCE = new Pass(false, 0, 0);

    public Pass {
        if (step < 0 || firstRow < 0) {
            throw new IllegalArgumentException("pass: step " + step + " and firstRow " + firstRow + " must be >= 0");
        }
    }

    /** A training pass for this step over a batch starting at row 0. */
    public static Pass training(long step) {
        return new Pass(true, step, 0);
    }

    /** The same pass over a part of the batch starting at {@code firstRow}. */
    public Pass shard(long firstRow) {
        return new Pass(training, step, firstRow);
    }
}
