package dev.isthmus.nn.structure;

import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Sequential;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Function-preserving widening in the sense of Net2Net's "wider" operation (Chen, Goodfellow and
 * Shlens, 2016): adds neurons to dense layers or channels to conv2d layers so that the wider model
 * computes the same outputs (up to float rounding) before any further training.
 *
 * <p>Each new unit is a copy of an original unit chosen uniformly at random: the same incoming
 * weights and bias, and the same gamma, beta and running statistics in the batch norm that follows.
 * Every copy of a unit (the original included) therefore produces the same activation, so the
 * consuming layer gets the original's contribution back when the original's outgoing weight
 * {@code w} is split between the copies as {@code w * f_i}, with fractions {@code f_i > 0} that sum
 * to 1. Net2Net splits equally ({@code 1 / copies}); then the copies also get equal gradients and
 * stay identical through training, so the extra units add nothing. Here the fractions are random
 * (each between about half and twice the equal share, multiples of {@code 2^-24} that sum to exactly
 * 1 in float arithmetic): the function is preserved just the same, but each copy's incoming weights
 * now receive a different gradient and the copies separate as soon as training resumes.
 *
 * <p>A layer can be widened under the same rule as it can be pruned (see {@link StructuredPruning}):
 * a later dense or conv2d layer consumes its units through only activations, dropout, batch norm,
 * pooling and flatten. The input model is not changed; the result is built of new layers and arrays
 * with the original's settings.
 */
public final class Widening {
    /** The fractions of a unit's outgoing weight are multiples of 1 / 2^24 (exact in a float). */
    private static final int FRACTION_STEPS = 1 << 24;
    /** The most units a widened layer may have, so that every copy of a unit gets at least one step. */
    private static final int MAX_WIDTH = FRACTION_STEPS;

    private Widening() {}

    /**
     * The model with layer {@code layer} (a dense or conv2d layer that is not the model's output
     * layer) widened to {@code newWidth} units (neurons or channels). The same seed gives the same
     * model; a width equal to the current one gives an equal copy.
     *
     * @throws IllegalArgumentException when the model is null, the index names no layer or one that
     *                                  cannot be widened, or the width is below the layer's current
     *                                  units or above 2^24
     */
    public static Sequential widen(Sequential model, int layer, int newWidth, long seed) {
        return widen(model, Map.of(layer, newWidth), seed);
    }

    /**
     * The model with each listed layer widened to its new width. The copies of each layer are drawn
     * from a generator seeded by {@code seed} and the layer's index, so widening several layers at
     * once equals widening them one after another with the same seed.
     *
     * @param widths layer index to the new number of units, at least the layer's current number
     * @throws IllegalArgumentException when an argument, key or width is null, the map is empty, an
     *                                  index names no layer or one that cannot be widened, or a width
     *                                  is below the layer's current units or above 2^24
     */
    public static Sequential widen(Sequential model, Map<Integer, Integer> widths, long seed) {
        TreeMap<Integer, Integer> layers = Surgery.checkedLayers(model, widths, "widened");
        Map<Integer, UnitMap> maps = new TreeMap<>();
        for (Map.Entry<Integer, Integer> e : layers.entrySet()) {
            int index = e.getKey();
            int width = e.getValue();
            Layer layer = model.layers().get(index);
            int units = Surgery.units(layer);
            if (width < units || width > MAX_WIDTH) {
                throw new IllegalArgumentException("layer " + index + " (" + layer.kind() + "): cannot widen to " + width
                        + " units; expected " + units + " (its current units) to " + MAX_WIDTH
                        + (width < units ? " (use StructuredPruning to remove units)" : ""));
            }
            maps.put(index, copies(units, width, new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L * (index + 1L))));
        }
        return Surgery.rebuild(model, maps);
    }

    /**
     * The units of a layer widened from {@code units} to {@code width}: the originals in place, then
     * copies of originals drawn uniformly; each unit's outgoing weight split between its copies by
     * random fractions summing to exactly 1.
     */
    private static UnitMap copies(int units, int width, SplittableRandom rng) {
        int[] source = new int[width];
        int[] count = new int[units];
        for (int u = 0; u < width; u++) {
            source[u] = u < units ? u : rng.nextInt(units);
            count[source[u]]++;
        }
        // the copies of each original, in new-unit order, as linked lists: first[j], then next[u]...
        int[] first = new int[units];
        int[] next = new int[width];
        int[] last = new int[units];
        for (int u = 0; u < width; u++) {
            int j = source[u];
            next[u] = -1;
            if (u < units) {
                first[j] = u;
            } else {
                next[last[j]] = u;
            }
            last[j] = u;
        }
        float[] scale = new float[width];
        for (int j = 0; j < units; j++) {
            split(first[j], next, count[j], scale, rng);
        }
        return new UnitMap(source, scale);
    }

    /**
     * Writes {@code copies} fractions for the chain of units starting at {@code u}: weights drawn in
     * [1, 2), turned into whole steps of 2^-24 with at least one step each, the last copy taking what
     * is left so that they sum to exactly 2^24 steps (and the floats to exactly 1).
     */
    private static void split(int u, int[] next, int copies, float[] scale, SplittableRandom rng) {
        double[] weight = new double[copies];
        double total = 0;
        for (int k = 0; k < copies; k++) {
            weight[k] = 1 + rng.nextDouble();
            total += weight[k];
        }
        int free = FRACTION_STEPS - copies;
        int used = 0;
        for (int k = 0; k < copies - 1; k++) {
            int steps = 1 + (int) (weight[k] / total * free);
            scale[u] = (float) steps / FRACTION_STEPS;
            used += steps;
            u = next[u];
        }
        scale[u] = (float) (FRACTION_STEPS - used) / FRACTION_STEPS;
    }
}
