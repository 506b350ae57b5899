package dev.isthmus.cli;

import dev.isthmus.kernels.Parallel;
import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.data.Normalization;
import dev.isthmus.nn.loss.Loss;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.metrics.Evaluation;
import dev.isthmus.nn.metrics.EvaluationReport;
import dev.isthmus.nn.optim.AdaGrad;
import dev.isthmus.nn.optim.Adam;
import dev.isthmus.nn.optim.AdamW;
import dev.isthmus.nn.optim.LearningRateSchedule;
import dev.isthmus.nn.optim.Optimizer;
import dev.isthmus.nn.optim.RmsProp;
import dev.isthmus.nn.optim.Sgd;
import dev.isthmus.nn.train.History;
import dev.isthmus.nn.train.Trainer;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/** One training run as train and demo do it: build, normalize, fit, evaluate on the test set. */
final class Training {
    static final List<String> OPTIMIZERS = List.of("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad");
    static final List<String> SCHEDULES = List.of("constant", "cosine", "step", "exponential", "inverse-sqrt", "one-cycle");
    static final int EVALUATION_BATCH = 256;

    /**
     * What to train and how; the constructor rejects what no run could use, as usage errors.
     *
     * @param warmup          steps of linear warm-up before the schedule (0: none)
     * @param dropout         the dropout rate after each hidden layer of a preset (0: none)
     * @param validationSplit the fraction of the training set held out for validation (0: none)
     * @param limit           train on only the first this many training examples (0: all)
     * @param standardize     fit per-feature mean and standard deviation on the training set and apply them
     */
    record Config(String model, String optimizer, double lr, String schedule, long warmup, int batchSize, int epochs,
                  float l1, float l2, float dropout, long seed, int threads, Backend backend, double validationSplit,
                  int limit, boolean standardize) {
        Config {
            if (!OPTIMIZERS.contains(optimizer)) {
                throw new UsageError("unknown optimizer '" + optimizer + "': expected one of " + String.join(", ", OPTIMIZERS));
            }
            if (!SCHEDULES.contains(schedule)) {
                throw new UsageError("unknown schedule '" + schedule + "': expected one of " + String.join(", ", SCHEDULES));
            }
            positive("--lr", lr);
            positive("--batch-size", batchSize);
            positive("--epochs", epochs);
            positive("--threads", threads);
            atLeastZero("--warmup", warmup);
            atLeastZero("--l1", l1);
            atLeastZero("--l2", l2);
            atLeastZero("--limit", limit);
            if (!(dropout >= 0 && dropout < 1)) {
                throw new UsageError("--dropout must be in [0, 1), got " + dropout);
            }
            if (!(validationSplit >= 0 && validationSplit < 1)) {
                throw new UsageError("--validation-split must be in [0, 1), got " + validationSplit);
            }
        }

        /** The defaults of {@code isthmus train} for this preset, as demo uses them. */
        static Config defaults(String model, int epochs) {
            return new Config(model, "adam", 1e-3, "cosine", 0, 64, epochs, 0, 0, 0, 42, Parallel.threads(),
                    Backend.fromProperty(), 0.1, 0, true);
        }

        Architecture.Options architecture() {
            return new Architecture.Options(seed, backend, l1, l2, dropout);
        }

        private static void positive(String option, double value) {
            if (!(value > 0 && value < Double.POSITIVE_INFINITY)) {
                throw new UsageError(option + " must be a finite number > 0, got " + value);
            }
        }

        private static void atLeastZero(String option, double value) {
            if (!(value >= 0 && value < Double.POSITIVE_INFINITY)) {
                throw new UsageError(option + " must be a finite number >= 0, got " + value);
            }
        }
    }

