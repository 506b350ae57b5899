package dev.isthmus.nn.train;

import dev.isthmus.kernels.Parallel;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.data.Batch;
import dev.isthmus.nn.layer.BatchNorm;
import dev.isthmus.nn.data.Batches;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.loss.Loss;
import dev.isthmus.nn.metrics.Evaluation;
import dev.isthmus.nn.metrics.EvaluationReport;
import dev.isthmus.nn.optim.BatchSizeSchedule;
import dev.isthmus.nn.optim.GradientClipping;
import dev.isthmus.nn.optim.LearningRateSchedule;
import dev.isthmus.nn.optim.Optimizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains a {@link Sequential} model on a labelled {@link Dataset} with mini-batch gradient
 * descent: each epoch visits the training set in an order shuffled from the seed, each batch is
 * split across the worker threads ({@link DataParallel}), and the optimizer steps once per batch.
 * Full-batch gradient descent and single-sample SGD are a batch size of the data set's size and
 * of 1.
 *
 * <pre>{@code
 * Trainer trainer = Trainer.builder(model, new SparseCategoricalCrossEntropy(), new Adam(model.parameters(), 1e-3))
 *         .epochs(5).batchSize(64).seed(42).validationSplit(0.1)
 *         .callback(new ProgressLogger(System.out))
 *         .build();
 * History history = trainer.fit(train);
 * }</pre>
 *
 * When the model has batch normalization, an epoch's last batch is skipped if it holds a single
 * example (its batch statistics would be undefined).
 *
 * <p>With the same seed, data and thread count, two runs give bit-identical weights. A NaN or
 * infinite loss stops training with a {@link NonFiniteLossException} naming the epoch and step.
 */
public final class Trainer {
    private final Sequential model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final int epochs;
    private final BatchSizeSchedule batchSizes;
    private final LearningRateSchedule learningRates;
    private final long seed;
    private final int threads;
    private final double clipNorm;
    private final Dataset validation;
    private final double validationSplit;
    private final List<Callback> callbacks;
    private final int evaluationBatch;
    private int nextEpoch;
    private long step;
    private String stopReason;
    private DataParallel parallel;

    private Trainer(Builder b) {
        this.model = b.model;
        this.loss = b.loss;
        this.optimizer = b.optimizer;
        this.epochs = b.epochs;
        this.batchSizes = b.batchSizes;
        this.learningRates = b.learningRates;
        this.seed = b.seed;
        this.threads = b.threads;
        this.clipNorm = b.clipNorm;
        this.validation = b.validation;
        this.validationSplit = b.validationSplit;
        this.callbacks = List.copyOf(b.callbacks);
        this.evaluationBatch = b.evaluationBatch;
    }

    /** A builder for training this model with this loss and optimizer (bound to the model's parameters). */
    public static Builder builder(Sequential model, Loss loss, Optimizer optimizer) {
        return new Builder(model, loss, optimizer);
    }

    public Sequential model() {
        return model;
    }

