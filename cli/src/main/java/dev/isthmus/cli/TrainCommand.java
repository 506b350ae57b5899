package dev.isthmus.cli;

import dev.isthmus.kernels.Parallel;
import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Shape;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code isthmus train}: trains a classifier, reports its test accuracy and saves it with its input normalization. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a classifier, evaluate it on the test set and save it.",
                "On Fashion-MNIST (or the bundled sample), an IDX directory or a CSV file; the model file keeps "
                        + "its input normalization and class names."})
final class TrainCommand implements Callable<Integer> {
    static final String DEFAULT_OUT = "isthmus-model.safetensors";

    @Spec
    CommandSpec spec;

    @Option(names = "--model", defaultValue = "mlp", paramLabel = "mlp|cnn|SPEC.json",
            description = "mlp (dense 256-128-classes), cnn (two conv3x3-bn-relu-maxpool blocks, dense 128), "
                    + "or a JSON spec file {\"layers\":[{\"type\":\"dense\",\"units\":64},...]} (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--data", paramLabel = "fashion-mnist|DIR|FILE.csv",
            description = "The data (default: $" + DataSource.ENV + ", else fashion-mnist, else the bundled sample).")
    String data;

    @Option(names = "--optimizer", defaultValue = "adam", description = "sgd, momentum, nesterov, adam, adamw, rmsprop or adagrad (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--lr", defaultValue = "1e-3", description = "The (peak) learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--schedule", defaultValue = "cosine",
            description = "constant, cosine, step, exponential, inverse-sqrt or one-cycle (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--warmup", defaultValue = "0", paramLabel = "STEPS", description = "Linear warm-up steps before the schedule.")
    long warmup;

    @Option(names = "--batch-size", defaultValue = "64", description = "Examples per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--epochs", defaultValue = "5", description = "Passes over the training set (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--l1", defaultValue = "0", description = "L1 penalty on the weights.")
    float l1;

    @Option(names = "--l2", defaultValue = "0", description = "L2 penalty on the weights.")
    float l2;

    @Option(names = "--dropout", defaultValue = "0", description = "Dropout rate after each hidden layer of a preset (default: none).")
    float dropout;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of initialization, shuffling and splits (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", description = "Worker threads (default: the pool's size).")
    Integer threads;

    @Option(names = "--backend", paramLabel = "vector|blas|auto", description = "Matrix products on the Vector API, OpenBLAS, or chosen by size (default: auto).")
    String backend;

    @Option(names = "--validation-split", defaultValue = "0.1", description = "Fraction of the training set held out for validation; 0 for none (default: ${DEFAULT-VALUE}).")
    double validationSplit;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Use only the first N training examples.")
    int limit;

    @Option(names = "--standardize", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Scale each feature by the training set's mean and standard deviation, saved with the model (default: on).")
    boolean standardize;

    @Option(names = "--out", defaultValue = DEFAULT_OUT, paramLabel = "FILE", description = "Where to save the model (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print one JSON object at the end; progress goes to standard error.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Training.Config config = new Training.Config(model, optimizer, lr, schedule, warmup, batchSize, epochs, l1, l2,
                dropout, seed, threads == null ? Parallel.threads() : threads, backend(backend), validationSplit, limit,
                standardize);
        Training.check(config);
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter progress = json ? spec.commandLine().getErr() : stdout;
        DataSource source = DataSource.resolve(data, seed);
        describeData(source, progress);
        Training.Result r = Training.run(config, source, progress, Progress.terminal(), progress::print);
        r.trained().save(out);
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("data", source.description());
            m.put("sample", source.sample());
            m.put("model", model);
            m.put("parameters", r.trained().model().parameterCount());
            m.put("optimizer", r.optimizer());
            m.put("schedule", r.schedule());
            m.put("train_examples", r.trainExamples());
            m.put("validation_examples", r.validationExamples());
            m.put("history", r.epochs());
            m.put("test_accuracy", r.test().accuracy());
            m.put("test_loss", r.test().loss());
            m.put("model_path", out.toString());
            m.put("seconds", r.seconds());
            m.put("images_per_second", r.imagesPerSecond());
            stdout.println(Json.write(m));
        } else {
            stdout.printf(Locale.ROOT, "test accuracy: %.4f (loss %.4f, %,d examples)%n", r.test().accuracy(),
                    r.test().loss(), r.test().samples());
            stdout.printf(Locale.ROOT, "saved %s (%.1f s, %,.0f images/s)%n", out, r.seconds(), r.imagesPerSecond());
        }
        stdout.flush();
        return 0;
    }

    /** The backend option, or the {@code isthmus.backend} property when the option is absent. */
    static Backend backend(String name) {
        if (name == null) {
            return Backend.fromProperty();
        }
        try {
            return Backend.parse(name);
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
    }

    /** Says which data is used, and says plainly when the bundled sample stood in for the full set. */
    static void describeData(DataSource source, PrintWriter out) {
        out.printf(Locale.ROOT, "data: %s: %,d training and %,d test examples of shape %s, %d classes%n",
                source.description(), source.train().size(), source.test().size(),
                Shape.of(source.train().featureShape()), source.train().classes());
        if (source.sample()) {
            out.println("note: the full Fashion-MNIST is not installed, so this used the small sample bundled with "
                    + "Isthmus; accuracy will be lower than on the full set");
        }
        out.flush();
    }
}
