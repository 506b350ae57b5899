package dev.isthmus.nn.train;

import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.io.Checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saves training checkpoints (weights, batch-normalization statistics, optimizer state, epoch and
 * step) every few epochs, each write atomic, and restores them so that training resumes where it
 * stopped: a run resumed from epoch k gives bit-identical weights to one that never stopped (same
 * seed and thread count), because shuffling, dropout masks and the optimizer depend only on the
 * seed, the epoch, the step and the restored state. Early-stopping and history state are not part
 * of a checkpoint.
 */
public final class Checkpointing implements Callback {
    private final Path file;
    private final int everyEpochs;

    /**
     * A callback that writes {@code file} after every {@code everyEpochs} epochs, replacing the
     * previous checkpoint atomically.
     */
    public Checkpointing(Path file, int everyEpochs) {
        if (file == null || everyEpochs < 1) {
            throw new IllegalArgumentException("checkpointing: needs a file and everyEpochs >= 1, got " + file + " and "
                    + everyEpochs);
        }
        this.file = file;
        this.everyEpochs = everyEpochs;
    }

    @Override
    public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> metrics) {
        if ((epoch + 1) % everyEpochs == 0) {
            try {
                save(trainer, file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write checkpoint " + file + " after epoch " + (epoch + 1), e);
            }
        }
    }

    /** Writes the trainer's model, optimizer state, next epoch and step to {@code file}, atomically. */
    public static void save(Trainer trainer, Path file) throws IOException {
        Map<String, String> state = new LinkedHashMap<>();
        state.put("next_epoch", Integer.toString(trainer.nextEpoch()));
        state.put("step", Long.toString(trainer.step()));
        state.put("seed", Long.toString(trainer.seed()));
        state.put("threads", Integer.toString(trainer.threads()));
        state.put("optimizer", trainer.optimizer().name());
        state.put("optimizer_config", trainer.optimizer().config().toString());
        state.put("loss", trainer.loss().name());
        Checkpoint.save(file, trainer.model(), trainer.optimizer().state(), state, Map.of());
    }

    /**
     * Loads {@code file} into the trainer: weights and buffers into its model, state into its
     * optimizer, and the epoch and step to continue from.
     *
     * @throws IOException              when the file cannot be read or is not a checkpoint
     * @throws IllegalArgumentException when the checkpoint's model or optimizer does not match the
     *                                  trainer's (naming the first difference)
     */
    public static void restore(Trainer trainer, Path file) throws IOException {
        Checkpoint c = Checkpoint.load(file);
        Map<String, String> state = c.trainingState();
        String optimizer = state.get("optimizer");
        if (!trainer.optimizer().name().equals(optimizer)) {
            throw new IllegalArgumentException("checkpoint " + file + " holds the state of optimizer '" + optimizer
                    + "' but the trainer uses '" + trainer.optimizer().name() + "'");
        }
        List<Parameter> target = values(trainer.model());
        List<Parameter> source = values(c.model());
        if (!trainer.model().inputShape().equals(c.model().inputShape()) || target.size() != source.size()) {
            throw new IllegalArgumentException("checkpoint " + file + " holds a model " + c.model() + " with "
                    + source.size() + " arrays; the trainer's is " + trainer.model() + " with " + target.size());
        }
        for (int i = 0; i < target.size(); i++) {
            if (!target.get(i).shape().equals(source.get(i).shape())) {
                throw new IllegalArgumentException("checkpoint " + file + ": array " + i + " (" + source.get(i)
                        + ") does not match the trainer's model (" + target.get(i) + ")");
            }
        }
        // everything checked: now change the trainer
        trainer.optimizer().loadState(c.optimizerState());
        for (int i = 0; i < target.size(); i++) {
            float[] v = source.get(i).value();
            System.arraycopy(v, 0, target.get(i).value(), 0, v.length);
        }
        trainer.resumeAt((int) Math.min(Integer.MAX_VALUE, parse(file, state, "next_epoch")), parse(file, state, "step"));
    }

    private static long parse(Path file, Map<String, String> state, String key) {
        String v = state.get(key);
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("checkpoint " + file + ": training state '" + key + "' is '" + v
                    + "', expected a non-negative integer");
        }
    }

    private static List<Parameter> values(Sequential model) {
        List<Parameter> all = new ArrayList<>(model.parameters());
        all.addAll(model.buffers());
        return all;
    }
}