    public Loss loss() {
        return loss;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** The number of epochs fit runs to. */
    public int epochs() {
        return epochs;
    }

    /** The seed of the shuffling. */
    public long seed() {
        return seed;
    }

    /** Worker threads a batch is split across. */
    public int threads() {
        return threads;
    }

    /** The epoch (0-based) the next fit call starts at: 0, or where a restored checkpoint left off. */
    public int nextEpoch() {
        return nextEpoch;
    }

    /** Optimizer steps taken so far. */
    public long step() {
        return step;
    }

    /** Continue from this epoch and step (after restoring weights and optimizer state from a checkpoint). */
    public void resumeAt(int epoch, long step) {
        if (epoch < 0 || step < 0) {
            throw new IllegalArgumentException("resume: epoch " + epoch + " and step " + step + " must be >= 0");
        }
        this.nextEpoch = epoch;
        this.step = step;
    }

    /** Asks training to stop after the current epoch, for this reason. */
    public void stop(String reason) {
        this.stopReason = reason;
    }

    /**
     * Trains from {@link #nextEpoch()} up to {@link #epochs()} epochs.
     *
     * @throws IllegalArgumentException when the data set is empty, its samples do not have the
     *                                  model's input shape, or its labels do not fit the model's outputs
     * @throws NonFiniteLossException   when a loss becomes NaN or infinite
     */
    public History fit(Dataset train) {
        checkData(model, "training", train);
        Dataset trainSet = train;
        Dataset valSet = validation;
        if (validationSplit > 0) {
            Dataset.Split split = train.split(1 - validationSplit, seed);
            trainSet = split.train();
            valSet = split.validation();
            checkData(model, "training (after the validation split)", trainSet);
        }
        if (valSet != null) {
            checkData(model, "validation", valSet);
        }
        Dataset trainData = trainSet;
        DataParallel parallel = parallel();
        Map<Integer, Batches> batchesBySize = new HashMap<>();
        History history = new History();
        boolean hasBatchNorm = model.layers().stream().anyMatch(l -> l instanceof BatchNorm);
        stopReason = null;
        for (Callback c : callbacks) {
            c.onTrainBegin(this, nextEpoch);
        }
        for (int epoch = nextEpoch; epoch < epochs && stopReason == null; epoch++) {
            long start = System.nanoTime();
            int batchSize = batchSizes.batchSize(epoch);
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size schedule gave " + batchSize + " for epoch " + (epoch + 1));
            }
            Batches batches = batchesBySize.computeIfAbsent(batchSize, bs -> Batches.shuffled(trainData, bs, seed));
            double lossSum = 0;
            long correct = 0;
            long seen = 0;
            for (Batch batch : batches.epoch(epoch)) {
                if (batch.size() == 1 && hasBatchNorm) {
                    // the one leftover example of an epoch: batch statistics of one value are undefined
                    continue;
                }
                DataParallel.Result r = step(parallel, epoch, batch.features(), batch.labels(), batch.size());
                for (Callback c : callbacks) {
                    c.onBatchEnd(this, epoch, step - 1, batch.size(), r.loss());
                }
                lossSum += r.loss() * batch.size();
                correct += r.correct();
                seen += batch.size();
            }
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("loss", lossSum / seen);
            metrics.put("accuracy", (double) correct / seen);
            if (valSet != null) {
                EvaluationReport report = Evaluation.evaluate(model, valSet, loss, evaluationBatch);
                metrics.put("val_loss", report.loss());
                metrics.put("val_accuracy", report.accuracy());
                metrics.put("val_f1_macro", report.macro().f1());
            }
            metrics.put("lr", optimizer.learningRate());
            metrics.put("batch_size", (double) batchSize);
            metrics.put("seconds", (System.nanoTime() - start) / 1e9);
            history.add(metrics);
            nextEpoch = epoch + 1;
            for (Callback c : callbacks) {
                c.onEpochEnd(this, epoch, metrics);
            }
        }
        if (stopReason != null) {
            history.stopReason(stopReason);
        }
        for (Callback c : callbacks) {
            c.onTrainEnd(this, history);
        }
        return history;
    }

    /**
     * One optimizer step on the first {@code rows} samples of {@code features} (row-major, each of
     * the model's input shape) with their labels, for custom training loops and benchmarks; counts
     * as a step of epoch {@link #nextEpoch()} for the learning-rate schedule. Returns the batch's
     * mean loss.
     *
     * @throws IllegalArgumentException when the arrays are shorter than {@code rows} samples
     * @throws NonFiniteLossException   when the loss or the gradient norm is not finite
     */
    public double step(float[] features, int[] labels, int rows) {
        int sample = model.inputShape().size();
        if (rows < 1 || features == null || labels == null || (long) rows * sample > features.length
                || rows > labels.length) {
            throw new IllegalArgumentException("training step: " + rows + " rows of " + sample
                    + " features need features[" + (long) rows * sample + "] and labels[" + rows + "], got "
                    + (features == null ? "null" : "features[" + features.length + "]") + " and "
                    + (labels == null ? "null" : "labels[" + labels.length + "]"));
        }
        return step(parallel(), nextEpoch, features, labels, rows).loss();
    }

    private DataParallel parallel() {
        if (parallel == null) {
            parallel = new DataParallel(model, loss, threads);
        }
        return parallel;
    }

    private DataParallel.Result step(DataParallel parallel, int epoch, float[] features, int[] labels, int rows) {
        if (learningRates != null) {
            optimizer.setLearningRate(learningRates.rate(epoch, step));
        }
        DataParallel.Result r = parallel.lossAndGradient(features, labels, rows, step);
        if (!Double.isFinite(r.loss())) {
            throw new NonFiniteLossException("the loss", r.loss(), epoch, step);
        }
        if (clipNorm > 0) {
            double norm = GradientClipping.byNorm(model.parameters(), clipNorm);
            if (!Double.isFinite(norm)) {
                throw new NonFiniteLossException("the gradient norm", norm, epoch, step);
            }
        }
        optimizer.step();
        step++;
        return r;
    }

