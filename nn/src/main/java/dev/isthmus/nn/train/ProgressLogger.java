package dev.isthmus.nn.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** Prints one line per epoch with its metrics, and optionally the running loss every N steps. */
public final class ProgressLogger implements Callback {
    private final PrintStream out;
    private final int everySteps;
    private int epochs;

    /** One line per epoch. */
    public ProgressLogger(PrintStream out) {
        this(out, 0);
    }

    /** One line per epoch, plus the loss every {@code everySteps} steps (0: never). */
    public ProgressLogger(PrintStream out, int everySteps) {
        if (out == null || everySteps < 0) {
            throw new IllegalArgumentException("progress logger: needs an output and everySteps >= 0, got " + everySteps);
        }
        this.out = out;
        this.everySteps = everySteps;
    }

    @Override
    public void onTrainBegin(Trainer trainer, int firstEpoch) {
        epochs = trainer.epochs();
    }

    @Override
    public void onBatchEnd(Trainer trainer, int epoch, long step, int batchSize, double loss) {
        if (everySteps > 0 && (step + 1) % everySteps == 0) {
            out.printf(Locale.ROOT, "  epoch %d step %d: loss %.4f%n", epoch + 1, step + 1, loss);
        }
    }

    @Override
    public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> metrics) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, epochs));
        metrics.forEach((k, v) -> b.append(String.format(Locale.ROOT, "  %s %.4g", k, v)));
        out.println(b);
    }

    @Override
    public void onTrainEnd(Trainer trainer, History history) {
        if (!history.stopReason().isEmpty()) {
            out.println("stopped: " + history.stopReason());
        }
    }
}
