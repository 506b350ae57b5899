package dev.isthmus.nn.prune;

import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.layer.Conv2d;
import dev.isthmus.nn.layer.Dense;
import dev.isthmus.nn.train.Callback;
import dev.isthmus.nn.train.Trainer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Unstructured magnitude pruning: masks the smallest weights of a model's dense and convolution
 * layers to zero, at a sparsity that follows a {@link SparsitySchedule}, and keeps them zero while
 * the model is fine-tuned. As a {@link Trainer} callback it recomputes the masks every
 * {@link Builder#every(int)} optimizer steps and re-applies them after every step in between:
 *
 * <pre>{@code
 * MagnitudePruning pruning = MagnitudePruning.builder(model)
 *         .schedule(SparsitySchedule.polynomial(0, 0.9, 0, 700, 3))
 *         .every(50)
 *         .build();
 * Trainer.builder(model, loss, optimizer).callback(pruning).build().fit(train);
 * System.out.println(pruning.sparsity()); // 0.9 (to the nearest weight)
 * }</pre>
 *
 * <p>What is pruned: only the weight of each chosen {@link Dense} and {@link Conv2d} layer, never a
 * bias nor a batch-normalization parameter. A mask update ranks the chosen weights by magnitude
 * {@code |w|}, ties broken by position (layer order, then index in the weight array), and masks the
 * first {@code round(sparsity * count)}: over all chosen layers together ({@link Scope#GLOBAL}, so a
 * layer with many small weights gives up more of them) or in each layer separately
 * ({@link Scope#PER_LAYER}, each layer at the target).
 *
 * <p>Masks only grow while the sparsity does not decrease: a weight masked before ranks below every
 * kept weight, whatever its current value (an optimizer step may have moved it away from zero since
 * the last {@link #apply()}, see below), so a mask update keeps it masked. When the schedule
 * decreases, the update releases the masked weights that rank last (the largest current magnitudes,
 * then the later positions); a released weight restarts from its current value, which is 0 unless an
 * optimizer step moved it after the last {@link #apply()}.
 *
 * <p>Optimizer state: the gradient of a masked weight is not zeroed before the step (a callback runs
 * only after it), so the optimizer may move a masked weight and keep non-zero moments or velocity for
 * it. The contract is re-masking after every step: within {@link Trainer#fit} the callback does it, and
 * a custom training loop calls {@link #apply()} after each of its optimizer steps. Data-parallel
 * replicas share the model's weight arrays, so masking the model masks them too. Training resumed
 * from a checkpoint with a new pruning finds the masked weights as zeros, the smallest magnitudes,
 * so its first update (at a sparsity no lower than before) masks them again, unless kept weights that
 * are exactly zero tie with them: ties go by position.
 *
 * <p>Deterministic: the same weights, schedule and steps give the same masks. Not thread-safe: use it
 * from the training thread.
 */
public final class MagnitudePruning implements Callback {
    /** Which weights a target sparsity is counted over. */
    public enum Scope {
        /** All chosen layers' weights ranked together, the sparsity reached over their total. */
        GLOBAL,
        /** Each chosen layer pruned to the sparsity on its own. */
        PER_LAYER
    }

    private static final String OP = "magnitude pruning";

    private final Sequential model;
    private final SparsitySchedule schedule;
    private final Scope scope;
    private final int every;
    /** The chosen layers' indices in the model, ascending. */
    private final int[] layerIndices;
    private final String[] kinds;
    private final float[][] weights;
    /** Per chosen layer, true where the weight is kept. */
    private final boolean[][] keep;
    /** Per chosen layer, the indices of the masked weights in {@code [0, pruned[l])}, ascending. */
    private final int[][] masked;
    private final int[] pruned;
    /** Where each chosen layer's weights start in {@link #keys}, and the total at the end. */
    private final int[] offsets;
    /** The ranking key of every chosen weight, in position order (see {@link #rankKey}). */
    private final long[] keys;
    /** A copy of a range of keys that selection reorders. */
    private final long[] scratch;
    /** Per chosen layer, the largest key that is masked, or {@link Long#MIN_VALUE} when none is. */
    private final long[] thresholds;

    private MagnitudePruning(Builder b) {
        this.model = b.model;
        this.schedule = b.schedule;
        this.scope = b.scope;
        this.every = b.every;
        this.layerIndices = b.chosenLayers();
        int n = layerIndices.length;
        this.kinds = new String[n];
        this.weights = new float[n][];
        this.keep = new boolean[n][];
        this.masked = new int[n][];
        this.pruned = new int[n];
        this.offsets = new int[n + 1];
        this.thresholds = new long[n];
        long total = 0;
        for (int l = 0; l < n; l++) {
            Layer layer = model.layers().get(layerIndices[l]);
            kinds[l] = layer.kind();
            weights[l] = weightOf(layer).value();
            keep[l] = new boolean[weights[l].length];
            Arrays.fill(keep[l], true);
            masked[l] = new int[weights[l].length];
            offsets[l] = (int) total;
            total += weights[l].length;
            // positions are stored 1-based in 31 bits of a key (see rankKey)
            if (total > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(OP + ": the chosen layers hold " + total
                        + " weights, more than one ranking array can hold (" + (Integer.MAX_VALUE - 8) + ")");
            }
        }
        offsets[n] = (int) total;
        this.keys = new long[(int) total];
        this.scratch = new long[(int) total];
    }

    /**
     * A builder for pruning this model's weights.
     *
     * @throws IllegalArgumentException when the model is null
     */
    public static Builder builder(Sequential model) {
        return new Builder(model);
    }

    /**
     * Recomputes the masks for {@code schedule.sparsity(step)} from the current weights and applies
     * them.
     *
     * @param step optimizer steps taken so far, counting from 0
     * @throws IllegalArgumentException when step is negative, the schedule gives a value that is NaN or
     *                                  outside [0, 1), or a chosen weight is NaN
     */
    public void update(long step) {
        if (step < 0) {
            throw new IllegalArgumentException(OP + ": steps count from 0, got step " + step);
        }
        double sparsity = schedule.sparsity(step);
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new IllegalArgumentException(OP + ": schedule " + schedule.describe() + " gave sparsity " + sparsity
                    + " at step " + step + ", expected a value in [0, 1)");
        }
        prune(sparsity);
    }

    /**
     * Recomputes the masks for this sparsity now, without the schedule (one-shot pruning), and
     * applies them.
     *
     * @throws IllegalArgumentException when sparsity is NaN or outside [0, 1), or a chosen weight is NaN
     */
    public void pruneTo(double sparsity) {
        prune(Fraction.check(OP, "sparsity", sparsity));
    }

    /**
     * Sets every masked weight to zero; call it after each optimizer step of a custom training loop.
     * Allocates nothing.
     */
    public void apply() {
        // a list of indices rather than a pass over the mask: no branch to mispredict on a random mask
        for (int l = 0; l < weights.length; l++) {
            float[] w = weights[l];
            int[] indices = masked[l];
            for (int i = 0, n = pruned[l]; i < n; i++) {
                w[indices[i]] = 0f;
            }
        }
    }

    /** The fraction of the chosen layers' weights that are masked, in [0, 1). */
    public double sparsity() {
        long all = offsets[offsets.length - 1];
        long count = 0;
        for (int p : pruned) {
            count += p;
        }
        return all == 0 ? 0 : (double) count / all;
    }

    /** The chosen layers in model order, with their weight and masked counts. */
    public List<LayerSparsity> layers() {
        List<LayerSparsity> list = new ArrayList<>(layerIndices.length);
        for (int l = 0; l < layerIndices.length; l++) {
            list.add(new LayerSparsity(layerIndices[l], kinds[l], weights[l].length, pruned[l]));
        }
        return List.copyOf(list);
    }

    /**
     * A copy of one chosen layer's mask, over its weight array in order: true where the weight is kept.
     *
     * @param layerIndex the layer's index in the model
     * @throws IllegalArgumentException when that layer is not one this pruning chose
     */
    public boolean[] mask(int layerIndex) {
        int l = Arrays.binarySearch(layerIndices, layerIndex);
        if (l < 0) {
            throw new IllegalArgumentException(OP + ": layer " + layerIndex + " is not pruned; the pruned layers are "
                    + Arrays.toString(layerIndices));
        }
        return keep[l].clone();
    }

    /** The schedule the callback follows. */
    public SparsitySchedule schedule() {
        return schedule;
    }

    /** Whether the sparsity counts over all chosen layers or each one. */
    public Scope scope() {
        return scope;
    }

    /** Optimizer steps between mask updates in training. */
    public int every() {
        return every;
    }

    /**
     * Computes the masks at the trainer's current step.
     *
     * @throws IllegalArgumentException when the trainer trains another model than this pruning's
     */
    @Override
    public void onTrainBegin(Trainer trainer, int firstEpoch) {
        if (trainer.model() != model) {
            throw new IllegalArgumentException(OP + " was built for " + model + " but the trainer trains "
                    + trainer.model());
        }
        update(trainer.step());
    }

    /** After optimizer step {@code step} (0-based): a mask update every {@link #every()} steps, else re-masking. */
    @Override
    public void onBatchEnd(Trainer trainer, int epoch, long step, int batchSize, double loss) {
        long taken = step + 1;
        if (taken % every == 0) {
            update(taken);
        } else {
            apply();
        }
    }

    @Override
    public String toString() {
        return OP + " (" + scope.name().toLowerCase(Locale.ROOT) + ", " + schedule.describe() + ", masks every "
                + every + " steps, layers " + Arrays.toString(layerIndices) + ")";
    }

    private void prune(double sparsity) {
        fillKeys();
        if (scope == Scope.GLOBAL) {
            long threshold = threshold(0, keys.length, sparsity);
            Arrays.fill(thresholds, threshold);
        } else {
            for (int l = 0; l < thresholds.length; l++) {
                thresholds[l] = threshold(offsets[l], offsets[l + 1], sparsity);
            }
        }
        for (int l = 0; l < weights.length; l++) {
            float[] w = weights[l];
            boolean[] k = keep[l];
            long t = thresholds[l];
            int[] indices = masked[l];
            int off = offsets[l];
            int count = 0;
            for (int i = 0; i < w.length; i++) {
                boolean kept = keys[off + i] > t;
                k[i] = kept;
                if (!kept) {
                    w[i] = 0f;
                    indices[count++] = i;
                }
            }
            pruned[l] = count;
        }
    }

    /** Every chosen weight's ranking key, from its value, its mask and its position. */
    private void fillKeys() {
        for (int l = 0; l < weights.length; l++) {
            float[] w = weights[l];
            boolean[] k = keep[l];
            int off = offsets[l];
            for (int i = 0; i < w.length; i++) {
                if (Float.isNaN(w[i])) {
                    throw new IllegalArgumentException(OP + ": weight " + i + " of layer " + layerIndices[l] + " ("
                            + kinds[l] + ") is NaN");
                }
                keys[off + i] = rankKey(w[i], !k[i], off + i);
            }
        }
    }

    /**
     * A key whose order is the pruning order: masked weights before kept ones, then magnitude, then
     * position. The sign bit says kept (0) or masked (1); the next 31 bits hold the bits of |w|, whose
     * integer order is the order of non-negative floats; the low 31 bits hold the position + 1, so no
     * key is {@link Long#MIN_VALUE}, the threshold that masks nothing.
     */
    static long rankKey(float w, boolean masked, int position) {
        long magnitude = Float.floatToRawIntBits(w) & 0x7FFF_FFFFL;
        long key = magnitude << 31 | (position + 1L);
        return masked ? key | Long.MIN_VALUE : key;
    }

    /** The largest key among the {@code round(sparsity * n)} smallest of keys[from, to), or MIN_VALUE for none. */
    private long threshold(int from, int to, double sparsity) {
        int n = to - from;
        int count = (int) Math.round(sparsity * n);
        if (count == 0) {
            return Long.MIN_VALUE;
        }
        System.arraycopy(keys, from, scratch, 0, n);
        return select(scratch, n, count - 1);
    }

    /**
     * The {@code k}-th smallest (0-based) of {@code a[0, n)}, reordering that range: quickselect with
     * a median-of-three pivot (linear on average), falling back to sorting what is left if the ranges
     * stop shrinking (so the worst case is n log n).
     */
    static long select(long[] a, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        int budget = 2 * (32 - Integer.numberOfLeadingZeros(n));
        while (lo < hi) {
            if (budget-- == 0) {
                Arrays.sort(a, lo, hi + 1);
                return a[k];
            }
            long pivot = medianOfThree(a[lo], a[(lo + hi) >>> 1], a[hi]);
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            // now a[lo..j] <= pivot <= a[i..hi], and everything strictly between j and i equals the pivot
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return a[k];
            }
        }
        return a[k];
    }

    private static long medianOfThree(long a, long b, long c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    private static Parameter weightOf(Layer layer) {
        return switch (layer) {
            case Dense d -> d.weight();
            case Conv2d c -> c.weight();
            default -> throw new IllegalArgumentException(OP + ": layer " + layer.kind() + " has no weight to prune");
        };
    }

    private static boolean prunable(Layer layer) {
        return layer instanceof Dense || layer instanceof Conv2d;
    }

    /**
     * One chosen layer's pruning state.
     *
     * @param layer   the layer's index in the model
     * @param kind    the layer's kind ({@code dense} or {@code conv2d})
     * @param weights the number of weights in the layer (bias not counted)
     * @param pruned  how many of them are masked
     */
    public record LayerSparsity(int layer, String kind, long weights, long pruned) {
        /**
         * Checks the counts.
         *
         * @throws IllegalArgumentException when a count is negative or pruned exceeds weights
         */
        public LayerSparsity {
            if (weights < 0 || pruned < 0 || pruned > weights) {
                throw new IllegalArgumentException("layer " + layer + " (" + kind + "): pruned " + pruned
                        + " must be in [0, weights " + weights + "]");
            }
        }

        /** The fraction of the layer's weights that are masked (0 for a layer without weights). */
        public double sparsity() {
            return weights == 0 ? 0 : (double) pruned / weights;
        }
    }

    /** Configures a {@link MagnitudePruning}; a schedule is required. */
    public static final class Builder {
        private final Sequential model;
        private SparsitySchedule schedule;
        private Scope scope = Scope.GLOBAL;
        private int every = 100;
        private int[] layers;

        private Builder(Sequential model) {
            if (model == null) {
                throw new IllegalArgumentException(OP + ": model is null");
            }
            this.model = model;
        }

        /**
         * The sparsity to follow (required; {@link SparsitySchedule#constant} for one fixed value).
         *
         * @throws IllegalArgumentException when schedule is null
         */
        public Builder schedule(SparsitySchedule schedule) {
            if (schedule == null) {
                throw new IllegalArgumentException(OP + ": schedule is null");
            }
            this.schedule = schedule;
            return this;
        }

        /**
         * Ranks the chosen layers together or each on its own (default {@link Scope#GLOBAL}).
         *
         * @throws IllegalArgumentException when scope is null
         */
        public Builder scope(Scope scope) {
            if (scope == null) {
                throw new IllegalArgumentException(OP + ": scope is null");
            }
            this.scope = scope;
            return this;
        }

        /**
         * Optimizer steps between mask updates in training (default 100); after every step in between
         * the masks are re-applied.
         *
         * @throws IllegalArgumentException when steps is below 1
         */
        public Builder every(int steps) {
            if (steps < 1) {
                throw new IllegalArgumentException(OP + ": mask updates every " + steps + " steps, expected >= 1");
            }
            this.every = steps;
            return this;
        }

        /**
         * The layers to prune, by index in the model (default: every dense and conv2d layer). To keep
         * a layer dense (a small output layer, say), leave it out.
         *
         * @throws IllegalArgumentException when there are none, one is repeated or outside the model, or
         *                                  one is not a dense or conv2d layer
         */
        public Builder layers(int... layerIndices) {
            if (layerIndices == null || layerIndices.length == 0) {
                throw new IllegalArgumentException(OP + ": layers needs at least one layer index");
            }
            int[] sorted = layerIndices.clone();
            Arrays.sort(sorted);
            List<Layer> all = model.layers();
            for (int i = 0; i < sorted.length; i++) {
                int index = sorted[i];
                if (index < 0 || index >= all.size()) {
                    throw new IllegalArgumentException(OP + ": layer index " + index + " is outside the model's "
                            + all.size() + " layers [0, " + all.size() + ")");
                }
                if (i > 0 && sorted[i - 1] == index) {
                    throw new IllegalArgumentException(OP + ": layer " + index + " is listed twice");
                }
                if (!prunable(all.get(index))) {
                    throw new IllegalArgumentException(OP + ": layer " + index + " (" + all.get(index).kind()
                            + ") has no weight to prune; only dense and conv2d layers can be pruned");
                }
            }
            this.layers = sorted;
            return this;
        }

        /**
         * The pruning; no weight is masked until {@link #update}, {@link #pruneTo} or training starts.
         *
         * @throws IllegalStateException    when no schedule was set
         * @throws IllegalArgumentException when the model has no dense or conv2d layer
         */
        public MagnitudePruning build() {
            if (schedule == null) {
                throw new IllegalStateException(OP + ": no schedule was set (schedule(SparsitySchedule) is required)");
            }
            return new MagnitudePruning(this);
        }

        private int[] chosenLayers() {
            if (layers != null) {
                return layers;
            }
            List<Layer> all = model.layers();
            int[] found = new int[all.size()];
            int n = 0;
            for (int i = 0; i < all.size(); i++) {
                if (prunable(all.get(i))) {
                    found[n++] = i;
                }
            }
            if (n == 0) {
                throw new IllegalArgumentException(OP + ": " + model + " has no dense or conv2d layer to prune");
            }
            return Arrays.copyOf(found, n);
        }
    }
}