    /** Throws unless data is non-empty, has the model's input shape and labels its outputs can take. */
    static void checkData(Sequential model, String what, Dataset data) {
        if (data == null) {
            throw new IllegalArgumentException(what + " data is null");
        }
        if (data.size() == 0) {
            throw new IllegalArgumentException(what + " data set is empty");
        }
        Shape sample = Shape.of(data.featureShape());
        if (!sample.equals(model.inputShape())) {
            throw new IllegalArgumentException(what + " samples have shape " + Arrays.toString(data.featureShape())
                    + " but the model expects " + model.inputShape());
        }
        int width = model.outputShape().size();
        int limit = width == 1 ? 2 : width;
        int[] labels = data.labels();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= limit) {
                throw new IllegalArgumentException(what + " label " + labels[i] + " of example " + i + " is outside [0, "
                        + limit + ") for a model with " + width + " output" + (width == 1 ? "" : "s"));
            }
        }
    }

    /** Configures a {@link Trainer}. */
    public static final class Builder {
        private final Sequential model;
        private final Loss loss;
        private final Optimizer optimizer;
        private int epochs = 10;
        private BatchSizeSchedule batchSizes = new BatchSizeSchedule.Constant(32);
        private LearningRateSchedule learningRates;
        private long seed;
        private int threads = Parallel.threads();
        private double clipNorm;
        private Dataset validation;
        private double validationSplit;
        private final List<Callback> callbacks = new ArrayList<>();
        private int evaluationBatch = 256;

        private Builder(Sequential model, Loss loss, Optimizer optimizer) {
            if (model == null || loss == null || optimizer == null) {
                throw new IllegalArgumentException("trainer: model, loss and optimizer must not be null");
            }
            this.model = model;
            this.loss = loss;
            this.optimizer = optimizer;
        }

        /** Epochs to train (default 10). */
        public Builder epochs(int epochs) {
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
            }
            this.epochs = epochs;
            return this;
        }

        /** A fixed batch size (default 32): 1 is single-sample SGD, the data set's size is full-batch. */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            }
            this.batchSizes = new BatchSizeSchedule.Constant(batchSize);
            return this;
        }

        /** A batch size that changes by epoch. */
        public Builder batchSizeSchedule(BatchSizeSchedule schedule) {
            if (schedule == null) {
                throw new IllegalArgumentException("batch size schedule is null");
            }
            this.batchSizes = schedule;
            return this;
        }

        /** Sets the optimizer's learning rate before every step (default: leave it as constructed). */
        public Builder learningRateSchedule(LearningRateSchedule schedule) {
            this.learningRates = schedule;
            return this;
        }

        /** The seed of the per-epoch shuffle and of the validation split (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Worker threads each batch is split across (default: the pool's size, {@code isthmus.threads}). */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** Clip the gradient to this global L2 norm before each step (0: no clipping). */
        public Builder clipNorm(double maxNorm) {
            if (!(maxNorm >= 0 && maxNorm < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("clip norm must be finite and >= 0, got " + maxNorm);
            }
            this.clipNorm = maxNorm;
            return this;
        }

        /** Evaluate on this data after every epoch. */
        public Builder validation(Dataset data) {
            this.validation = data;
            this.validationSplit = 0;
            return this;
        }

        /** Hold out this fraction of the training data (split from the seed) for validation. */
        public Builder validationSplit(double fraction) {
            if (!(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException("validation split must be in (0, 1), got " + fraction);
            }
            this.validationSplit = fraction;
            this.validation = null;
            return this;
        }

        public Builder callback(Callback callback) {
            if (callback == null) {
                throw new IllegalArgumentException("callback is null");
            }
            callbacks.add(callback);
            return this;
        }

        /** The batch size of validation passes (default 256); it does not change the results. */
        public Builder evaluationBatch(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("evaluation batch must be >= 1, got " + batchSize);
            }
            this.evaluationBatch = batchSize;
            return this;
        }

        public Trainer build() {
            return new Trainer(this);
        }
    }
}
