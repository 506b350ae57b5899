package dev.isthmus.cli;

import dev.isthmus.kernels.Parallel;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.infer.InferencePlan;
import dev.isthmus.nn.layer.Conv2d;
import dev.isthmus.nn.layer.Dense;
import dev.isthmus.nn.loss.Loss;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.metrics.Evaluation;
import dev.isthmus.nn.optim.Adam;
import dev.isthmus.nn.optim.LearningRateSchedule;
import dev.isthmus.nn.train.Callback;
import dev.isthmus.nn.train.History;
import dev.isthmus.nn.train.Trainer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;
import picocli.CommandLine.Option;

/**
 * What prune, distill and search-sizes share: the data and training options (a picocli mixin), the
 * short training runs (Adam, its rate constant or decayed by a cosine), the test accuracy and the batch-1 latency of the
 * compiled plan that their reports compare.
 */
final class Tuning {
    /** Test examples whose inputs the latency callers cycle through. */
    static final int LATENCY_INPUTS = 64;

    private Tuning() {}

    /** The options every structure command takes; a command supplies the defaults that differ. */
    static final class Options {
        @Option(names = "--data", paramLabel = "fashion-mnist|DIR|FILE.csv",
                description = "The data to train and test on (default: $" + DataSource.ENV + ", else fashion-mnist).")
        String data;

        @Option(names = "--epochs", paramLabel = "N", description = "Training epochs (default: the command's).")
        Integer epochs;

        @Option(names = "--lr", paramLabel = "RATE", description = "Adam's (peak) learning rate (default: the command's).")
        Double lr;

        @Option(names = "--lr-schedule", defaultValue = "cosine", paramLabel = "cosine|constant",
                description = "The learning rate decays by a cosine to 0 over the run, or stays at --lr (default: ${DEFAULT-VALUE}).")
        String lrSchedule;

        @Option(names = "--batch-size", defaultValue = "64", description = "Examples per step (default: ${DEFAULT-VALUE}).")
        int batchSize;

        @Option(names = "--seed", defaultValue = "42", description = "Seed of initialization, shuffling and splits (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--threads", description = "Worker threads for training (default: the pool's size).")
        Integer threads;

        @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Train on only the first N training examples.")
        int limit;

        @Option(names = "--test-samples", paramLabel = "N", description = "Test on only the first N test examples (default: all).")
        Integer testSamples;

        @Option(names = "--seconds", defaultValue = "0.5", paramLabel = "S",
                description = "Batch-1 latency measuring time per plan, after a warm-up (default: ${DEFAULT-VALUE}).")
        double seconds;

        @Option(names = "--json", description = "Print one JSON object instead of text; progress goes to standard error.")
        boolean json;

        @Option(names = "--plot", paramLabel = "FILE.png", description = "Also draw the trade-off as a PNG chart.")
        Path plot;

        /**
         * Checks the values no run could use, as usage errors; {@code defaultEpochs} and {@code defaultLr}
         * fill what was not given, and a command that must train asks for {@code minEpochs} 1.
         */
        void check(int defaultEpochs, double defaultLr, int minEpochs) {
            if (epochs == null) {
                epochs = defaultEpochs;
            }
            if (lr == null) {
                lr = defaultLr;
            }
            if (epochs < minEpochs) {
                throw new UsageError("--epochs must be >= " + minEpochs + " here, got " + epochs);
            }
            if (!(lr > 0 && lr < Double.POSITIVE_INFINITY)) {
                throw new UsageError("--lr must be a finite number > 0, got " + lr);
            }
            if (!lrSchedule.equals("cosine") && !lrSchedule.equals("constant")) {
                throw new UsageError("unknown --lr-schedule '" + lrSchedule + "': expected cosine or constant");
            }
            if (batchSize < 1) {
                throw new UsageError("--batch-size must be >= 1, got " + batchSize);
            }
            if (threads == null) {
                threads = Parallel.threads();
            } else if (threads < 1) {
                throw new UsageError("--threads must be >= 1, got " + threads);
            }
            if (limit < 0) {
                throw new UsageError("--limit must be >= 0, got " + limit);
            }
            if (testSamples != null && testSamples < 1) {
                throw new UsageError("--test-samples must be >= 1, got " + testSamples);
            }
            if (!(seconds > 0 && seconds <= 600)) {
                throw new UsageError("--seconds must be > 0 and at most 600, got " + seconds);
            }
            if (plot != null && !plot.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
                throw new UsageError("--plot " + plot + ": expected a file name ending in .png");
            }
        }

        /** The training set as the options cut it (before normalization). */
        Dataset train(DataSource source) {
            Dataset train = source.train();
            return limit > 0 && limit < train.size() ? train.subset(Training.firstIndices(limit)) : train;
        }

        /** The test set as the options cut it (before normalization). */
        Dataset test(DataSource source) {
            Dataset test = source.test();
            return testSamples != null && testSamples < test.size() ? test.subset(Training.firstIndices(testSamples)) : test;
        }

