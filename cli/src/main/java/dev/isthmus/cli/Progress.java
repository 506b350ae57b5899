package dev.isthmus.cli;

import dev.isthmus.nn.train.Callback;
import dev.isthmus.nn.train.History;
import dev.isthmus.nn.train.Trainer;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;

/**
 * Training progress: on a terminal a bar per epoch (batches done, running loss, images/s, time
 * left) redrawn in place, elsewhere one plain line per epoch that logs and pipes read well.
 */
final class Progress implements Callback {
    private static final int WIDTH = 24;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter out;
    private final boolean bar;
    private final int stepsPerEpoch;
    private int epochs;
    private int step;
    private double lossSum;
    private long examples;
    private long epochStart;
    private long lastDraw;
    // examples and nanoseconds of training steps, validation excluded, for the throughput
    private long totalExamples;
    private long trainingNanos;
    private long lastBatchEnd;

    Progress(PrintWriter out, boolean bar, int stepsPerEpoch) {
        this.out = out;
        this.bar = bar;
        this.stepsPerEpoch = stepsPerEpoch;
    }

    /** True when the command writes to a terminal, where a redrawn bar is readable. */
    static boolean terminal() {
        var console = System.console();
        return console != null && console.isTerminal();
    }

    @Override
    public void onTrainBegin(Trainer trainer, int firstEpoch) {
        epochs = trainer.epochs();
        startEpoch();
    }

    @Override
    public void onBatchEnd(Trainer trainer, int epoch, long globalStep, int batchSize, double loss) {
        step++;
        lossSum += loss;
        examples += batchSize;
        long now = System.nanoTime();
        if (bar && (now - lastDraw > REDRAW_NANOS || step == stepsPerEpoch)) {
            lastDraw = now;
            double seconds = (now - epochStart) / 1e9;
            double rate = examples / seconds;
            double eta = seconds / step * Math.max(0, stepsPerEpoch - step);
            int filled = (int) ((long) WIDTH * Math.min(step, stepsPerEpoch) / Math.max(1, stepsPerEpoch));
            out.printf(Locale.ROOT, "\repoch %d/%d [%s%s] %d/%d loss %.4f %,.0f images/s ETA %s ", epoch + 1, epochs,
                    "=".repeat(filled), " ".repeat(WIDTH - filled), step, stepsPerEpoch, lossSum / step, rate, clock(eta));
            out.flush();
        }
        lastBatchEnd = now;
    }

    @Override
    public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> metrics) {
        // the time to the last step, so that the validation pass does not count against throughput
        totalExamples += examples;
        trainingNanos += lastBatchEnd - epochStart;
        double rate = examples / Math.max(1e-9, (lastBatchEnd - epochStart) / 1e9);
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, epochs));
        for (String key : new String[] {"loss", "accuracy", "val_loss", "val_accuracy"}) {
            Double v = metrics.get(key);
            if (v != null) {
                line.append(String.format(Locale.ROOT, "  %s %.4f", key, v));
            }
        }
        line.append(String.format(Locale.ROOT, "  %,.0f images/s  %.1f s", rate, metrics.getOrDefault("seconds", 0.0)));
        // on a terminal the summary overwrites the bar; padding clears what the longer bar left
        out.println(bar ? "\r" + line + " ".repeat(Math.max(0, 100 - line.length())) : line.toString());
        out.flush();
        startEpoch();
    }

    @Override
    public void onTrainEnd(Trainer trainer, History history) {
        if (!history.stopReason().isEmpty()) {
            out.println("stopped: " + history.stopReason());
            out.flush();
        }
    }

    /** Training examples per second of training steps, over all epochs so far. */
    double imagesPerSecond() {
        return trainingNanos == 0 ? 0 : totalExamples / (trainingNanos / 1e9);
    }

    private void startEpoch() {
        step = 0;
        lossSum = 0;
        examples = 0;
        epochStart = System.nanoTime();
        lastBatchEnd = epochStart;
        lastDraw = 0;
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
