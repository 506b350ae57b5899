package dev.isthmus.nn.search;

import dev.isthmus.kernels.Parallel;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.infer.InferencePlan;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.metrics.Evaluation;
import dev.isthmus.nn.optim.Adam;
import dev.isthmus.nn.train.Trainer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Hidden-size search: trains one multilayer perceptron per list of hidden widths, briefly and with
 * the same recipe, and reports test accuracy, parameter count and batch-1 latency side by side,
 * marking the candidates no other beats on both accuracy and latency (the Pareto front).
 *
 * <pre>{@code
 * List<SizeSearch.Candidate> result = SizeSearch.builder(train, test)
 *         .hidden(List.of(new int[] {256, 128}, new int[] {128}, new int[] {32}))
 *         .epochs(2).progress(System.out::println).build().run();
 * System.out.println(SizeSearch.table(result));
 * }</pre>
 *
 * <p>A candidate with hidden widths {@code h1..hk} is {@code input -> dense(h1) relu -> ... ->
 * dense(hk) relu -> dense(classes)}, built with the search's seed, trained by {@link Trainer} with
 * Adam and softmax cross entropy, and scored on the test set by {@link Evaluation}. With the same
 * seed, data and thread count, accuracies and parameter counts repeat bit for bit.
 *
 * <p>The latency is a wall-clock median on this machine at this moment: each of
 * {@code latencyCalls} timed calls (after as many untimed warm-up calls) runs the compiled plan
 * ({@link Sequential#compile()}) on one test sample into a preallocated output, cycling through the
 * first samples of the test set. It is noisy (other processes, frequency scaling, the timer's own
 * cost of some tens of nanoseconds) and good for ranking candidates within one run; the JMH
 * benchmarks in {@code bench/} give the reference figures.
 */
public final class SizeSearch {
    /** Test samples the latency calls cycle through. */
    static final int LATENCY_SAMPLES = 64;

    /**
     * One trained candidate.
     *
     * @param hidden        the hidden widths, input side first (empty: no hidden layer)
     * @param parameters    trainable values of the model
     * @param accuracy      test accuracy, a fraction in [0, 1]
     * @param latencyMicros median batch-1 latency of the compiled plan, in microseconds
     * @param pareto        whether no other candidate has accuracy >= and latency <=, one of them strictly
     */
    public record Candidate(int[] hidden, long parameters, double accuracy, double latencyMicros, boolean pareto) {
        /**
         * Copies the widths.
         *
         * @throws IllegalArgumentException when hidden is null
         */
        public Candidate {
            if (hidden == null) {
                throw new IllegalArgumentException("SizeSearch.Candidate: hidden is null; use an empty array for none");
            }
            hidden = hidden.clone();
        }

        /** A copy of the hidden widths. */
        @Override
        public int[] hidden() {
            return hidden.clone();
        }

        /** The widths as the table shows them: {@code 256-128}, or {@code none}. */
        public String label() {
            return widths(hidden);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Candidate c && Arrays.equals(hidden, c.hidden) && parameters == c.parameters
                    && Double.compare(accuracy, c.accuracy) == 0 && Double.compare(latencyMicros, c.latencyMicros) == 0
                    && pareto == c.pareto;
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(hidden) + Long.hashCode(parameters);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "Candidate[hidden=%s, parameters=%d, accuracy=%.4f, latency=%.2f us%s]",
                    label(), parameters, accuracy, latencyMicros, pareto ? ", pareto" : "");
        }
    }

    private final Dataset train;
    private final Dataset test;
    private final List<int[]> hidden;
    private final int epochs;
    private final int batchSize;
    private final double learningRate;
    private final long seed;
    private final int threads;
    private final int latencyCalls;
    private final Consumer<String> progress;

    private SizeSearch(Builder b) {
        this.train = b.train;
        this.test = b.test;
        this.hidden = b.hidden;
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.learningRate = b.learningRate;
        this.seed = b.seed;
        this.threads = b.threads;
        this.latencyCalls = b.latencyCalls;
        this.progress = b.progress;
    }

    /**
     * A search that trains on {@code train} and scores on {@code test}.
     *
     * @throws IllegalArgumentException when either is null or empty, or they differ in feature shape
     *                                  or class count
     */
    public static Builder builder(Dataset train, Dataset test) {
        return new Builder(train, test);
    }

    /**
     * Trains, scores and times every candidate, in the order given, and marks the Pareto front.
     * Takes about {@code epochs} passes over the training set per candidate.
     */
    public List<Candidate> run() {
        int n = hidden.size();
        long[] parameters = new long[n];
        double[] accuracy = new double[n];
        double[] latency = new double[n];
        for (int i = 0; i < n; i++) {
            int[] widths = hidden.get(i);
            Sequential model = mlp(train, widths, seed);
            parameters[i] = model.parameterCount();
            long start = System.nanoTime();
            SparseCategoricalCrossEntropy loss = new SparseCategoricalCrossEntropy();
            Trainer.builder(model, loss, new Adam(model.parameters(), learningRate))
                    .epochs(epochs).batchSize(batchSize).seed(seed).threads(threads).build()
                    .fit(train);
            double seconds = (System.nanoTime() - start) / 1e9;
            accuracy[i] = Evaluation.evaluate(model, test, loss, 256).accuracy();
            latency[i] = medianLatencyMicros(model.compile());
            report(String.format(Locale.ROOT, "candidate %d/%d hidden %s: %,d parameters, trained in %.1f s, "
                            + "test accuracy %.2f%%, batch-1 p50 %.2f us", i + 1, n, widths(widths), parameters[i],
                    seconds, 100 * accuracy[i], latency[i]));
        }
        boolean[] pareto = pareto(accuracy, latency);
        List<Candidate> result = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            result.add(new Candidate(hidden.get(i), parameters[i], accuracy[i], latency[i], pareto[i]));
        }
        return List.copyOf(result);
    }

    /**
     * A candidate's model, untrained: {@code input -> (dense(h) relu)* -> dense(classes)} for samples
     * and classes like {@code data}'s, its weights drawn from {@code seed}.
     *
     * @throws IllegalArgumentException when a width is below 1
     */
    public static Sequential mlp(Dataset data, int[] widths, long seed) {
        Sequential.Builder b = Sequential.builder(data.featureShape()).seed(seed);
        for (int h : widths) {
            b.dense(h).relu();
        }
        return b.dense(data.classes()).build();
    }

    /** The median of {@link #latencyCalls} timed batch-1 calls, after as many warm-up calls. */
    private double medianLatencyMicros(InferencePlan plan) {
        int sampleSize = test.featureSize();
        int samples = Math.min(LATENCY_SAMPLES, test.size());
        float[] inputs = new float[samples * sampleSize];
        for (int s = 0; s < samples; s++) {
            test.copyExample(s, inputs, s * sampleSize);
        }
        float[] out = new float[plan.outputShape().size()];
        for (int c = 0; c < latencyCalls; c++) {
            plan.predict(inputs, (c % samples) * sampleSize, 1, out, 0);
        }
        long[] nanos = new long[latencyCalls];
        for (int c = 0; c < latencyCalls; c++) {
            int off = (c % samples) * sampleSize;
            long t0 = System.nanoTime();
            plan.predict(inputs, off, 1, out, 0);
            nanos[c] = System.nanoTime() - t0;
        }
        Arrays.sort(nanos);
        int mid = latencyCalls / 2;
        double median = latencyCalls % 2 == 1 ? nanos[mid] : (nanos[mid - 1] + nanos[mid]) / 2.0;
        return median / 1e3;
    }

    /**
     * For each candidate, whether no other has accuracy >= and latency <= with at least one of them
     * strictly better. Candidates with equal numbers do not dominate each other.
     */
    static boolean[] pareto(double[] accuracy, double[] latency) {
        boolean[] front = new boolean[accuracy.length];
        for (int i = 0; i < accuracy.length; i++) {
            front[i] = true;
            for (int j = 0; j < accuracy.length && front[i]; j++) {
                boolean noWorse = accuracy[j] >= accuracy[i] && latency[j] <= latency[i];
                boolean better = accuracy[j] > accuracy[i] || latency[j] < latency[i];
                if (noWorse && better) {
                    front[i] = false;
                }
            }
        }
        return front;
    }

    private void report(String line) {
        if (progress != null) {
            progress.accept(line);
        }
    }

    /**
     * The candidates as a Markdown table, one row each in the order given: hidden widths, parameter
     * count, test accuracy in percent, median batch-1 latency in microseconds, and {@code *} on the
     * Pareto front.
     *
     * @throws IllegalArgumentException when the list or one of its candidates is null
     */
    public static String table(List<Candidate> candidates) {
        if (candidates == null) {
            throw new IllegalArgumentException("SizeSearch.table: candidates is null");
        }
        StringBuilder sb = new StringBuilder();
        sb.append("| hidden | parameters | accuracy % | p50 us | pareto |\n");
        sb.append("|---|---:|---:|---:|:---:|\n");
        for (int i = 0; i < candidates.size(); i++) {
            Candidate c = candidates.get(i);
            if (c == null) {
                throw new IllegalArgumentException("SizeSearch.table: candidate " + i + " is null");
            }
            sb.append(String.format(Locale.ROOT, "| %s | %,d | %.2f | %.2f | %s |%n", c.label(), c.parameters(),
                    100 * c.accuracy(), c.latencyMicros(), c.pareto() ? "*" : ""));
        }
        return sb.toString();
    }

    private static String widths(int[] widths) {
        if (widths.length == 0) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < widths.length; i++) {
            sb.append(i == 0 ? "" : "-").append(widths[i]);
        }
        return sb.toString();
    }

    /** Configures a {@link SizeSearch}; only {@link #hidden} is required. */
    public static final class Builder {
        private final Dataset train;
        private final Dataset test;
        private List<int[]> hidden;
        private int epochs = 2;
        private int batchSize = 64;
        private double learningRate = 1e-3;
        private long seed = 42;
        private int threads = Parallel.threads();
        private int latencyCalls = 2000;
        private Consumer<String> progress;

        private Builder(Dataset train, Dataset test) {
            if (train == null || test == null) {
                throw new IllegalArgumentException("SizeSearch: train and test data must not be null");
            }
            if (train.size() == 0 || test.size() == 0) {
                throw new IllegalArgumentException("SizeSearch: train (" + train.size() + " examples) and test ("
                        + test.size() + " examples) must not be empty");
            }
            if (!Arrays.equals(train.featureShape(), test.featureShape()) || train.classes() != test.classes()) {
                throw new IllegalArgumentException("SizeSearch: train has samples of shape "
                        + Arrays.toString(train.featureShape()) + " in " + train.classes() + " classes but test has "
                        + Arrays.toString(test.featureShape()) + " in " + test.classes() + "; they must agree");
            }
            this.train = train;
            this.test = test;
        }

        /**
         * The candidates (required): each array the hidden widths from the input side, e.g.
         * {@code {256, 128}}; an empty array is a model without hidden layers. The arrays are copied.
         *
         * @throws IllegalArgumentException when the list is null or empty, or an array is null or holds
         *                                  a width below 1 (naming the candidate and the width)
         */
        public Builder hidden(List<int[]> hidden) {
            if (hidden == null || hidden.isEmpty()) {
                throw new IllegalArgumentException("SizeSearch: the list of hidden widths is "
                        + (hidden == null ? "null" : "empty") + "; give at least one candidate");
            }
            List<int[]> copy = new ArrayList<>(hidden.size());
            for (int i = 0; i < hidden.size(); i++) {
                int[] widths = hidden.get(i);
                if (widths == null) {
                    throw new IllegalArgumentException("SizeSearch: candidate " + i + " is null; use an empty array"
                            + " for no hidden layer");
                }
                for (int w : widths) {
                    if (w < 1) {
                        throw new IllegalArgumentException("SizeSearch: candidate " + i + " " + Arrays.toString(widths)
                                + " has width " + w + "; widths must be >= 1");
                    }
                }
                copy.add(widths.clone());
            }
            this.hidden = List.copyOf(copy);
            return this;
        }

        /** Training epochs per candidate (default 2). */
        public Builder epochs(int epochs) {
            if (epochs < 1) {
                throw new IllegalArgumentException("SizeSearch: epochs must be >= 1, got " + epochs);
            }
            this.epochs = epochs;
            return this;
        }

        /** Training batch size (default 64). */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("SizeSearch: batch size must be >= 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Adam's learning rate (default 1e-3). */
        public Builder learningRate(double learningRate) {
            if (!(learningRate > 0 && learningRate < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("SizeSearch: learning rate must be finite and > 0, got "
                        + learningRate);
            }
            this.learningRate = learningRate;
            return this;
        }

        /** The seed of every candidate's initial weights and of the shuffling (default 42). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Training threads (default: the pool's size, {@code isthmus.threads}). */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("SizeSearch: threads must be >= 1, got " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** Timed batch-1 calls per candidate, after as many warm-up calls (default 2000). */
        public Builder latencyCalls(int calls) {
            if (calls < 1) {
                throw new IllegalArgumentException("SizeSearch: latency calls must be >= 1, got " + calls);
            }
            this.latencyCalls = calls;
            return this;
        }

        /** Receives one line per finished candidate (default: none). */
        public Builder progress(Consumer<String> progress) {
            this.progress = progress;
            return this;
        }

        /**
         * The search.
         *
         * @throws IllegalArgumentException when {@link #hidden} was not set
         */
        public SizeSearch build() {
            if (hidden == null) {
                throw new IllegalArgumentException("SizeSearch: set the candidates with hidden(...) before build()");
            }
            return new SizeSearch(this);
        }
    }
}