    /**
     * What a run produced.
     *
     * @param trainExamples      examples trained on per epoch (after the limit and the validation split)
     * @param validationExamples examples held out for validation
     * @param seconds            wall time of the whole run, evaluation included
     * @param imagesPerSecond    training examples per second of training steps
     */
    record Result(TrainedModel trained, History history, EvaluationReport test, String optimizer, String schedule,
                  int trainExamples, int validationExamples, double seconds, double imagesPerSecond) {
        /** The history as one map per epoch, numbered from 1, for JSON. */
        List<Map<String, Object>> epochs() {
            List<Map<String, Object>> list = new ArrayList<>();
            for (int i = 0; i < history.epochs(); i++) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("epoch", i + 1);
                m.putAll(history.epoch(i));
                list.add(m);
            }
            return list;
        }
    }

    private Training() {}

    /** Checks the model name before any data is loaded, so that a typo fails at once. */
    static void check(Config config) throws IOException {
        Architecture.check(config.model(), config.architecture());
    }

    /**
     * Trains on {@code data}'s training set and evaluates on its test set.
     *
     * @param header   called with the model and the run's description before the first epoch
     * @param progress where each epoch's progress goes; {@code bar} redraws one line per epoch
     */
    static Result run(Config config, DataSource data, PrintWriter progress, boolean bar, Consumer<String> header)
            throws IOException {
        long start = System.nanoTime();
        Dataset train = data.train();
        if (config.limit() > 0 && config.limit() < train.size()) {
            train = train.subset(firstIndices(config.limit()));
        }
        Dataset validation = null;
        if (config.validationSplit() > 0) {
            // split explicitly: Dataset.split's fraction is the share that stays for training
            Dataset.Split split = train.split(1 - config.validationSplit(), config.seed());
            if (split.train().size() == 0 || split.validation().size() == 0) {
                throw new UsageError("--validation-split " + config.validationSplit() + " of " + train.size()
                        + " examples leaves an empty training or validation set");
            }
            train = split.train();
            validation = split.validation();
        }
        Dataset test = data.test();
        Normalization normalization = null;
        if (config.standardize()) {
            normalization = Normalization.standardize(train);
            train = normalization.apply(train);
            validation = validation == null ? null : normalization.apply(validation);
            test = normalization.apply(test);
        }
        Sequential model = Architecture.build(config.model(), Shape.of(train.featureShape()), train.classes(),
                config.architecture());
        Optimizer optimizer = optimizer(config.optimizer(), model.parameters(), config.lr());
        int stepsPerEpoch = (train.size() + config.batchSize() - 1) / config.batchSize();
        LearningRateSchedule schedule = schedule(config, (long) stepsPerEpoch * config.epochs());
        Progress callback = new Progress(progress, bar, stepsPerEpoch);
        Loss loss = new SparseCategoricalCrossEntropy();
        Trainer.Builder trainer = Trainer.builder(model, loss, optimizer)
                .epochs(config.epochs()).batchSize(config.batchSize()).seed(config.seed()).threads(config.threads())
                .learningRateSchedule(schedule).evaluationBatch(EVALUATION_BATCH).callback(callback);
        if (validation != null) {
            trainer.validation(validation);
        }
        String optimizerText = config.optimizer() + " lr " + config.lr();
        header.accept(String.format(Locale.ROOT, "model %s: %,d parameters%n%s"
                        + "training: %s, %s, batch %d, epochs %d, %,d train / %,d validation examples, %d threads, backend %s%n",
                config.model(), model.parameterCount(), model.summary(), optimizerText, schedule.describe(),
                config.batchSize(), config.epochs(), train.size(), validation == null ? 0 : validation.size(),
                config.threads(), config.backend().name().toLowerCase(Locale.ROOT)));
        History history = trainer.build().fit(train);
        EvaluationReport report = Evaluation.evaluate(model, test, loss, EVALUATION_BATCH,
                data.classNames().toArray(String[]::new));
        TrainedModel trained = new TrainedModel(model, normalization, data.classNames(), data.description());
        return new Result(trained, history, report, optimizerText, schedule.describe(), train.size(),
                validation == null ? 0 : validation.size(), (System.nanoTime() - start) / 1e9,
                callback.imagesPerSecond());
    }

    static int[] firstIndices(int n) {
        int[] indices = new int[n];
        for (int i = 0; i < n; i++) {
            indices[i] = i;
        }
        return indices;
    }

    private static Optimizer optimizer(String name, List<Parameter> params, double lr) {
        return switch (name) {
            case "sgd" -> new Sgd(params, lr);
            case "momentum" -> new Sgd(params, lr, 0.9, false);
            case "nesterov" -> new Sgd(params, lr, 0.9, true);
            case "adam" -> new Adam(params, lr);
            case "adamw" -> new AdamW(params, lr);
            case "rmsprop" -> new RmsProp(params, lr);
            case "adagrad" -> new AdaGrad(params, lr);
            default -> throw new AssertionError(name);
        };
    }

    /** The schedules decay from {@code --lr}; step halves it at each third of the run, exponential by 0.9 per epoch. */
    private static LearningRateSchedule schedule(Config c, long totalSteps) {
        LearningRateSchedule s = switch (c.schedule()) {
            case "constant" -> new LearningRateSchedule.Constant(c.lr());
            case "cosine" -> new LearningRateSchedule.Cosine(c.lr(), 0, Math.max(1, totalSteps));
            case "step" -> new LearningRateSchedule.StepDecay(c.lr(), Math.max(1, c.epochs() / 3), 0.5);
            case "exponential" -> new LearningRateSchedule.ExponentialDecay(c.lr(), 0.9);
            // bends after about one epoch's worth of steps
            case "inverse-sqrt" -> new LearningRateSchedule.InverseSqrt(c.lr(), 1.0 / Math.max(1, totalSteps / c.epochs()));
            case "one-cycle" -> new LearningRateSchedule.OneCycle(c.lr(), Math.max(1, totalSteps));
            default -> throw new AssertionError(c.schedule());
        };
        return c.warmup() > 0 ? new LearningRateSchedule.LinearWarmup(s, c.warmup()) : s;
    }
}
