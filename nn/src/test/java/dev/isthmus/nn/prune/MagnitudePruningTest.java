package dev.isthmus.nn.prune;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.layer.Conv2d;
import dev.isthmus.nn.layer.Dense;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.optim.Sgd;
import dev.isthmus.nn.prune.MagnitudePruning.LayerSparsity;
import dev.isthmus.nn.prune.MagnitudePruning.Scope;
import dev.isthmus.nn.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MagnitudePruningTest {
    /** conv2d (layer 0, 4x1x3x3 = 36 weights, 4x6x6 out), relu, flatten, dense (layer 3, 144x10), relu, dense (layer 5, 10x3). */
    static Sequential model() {
        return Sequential.builder(1, 8, 8).seed(5).conv2d(4, 3).relu().dense(10).relu().dense(3).build();
    }

    static float[] weights(Sequential m, int layer) {
        return switch (m.layers().get(layer)) {
            case Dense d -> d.weight().value();
            case Conv2d c -> c.weight().value();
            default -> throw new AssertionError("layer " + layer + " has no weight");
        };
    }

    static <T extends Throwable> void assertMessage(Class<T> type, Executable call, String... parts) {
        T e = assertThrows(type, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should name '" + part + "'");
        }
    }

    /** The plain reference: which of these layers' weights are the {@code count} smallest by (|w|, position). */
    static List<boolean[]> smallest(Sequential m, int[] layers, long count) {
        record Entry(int layer, int index, float magnitude) {}
        List<Entry> all = new ArrayList<>();
        for (int l = 0; l < layers.length; l++) {
            float[] w = weights(m, layers[l]);
            for (int i = 0; i < w.length; i++) {
                all.add(new Entry(l, i, Math.abs(w[i])));
            }
        }
        // list order is position order, and the sort is stable: ties stay in position order
        all.sort(Comparator.comparingDouble(Entry::magnitude));
        List<boolean[]> pruned = new ArrayList<>();
        for (int layer : layers) {
            pruned.add(new boolean[weights(m, layer).length]);
        }
        for (int r = 0; r < count; r++) {
            pruned.get(all.get(r).layer())[all.get(r).index()] = true;
        }
        return pruned;
    }

    static boolean[] not(boolean[] mask) {
        boolean[] out = new boolean[mask.length];
        for (int i = 0; i < mask.length; i++) {
            out[i] = !mask[i];
        }
        return out;
    }

    @Test
    void globalPruningMasksExactlyTheSmallestWeightsOverAllLayers() {
        int[] layers = {0, 3, 5};
        long total = 36 + 1440 + 30;
        for (double s : new double[] {0, 0.1, 0.5, 0.9, 0.95}) {
            Sequential m = model();
            List<boolean[]> expected = smallest(m, layers, Math.round(s * total));
            List<float[]> before = new ArrayList<>();
            for (int layer : layers) {
                before.add(weights(m, layer).clone());
            }
            float[] bias = ((Dense) m.layers().get(3)).bias().value().clone();
            MagnitudePruning p = MagnitudePruning.builder(m).schedule(SparsitySchedule.constant(s)).build();
            assertEquals(0.0, p.sparsity(), 0.0, "nothing is masked before the first update");
            p.pruneTo(s);
            assertEquals((double) Math.round(s * total) / total, p.sparsity(), 1e-15, "sparsity " + s);
            for (int l = 0; l < layers.length; l++) {
                boolean[] mask = p.mask(layers[l]);
                assertArrayEquals(expected.get(l), not(mask), "layer " + layers[l] + " at sparsity " + s);
                float[] w = weights(m, layers[l]);
                for (int i = 0; i < w.length; i++) {
                    assertEquals(mask[i] ? before.get(l)[i] : 0f, w[i], 0f, "weight " + i + " of layer " + layers[l]);
                }
            }
            assertArrayEquals(bias, ((Dense) m.layers().get(3)).bias().value(), 0f, "biases are never pruned");
        }
    }

    @Test
    void perLayerPruningReachesTheSparsityInEachLayer() {
        int[] layers = {0, 3, 5};
        Sequential m = model();
        double s = 0.7;
        List<boolean[]> expected = new ArrayList<>();
        for (int layer : layers) {
            expected.add(smallest(m, new int[] {layer}, Math.round(s * weights(m, layer).length)).getFirst());
        }
        MagnitudePruning p = MagnitudePruning.builder(m).schedule(SparsitySchedule.constant(s))
                .scope(Scope.PER_LAYER).build();
        p.update(0);
        List<LayerSparsity> report = p.layers();
        assertEquals(List.of(new LayerSparsity(0, "conv2d", 36, 25), new LayerSparsity(3, "dense", 1440, 1008),
                new LayerSparsity(5, "dense", 30, 21)), report);
        for (int l = 0; l < layers.length; l++) {
            assertArrayEquals(expected.get(l), not(p.mask(layers[l])), "layer " + layers[l]);
        }
        assertEquals((25 + 1008 + 21) / 1506.0, p.sparsity(), 1e-15);
        assertEquals(1008 / 1440.0, report.get(1).sparsity(), 1e-15);
    }

    @Test
    void chosenLayersAloneArePrunedAndCountedTogether() {
        Sequential m = model();
        float[] output = weights(m, 5).clone();
        MagnitudePruning p = MagnitudePruning.builder(m).schedule(SparsitySchedule.constant(0.9)).layers(3, 0).build();
        p.pruneTo(0.9);
        assertArrayEquals(output, weights(m, 5), 0f, "layer 5 was left out");
        assertEquals(List.of(0, 3), p.layers().stream().map(LayerSparsity::layer).toList());
        assertEquals(Math.round(0.9 * 1476), p.layers().get(0).pruned() + p.layers().get(1).pruned());
        List<boolean[]> expected = smallest(model(), new int[] {0, 3}, Math.round(0.9 * 1476));
        assertArrayEquals(expected.get(1), not(p.mask(3)));
        assertMessage(IllegalArgumentException.class, () -> p.mask(5), "layer 5", "[0, 3]");
        assertMessage(IllegalArgumentException.class, () -> p.mask(1), "layer 1");
    }

    /** Weights of few distinct magnitudes (many ties), some of them exactly zero. */
    static Sequential tiedModel() {
        Sequential m = Sequential.builder(12).seed(1).dense(8).relu().dense(5).build();
        for (int layer : new int[] {0, 2}) {
            float[] w = weights(m, layer);
            for (int i = 0; i < w.length; i++) {
                w[i] = ((i * 7 + layer) % 4) * (i % 2 == 0 ? 0.25f : -0.25f);
            }
        }
        return m;
    }

    @Test
    void tiesGoByPositionAndMasksNeverShrinkWhileTheSparsityGrows() {
        for (Scope scope : Scope.values()) {
            Sequential m = tiedModel();
            Sequential reference = tiedModel();
            MagnitudePruning p = MagnitudePruning.builder(m).schedule(SparsitySchedule.constant(0.5)).scope(scope)
                    .build();
            p.pruneTo(0.3);
            if (scope == Scope.GLOBAL) {
                List<boolean[]> expected = smallest(reference, new int[] {0, 2}, Math.round(0.3 * 136));
                assertArrayEquals(expected.get(0), not(p.mask(0)));
                assertArrayEquals(expected.get(1), not(p.mask(2)));
            } else {
                assertArrayEquals(smallest(reference, new int[] {0}, Math.round(0.3 * 96)).getFirst(), not(p.mask(0)));
                assertArrayEquals(smallest(reference, new int[] {2}, Math.round(0.3 * 40)).getFirst(), not(p.mask(2)));
            }
            boolean[][] previous = {p.mask(0), p.mask(2)};
            for (double s = 0.3; s < 0.99; s += 0.01) {
                // a kept weight that training brought to exactly 0 ties with the masked zeros: it must
                // not take the place of a masked weight at a later position
                float[] first = weights(m, 0);
                for (int i = 0; i < first.length; i++) {
                    if (previous[0][i] && first[i] != 0f) {
                        first[i] = 0f;
                        break;
                    }
                }
                p.pruneTo(s);
                boolean[][] now = {p.mask(0), p.mask(2)};
                for (int l = 0; l < 2; l++) {
                    for (int i = 0; i < now[l].length; i++) {
                        assertFalse(now[l][i] && !previous[l][i],
                                scope + ": weight " + i + " of layer " + (2 * l) + " was un-pruned at sparsity " + s);
                    }
                }
                previous = now;
            }
        }
    }

    @Test
    void aMaskedWeightThatAStepMovedStaysMaskedAtTheNextUpdate() {
        Sequential m = model();
        MagnitudePruning p = MagnitudePruning.builder(m).schedule(SparsitySchedule.polynomial(0.5, 0.6, 0, 2, 1))
                .build();
        p.update(0);
        boolean[] before = p.mask(3);
        float[] w = weights(m, 3);
        // as an optimizer with momentum would: the masked weights are now the largest of the layer
        for (int i = 0; i < w.length; i++) {
            if (!before[i]) {
                w[i] = 100f + i;
            }
        }
        p.update(1);
        boolean[] after = p.mask(3);
        for (int i = 0; i < w.length; i++) {
            if (!before[i]) {
                assertFalse(after[i], "weight " + i + " came back");
                assertEquals(0f, w[i], 0f, "weight " + i + " is zero again");
            }
        }
        assertEquals(Math.round(0.55 * 1506) / 1506.0, p.sparsity(), 1e-15);
    }

    @Test
    void aDecreasingSparsityReleasesTheMaskedWeightsOfLargestCurrentMagnitude() {
        Sequential m = Sequential.builder(10).seed(2).dense(10).build();
        MagnitudePruning p = MagnitudePruning.builder(m).schedule(SparsitySchedule.polynomial(0.5, 0.45, 0, 1, 1))
                .build();
        p.update(0);
        boolean[] masked = not(p.mask(0));
        int[] maskedIndices = new int[50];
        for (int i = 0, n = 0; i < 100; i++) {
            if (masked[i]) {
                maskedIndices[n++] = i;
            }
        }
        float[] w = weights(m, 0);
        // a step moved two masked weights: they are released first, then the masked ones at the last positions
        w[maskedIndices[3]] = -0.5f;
        w[maskedIndices[10]] = 0.25f;
        p.update(1);
        boolean[] kept = p.mask(0);
        assertEquals(45, 100 - count(kept));
        assertTrue(kept[maskedIndices[3]] && kept[maskedIndices[10]] && kept[maskedIndices[49]]
                && kept[maskedIndices[48]] && kept[maskedIndices[47]], Arrays.toString(kept));
        assertFalse(kept[maskedIndices[46]]);
        assertEquals(-0.5f, w[maskedIndices[3]], 0f, "a released weight keeps its current value");
        assertEquals(0f, w[maskedIndices[49]], 0f);
        for (int i = 0; i < 100; i++) {
            assertTrue(kept[i] || masked[i], "weight " + i + " was not masked before and is not now");
        }
    }

    static int count(boolean[] mask) {
        int n = 0;
        for (boolean b : mask) {
            n += b ? 1 : 0;
        }
        return n;
    }

    @Test
    void applyZeroesTheMaskedWeightsAgain() {
        Sequential m = model();
        MagnitudePruning p = MagnitudePruning.builder(m).schedule(SparsitySchedule.constant(0.8)).build();
        p.pruneTo(0.8);
        float[] w = weights(m, 3);
        boolean[] kept = p.mask(3);
        float[] keptValues = w.clone();
        Arrays.fill(w, 3f);
        p.apply();
        for (int i = 0; i < w.length; i++) {
            assertEquals(kept[i] ? 3f : 0f, w[i], 0f, "weight " + i);
        }
        assertEquals(Math.round(0.8 * 1506) / 1506.0, p.sparsity(), 1e-15, "apply does not change the masks");
        assertTrue(count(kept) > 0 && keptValues.length == kept.length);
        boolean[] copy = p.mask(3);
        Arrays.fill(copy, false);
        assertArrayEquals(kept, p.mask(3), "mask returns a copy");
    }

    @Test
    void selectFindsTheKthSmallestLikeASort() {
        SplittableRandom rng = new SplittableRandom(9);
        for (int n : new int[] {1, 2, 3, 13, 207, 1021, 4098}) {
            long[][] inputs = new long[5][n];
            for (int i = 0; i < n; i++) {
                inputs[0][i] = rng.nextLong();
                inputs[1][i] = i;
                inputs[2][i] = n - i;
                inputs[3][i] = 7;
                inputs[4][i] = rng.nextInt(5);
            }
            for (long[] input : inputs) {
                long[] sorted = input.clone();
                Arrays.sort(sorted);
                int step = Math.max(1, n / 37);
                for (int k = 0; k < n; k += step) {
                    assertEquals(sorted[k], MagnitudePruning.select(input.clone(), n, k), "k " + k + " of " + n);
                }
                assertEquals(sorted[n - 1], MagnitudePruning.select(input.clone(), n, n - 1), "largest of " + n);
            }
        }
    }

    @Test
    void rankKeysOrderMaskedFirstThenMagnitudeThenPosition() {
        long[] ordered = {
            MagnitudePruning.rankKey(0f, true, 0),
            MagnitudePruning.rankKey(-0f, true, 5),
            MagnitudePruning.rankKey(3e38f, true, 1),
            MagnitudePruning.rankKey(Float.NEGATIVE_INFINITY, true, 2),
            MagnitudePruning.rankKey(-0f, false, 0),
            MagnitudePruning.rankKey(0f, false, 1),
            MagnitudePruning.rankKey(Float.MIN_VALUE, false, 0),
            MagnitudePruning.rankKey(-1f, false, 3),
            MagnitudePruning.rankKey(1f, false, Integer.MAX_VALUE - 9),
            MagnitudePruning.rankKey(1.0000001f, false, 0),
            MagnitudePruning.rankKey(Float.POSITIVE_INFINITY, false, 0),
        };
        for (int i = 1; i < ordered.length; i++) {
            assertTrue(ordered[i - 1] < ordered[i], "key " + (i - 1) + " before key " + i);
        }
        assertTrue(ordered[0] > Long.MIN_VALUE, "no key is the threshold that masks nothing");
    }

    @Test
    void rejectsBadConfigurationAndInput() {
        Sequential m = model();
        SparsitySchedule s = SparsitySchedule.constant(0.5);
        assertMessage(IllegalArgumentException.class, () -> MagnitudePruning.builder(null), "model is null");
        assertMessage(IllegalStateException.class, () -> MagnitudePruning.builder(m).build(), "schedule");
        assertMessage(IllegalArgumentException.class, () -> MagnitudePruning.builder(m).schedule(null), "schedule");
        assertMessage(IllegalArgumentException.class, () -> MagnitudePruning.builder(m).scope(null), "scope");
        assertMessage(IllegalArgumentException.class, () -> MagnitudePruning.builder(m).every(0), "every 0");
        assertMessage(IllegalArgumentException.class, () -> MagnitudePruning.builder(m).layers(1), "layer 1 (relu)",
                "dense and conv2d");
        assertMessage(IllegalArgumentException.class, () -> MagnitudePruning.builder(m).layers(2), "layer 2 (flatten)");
        assertMessage(IllegalArgumentException.class, () -> MagnitudePruning.builder(m).layers(0, 6), "6", "6 layers");
        assertMessage(IllegalArgumentException.class, () -> MagnitudePruning.builder(m).layers(-1), "-1");
        assertMessage(IllegalArgumentException.class, () -> MagnitudePruning.builder(m).layers(3, 0, 3), "layer 3",
                "twice");
        assertMessage(IllegalArgumentException.class, () -> MagnitudePruning.builder(m).layers(), "at least one");
        Sequential noWeights = Sequential.builder(4).relu().build();
        assertMessage(IllegalArgumentException.class,
                () -> MagnitudePruning.builder(noWeights).schedule(s).build(), "no dense or conv2d");

        MagnitudePruning p = MagnitudePruning.builder(m).schedule(s).build();
        for (double bad : new double[] {-0.1, 1, Double.NaN}) {
            assertMessage(IllegalArgumentException.class, () -> p.pruneTo(bad), "sparsity", String.valueOf(bad));
        }
        assertMessage(IllegalArgumentException.class, () -> p.update(-1), "step -1");
        MagnitudePruning full = MagnitudePruning.builder(m).schedule(step -> step < 3 ? 0.5 : 1.0).build();
        full.update(2);
        assertMessage(IllegalArgumentException.class, () -> full.update(3), "custom", "sparsity 1.0", "step 3",
                "[0, 1)");
        MagnitudePruning nan = MagnitudePruning.builder(m).schedule(step -> Double.NaN).build();
        assertMessage(IllegalArgumentException.class, () -> nan.update(0), "NaN", "step 0");
        weights(m, 3)[17] = Float.NaN;
        assertMessage(IllegalArgumentException.class, () -> p.pruneTo(0.5), "weight 17", "layer 3 (dense)", "NaN");
    }

    @Test
    void theCallbackRefusesATrainerOfAnotherModel() {
        Sequential m = model();
        Sequential other = model();
        MagnitudePruning p = MagnitudePruning.builder(m).schedule(SparsitySchedule.constant(0.5)).build();
        Trainer t = Trainer.builder(other, new SparseCategoricalCrossEntropy(), new Sgd(other.parameters(), 0.1))
                .build();
        assertMessage(IllegalArgumentException.class, () -> p.onTrainBegin(t, 0), "built for", "trainer trains");
        assertEquals("magnitude pruning (global, constant(sparsity=0.5), masks every 100 steps, layers [0, 3, 5])",
                p.toString());
    }
}
