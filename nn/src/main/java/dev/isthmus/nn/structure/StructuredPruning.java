package dev.isthmus.nn.structure;

import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.layer.BatchNorm;
import dev.isthmus.nn.layer.Conv2d;
import dev.isthmus.nn.layer.Dense;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Structured pruning: removes whole neurons of dense layers and whole channels of conv2d layers and
 * returns a genuinely smaller model, which usually wants some fine-tuning afterwards.
 *
 * <p>A layer can be pruned when a later dense or conv2d layer consumes its units through only
 * activations, dropout, batch norm, pooling and flatten; the model's last dense or conv2d layer
 * (whose units are the model's outputs) never can. Pruning a layer keeps its highest-ranked units
 * with their weights and bias, keeps the same units of the batch norm that follows it (gamma, beta,
 * running statistics), rebuilds the layers in between for the smaller shapes with the same settings,
 * and keeps only the consuming layer's inputs that came from kept units: its weight rows for a dense
 * layer (after flattening a {@code (C, H, W)} image, rows {@code c * H * W + s} of each kept channel
 * {@code c}), its input channels for a conv2d layer. Backends, initialization labels, weight
 * penalties, dropout rates and seeds, batch norm momentum and eps and activation parameters are
 * kept. The input model is not changed.
 *
 * <pre>{@code
 * StructuredPruning.Result r = StructuredPruning.prune(model, 0.5, StructuredPruning.Criterion.WEIGHT_NORM);
 * Sequential smaller = r.model();   // 784-256-128-10 becomes 784-128-64-10
 * }</pre>
 */
public final class StructuredPruning {
    private StructuredPruning() {}

    /**
     * How units are ranked; the lowest-ranked are removed. Among equal scores the unit with the
     * lower index ranks higher, so the result is deterministic.
     */
    public enum Criterion {
        /**
         * The L2 norm of the unit's incoming weights: a dense layer's weight column, a conv2d layer's
         * filter (all its input channels and taps), bias excluded.
         */
        WEIGHT_NORM,
        /**
         * The absolute value of gamma of the batch norm that follows the layer (before the layer
         * consuming its units): a unit whose scale is near zero contributes almost a constant.
         */
        BATCHNORM_SCALE
    }

    /**
     * What pruning did to one layer.
     *
     * @param layer  the layer's index in the model (the same in the pruned model)
     * @param kind   its kind, {@code dense} or {@code conv2d}
     * @param before its units (neurons or channels) before
     * @param after  its units after
     * @param kept   the original indexes of the units kept, ascending, {@code after} of them
     */
    public record LayerChange(int layer, String kind, int before, int after, int[] kept) {
        /**
         * Copies {@code kept}.
         *
         * @throws IllegalArgumentException when kind or kept is null or kept does not hold {@code after} indexes
         */
        public LayerChange {
            if (kind == null || kept == null || kept.length != after) {
                throw new IllegalArgumentException("layer change " + layer + ": kind " + kind + " and " + after
                        + " kept indexes expected, got " + (kept == null ? "null" : kept.length + " indexes"));
            }
            kept = kept.clone();
        }

        /** A copy of the kept units' original indexes. */
        @Override
        public int[] kept() {
            return kept.clone();
        }

        @Override
        public String toString() {
            return "layer " + layer + " (" + kind + "): " + before + " -> " + after + " units";
        }
    }

    /**
     * A pruned model and what was removed.
     *
     * @param model            the new, smaller model
     * @param changes          one entry per pruned layer, in layer order (unmodifiable)
     * @param parametersBefore the original model's trainable values ({@link Sequential#parameterCount()})
     * @param parametersAfter  the pruned model's
     */
    public record Result(Sequential model, List<LayerChange> changes, long parametersBefore, long parametersAfter) {
        /**
         * Copies the list.
         *
         * @throws IllegalArgumentException when model or changes is null
         */
        public Result {
            if (model == null || changes == null) {
                throw new IllegalArgumentException("pruning result: model and changes must not be null");
            }
            changes = List.copyOf(changes);
        }
    }

    /**
     * Removes {@code round(fraction * units)} of the units of every prunable layer, the lowest-ranked
     * by {@code criterion}.
     *
     * @param fraction the share of each layer's units to remove, in [0, 1)
     * @throws IllegalArgumentException when an argument is null, the fraction is NaN or outside
     *                                  [0, 1), the model has no prunable layer, a layer would keep no
     *                                  unit, or the criterion cannot rank a layer (no batch norm after
     *                                  it for BATCHNORM_SCALE, a non-finite score)
     */
    public static Result prune(Sequential model, double fraction, Criterion criterion) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("pruning fraction must be in [0, 1), got " + fraction);
        }
        if (model == null) {
            throw new IllegalArgumentException("model is null");
        }
        List<Integer> prunable = Surgery.resizableLayers(model);
        if (prunable.isEmpty()) {
            throw new IllegalArgumentException("the model " + model + " has no prunable layer: no dense or conv2d layer"
                    + " feeds a later dense or conv2d layer");
        }
        Map<Integer, Integer> keep = new LinkedHashMap<>();
        for (int i : prunable) {
            int units = Surgery.units(model.layers().get(i));
            long removed = Math.round(fraction * units);
            if (units - removed < 1) {
                throw new IllegalArgumentException("layer " + i + " (" + model.layers().get(i).kind() + "): removing "
                        + "round(" + fraction + " * " + units + ") = " + removed + " of its " + units
                        + " units leaves none; every layer must keep at least 1");
            }
            keep.put(i, (int) (units - removed));
        }
        return prune(model, keep, criterion);
    }

    /**
     * Keeps {@code keep.get(layer)} units of each listed layer, the highest-ranked by
     * {@code criterion}; the other layers keep all theirs. Each layer is ranked on the original
     * model's values.
     *
     * @param keep layer index to the number of units to keep, from 1 to the layer's current units
     * @throws IllegalArgumentException when an argument, key or count is null, the map is empty, an
     *                                  index names no layer or a layer that cannot be pruned, a count
     *                                  is below 1 or above the layer's units, or the criterion cannot
     *                                  rank a layer
     */
    public static Result prune(Sequential model, Map<Integer, Integer> keep, Criterion criterion) {
        if (criterion == null) {
            throw new IllegalArgumentException("pruning criterion is null: expected WEIGHT_NORM or BATCHNORM_SCALE");
        }
        TreeMap<Integer, Integer> layers = Surgery.checkedLayers(model, keep, "pruned");
        Map<Integer, UnitMap> maps = new TreeMap<>();
        List<LayerChange> changes = new ArrayList<>();
        for (Map.Entry<Integer, Integer> e : layers.entrySet()) {
            int index = e.getKey();
            int count = e.getValue();
            Layer layer = model.layers().get(index);
            int units = Surgery.units(layer);
            if (count < 1 || count > units) {
                throw new IllegalArgumentException("layer " + index + " (" + layer.kind() + "): keeping " + count
                        + " units is not possible; expected 1 to its " + units + " units");
            }
            int[] kept = highestRanked(scores(model, index, criterion), count);
            maps.put(index, UnitMap.subset(kept));
            changes.add(new LayerChange(index, layer.kind(), units, count, kept));
        }
        Sequential pruned = Surgery.rebuild(model, maps);
        return new Result(pruned, changes, model.parameterCount(), pruned.parameterCount());
    }

    /** Each unit's score by the criterion: higher is more important. */
    private static double[] scores(Sequential model, int index, Criterion criterion) {
        Layer layer = model.layers().get(index);
        double[] score = switch (criterion) {
            case WEIGHT_NORM -> incomingNorms(layer);
            case BATCHNORM_SCALE -> {
                BatchNorm bn = Surgery.followingBatchNorm(model, index);
                if (bn == null) {
                    throw new IllegalArgumentException("layer " + index + " (" + layer.kind() + ") is not followed by a"
                            + " batch_norm layer, so BATCHNORM_SCALE cannot rank its units; use WEIGHT_NORM");
                }
                float[] gamma = bn.gamma().value();
                double[] s = new double[gamma.length];
                for (int u = 0; u < s.length; u++) {
                    s[u] = Math.abs(gamma[u]);
                }
                yield s;
            }
        };
        for (int u = 0; u < score.length; u++) {
            if (!Double.isFinite(score[u])) {
                throw new IllegalArgumentException("layer " + index + " (" + layer.kind() + ") unit " + u + " scores "
                        + score[u] + " by " + criterion + ": a finite score was expected (does the model hold NaN?)");
            }
        }
        return score;
    }

    /** The L2 norm of each unit's incoming weights: dense columns of [in][out], conv2d filters of [out][in][kh][kw]. */
    private static double[] incomingNorms(Layer layer) {
        double[] sq;
        if (layer instanceof Dense d) {
            float[] w = d.weight().value();
            int out = d.weight().shape().dim(1);
            sq = new double[out];
            for (int i = 0; i < w.length; i++) {
                sq[i % out] += (double) w[i] * w[i];
            }
        } else {
            float[] w = ((Conv2d) layer).weight().value();
            int out = ((Conv2d) layer).weight().shape().dim(0);
            int filter = w.length / out;
            sq = new double[out];
            for (int i = 0; i < w.length; i++) {
                sq[i / filter] += (double) w[i] * w[i];
            }
        }
        for (int u = 0; u < sq.length; u++) {
            sq[u] = Math.sqrt(sq[u]);
        }
        return sq;
    }

    /** The indexes of the {@code count} highest scores (the lower index first among equals), ascending. */
    private static int[] highestRanked(double[] score, int count) {
        Integer[] order = new Integer[score.length];
        for (int u = 0; u < order.length; u++) {
            order[u] = u;
        }
        Arrays.sort(order, (a, b) -> score[a] != score[b] ? Double.compare(score[b], score[a]) : Integer.compare(a, b));
        int[] kept = new int[count];
        for (int k = 0; k < count; k++) {
            kept[k] = order[k];
        }
        Arrays.sort(kept);
        return kept;
    }
}