        /** What a run trains with, for reports: "adam lr 0.001 (cosine to 0), 2 epochs, batch 64, seed 42". */
        String describe() {
            return String.format(Locale.ROOT, "adam lr %s (%s), %d epoch%s, batch %d, seed %d, %d thread%s",
                    lr, lrSchedule.equals("cosine") ? "cosine to 0" : "constant", epochs, epochs == 1 ? "" : "s", batchSize, seed, threads, threads == 1 ? "" : "s");
        }
    }

    /**
     * Trains {@code model} on {@code train} (already normalized) with the options' Adam and cosine
     * schedule; with {@code validation} non-null each epoch also reports accuracy on it. Returns an
     * empty history for 0 epochs.
     */
    static History fit(Sequential model, Loss loss, Dataset train, Dataset validation, Options o, PrintWriter progress,
                       List<Callback> callbacks) {
        if (o.epochs == 0) {
            return new History();
        }
        int stepsPerEpoch = (train.size() + o.batchSize - 1) / o.batchSize;
        long total = (long) stepsPerEpoch * o.epochs;
        Trainer.Builder b = Trainer.builder(model, loss, new Adam(model.parameters(), o.lr))
                .epochs(o.epochs).batchSize(o.batchSize).seed(o.seed).threads(o.threads)
                .learningRateSchedule(o.lrSchedule.equals("cosine") ? new LearningRateSchedule.Cosine(o.lr, 0, Math.max(1, total))
                        : new LearningRateSchedule.Constant(o.lr))
                .evaluationBatch(Training.EVALUATION_BATCH);
        for (Callback c : callbacks) {
            b.callback(c);
        }
        b.callback(new Progress(progress, false, stepsPerEpoch));
        if (validation != null) {
            b.validation(validation);
        }
        return b.build().fit(train);
    }

    /** Top-1 accuracy of the model on the data (already normalized). */
    static double accuracy(Sequential model, Dataset data) {
        return Evaluation.evaluate(model, data, new SparseCategoricalCrossEntropy(), Training.EVALUATION_BATCH).accuracy();
    }

    /** Batch-1 p50 latency in microseconds of each plan, one caller, measured in turn on the same inputs. */
    static double[] latencies(List<InferencePlan> plans, Dataset test, double seconds) {
        InferenceBench.Samples inputs = InferenceBench.Samples.of(test, LATENCY_INPUTS,
                "test examples, normalized as in training");
        InferenceBench.Result r = InferenceBench.compare(plans, inputs, QuantizationRun.timing(seconds));
        double[] p50 = new double[plans.size()];
        for (int i = 0; i < p50.length; i++) {
            p50[i] = r.rows().get(i).p50Micros();
        }
        return p50;
    }

    /** The widths of a model's products, input first: "784-256-128-10" (a convolution shows its channels, "c32"). */
    static String widths(Sequential model) {
        StringJoiner j = new StringJoiner("-");
        j.add(Integer.toString(model.inputShape().size()));
        for (Layer l : model.layers()) {
            if (l instanceof Dense d) {
                j.add(Integer.toString(d.outputShape().size()));
            } else if (l instanceof Conv2d c) {
                j.add("c" + c.outputShape().dim(0));
            }
        }
        return j.toString();
    }

    /** The number of weights (not biases) of the model's products, and how many of them are zero. */
    static long[] weightsAndZeros(Sequential model) {
        long weights = 0;
        long zeros = 0;
        for (Layer l : model.layers()) {
            float[] w = l instanceof Dense d ? d.weight().value() : l instanceof Conv2d c ? c.weight().value() : null;
            if (w != null) {
                weights += w.length;
                for (float v : w) {
                    if (v == 0f) {
                        zeros++;
                    }
                }
            }
        }
        return new long[] {weights, zeros};
    }

    /** Hidden widths as "256x128" for reports, "none" for no hidden layer. */
    static String hidden(int[] widths) {
        if (widths.length == 0) {
            return "none";
        }
        StringJoiner j = new StringJoiner("x");
        for (int w : widths) {
            j.add(Integer.toString(w));
        }
        return j.toString();
    }

    /**
     * Parses hidden widths: "64" or "256x128" (x between layers), "none" for no hidden layer.
     *
     * @throws UsageError naming the option and the text when it is not such a list of positive widths
     */
    static int[] parseHidden(String option, String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("none")) {
            return new int[0];
        }
        String[] parts = t.split("x", -1);
        int[] widths = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                widths[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                widths[i] = 0;
            }
            if (widths[i] < 1) {
                throw new UsageError(option + " '" + text + "': expected hidden widths such as 64 or 256x128 "
                        + "(whole numbers >= 1 joined by x), or none");
            }
        }
        return widths;
    }

    /** Refuses to write over the input file, and fails early where the output cannot be written. */
    static void checkOut(Path out, Path input) throws IOException {
        if (out.toAbsolutePath().normalize().equals(input.toAbsolutePath().normalize())) {
            throw new UsageError("--out " + out + " is the input model itself; name another file");
        }
        QuantizeCommand.checkWritable(out);
    }

    /** "0.47x" style ratio. */
    static String ratio(double a, double b) {
        return String.format(Locale.ROOT, "%.2fx", a / b);
    }
}
