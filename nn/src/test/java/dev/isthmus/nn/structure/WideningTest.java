package dev.isthmus.nn.structure;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.layer.BatchNorm;
import dev.isthmus.nn.layer.Conv2d;
import dev.isthmus.nn.layer.Dense;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.isthmus.nn.structure.Models.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WideningTest {

    /** Layers: 0 dense, 1 bn, 2 relu, 3 dropout, 4 dense, 5 tanh, 6 dense. */
    private static Sequential mlp() {
        Sequential m = Sequential.builder(12).seed(2).dense(16).batchNorm().relu().dropout(0.3f)
                .dense(10).tanh().dense(4).build();
        Models.randomize(m, 6);
        return m;
    }

    /** Layers: 0 conv, 1 bn, 2 relu, 3 max pool, 4 conv, 5 elu, 6 avg pool, 7 flatten, 8 dense, 9 relu, 10 dropout, 11 dense. */
    private static Sequential cnn() {
        Sequential m = Sequential.builder(2, 10, 10).seed(4)
                .conv2d(6, 3, 1, 1).batchNorm().relu().maxPool2d(2)
                .conv2d(5, 3, 1, 1).elu(1f).avgPool2d(2)
                .dense(7).relu().dropout(0.2f).dense(3).build();
        Models.randomize(m, 8);
        return m;
    }

    @Test
    void aWiderDenseLayerComputesTheSameOutputs() {
        Sequential model = mlp();
        Sequential wide = widenChecked(model, Map.of(0, 25), 1,
                model.parameterCount() + 9 * (12 + 1) + 9 * 2 + 9 * 10);
        assertEquals(25, wide.layers().get(0).outputShape().dim(0));
        assertEquals("(25)", wide.layers().get(3).outputShape().toString());
    }

    @Test
    void widerDenseLayersAtOnceComputeTheSameOutputs() {
        Sequential model = mlp();
        widenChecked(model, Map.of(0, 40, 4, 23), 9, (12 * 40 + 40) + 2 * 40 + (40 * 23 + 23) + (23 * 4 + 4));
    }

    @Test
    void widerConvolutionsAndTheDenseLayerAfterFlattenComputeTheSameOutputs() {
        Sequential model = cnn();
        Sequential one = widenChecked(model, Map.of(0, 11), 3,
                model.parameterCount() + 5 * (2 * 9 + 1) + 5 * 2 + 5 * 5 * 9);
        assertEquals("(11, 5, 5)", one.layers().get(3).outputShape().toString());

        Sequential several = widenChecked(model, Map.of(0, 11, 4, 9, 8, 12), 3,
                (11 * 2 * 9 + 11) + 2 * 11 + (9 * 11 * 9 + 9) + (36 * 12 + 12) + (12 * 3 + 3));
        assertEquals("(36)", several.layers().get(7).outputShape().toString());
    }

    @Test
    void copiesTakeEveryValueOfTheirOriginalAndSplitItsOutgoingWeights() {
        Sequential model = mlp();
        Sequential wide = Widening.widen(model, 0, 30, 12);
        float[] w = ((Dense) model.layers().get(0)).weight().value();
        float[] ww = ((Dense) wide.layers().get(0)).weight().value();
        BatchNorm bn = (BatchNorm) model.layers().get(1);
        BatchNorm wbn = (BatchNorm) wide.layers().get(1);
        int[] source = new int[30];
        for (int u = 0; u < 30; u++) {
            source[u] = originalOf(w, 16, ww, 30, u);
            assertTrue(source[u] >= 0, "unit " + u + " is a copy of no original");
            assertEquals(bn.runningMean().value()[source[u]], wbn.runningMean().value()[u]);
            assertEquals(bn.runningVar().value()[source[u]], wbn.runningVar().value()[u]);
            assertEquals(bn.gamma().value()[source[u]], wbn.gamma().value()[u]);
            assertEquals(bn.beta().value()[source[u]], wbn.beta().value()[u]);
        }
        for (int u = 0; u < 16; u++) {
            assertEquals(u, source[u], "originals stay in place");
        }
        // each original's outgoing weight is the sum of its copies' parts, the parts positive and unequal
        float[] next = ((Dense) model.layers().get(4)).weight().value();
        float[] wideNext = ((Dense) wide.layers().get(4)).weight().value();
        boolean unequal = false;
        for (int j = 0; j < 16; j++) {
            for (int k = 0; k < 10; k++) {
                double sum = 0;
                List<Float> parts = new ArrayList<>();
                for (int u = 0; u < 30; u++) {
                    if (source[u] == j) {
                        float part = wideNext[u * 10 + k];
                        assertTrue(part / next[j * 10 + k] > 0, "a copy's share is positive");
                        parts.add(part);
                        sum += part;
                    }
                }
                assertEquals(next[j * 10 + k], sum, 1e-6 * Math.max(1, Math.abs(next[j * 10 + k])));
                unequal |= parts.size() > 1 && !parts.get(0).equals(parts.get(1));
            }
        }
        assertTrue(unequal, "copies got different shares");
    }

    @Test
    void theSeedFixesTheResult() {
        Sequential model = cnn();
        Sequential a = Widening.widen(model, Map.of(0, 10, 4, 8), 77);
        Sequential b = Widening.widen(model, Map.of(0, 10, 4, 8), 77);
        Models.assertValues(Models.snapshot(a), b);
        Sequential c = Widening.widen(model, Map.of(0, 10, 4, 8), 78);
        assertFalse(Arrays.equals(((Conv2d) a.layers().get(4)).weight().value(),
                ((Conv2d) c.layers().get(4)).weight().value()), "another seed draws other copies or shares");
        // each layer's draws depend on the seed and its index only
        Sequential stepwise = Widening.widen(Widening.widen(model, 0, 10, 77), 4, 8, 77);
        Models.assertValues(Models.snapshot(a), stepwise);
    }

    @Test
    void theCurrentWidthGivesAnEqualCopyAndTheOriginalIsUnchanged() {
        Sequential model = cnn();
        List<float[]> original = Models.snapshot(model);
        Sequential same = Widening.widen(model, 4, 5, 1);
        Models.assertValues(original, same);
        assertNotSame(model.parameters().get(0).value(), same.parameters().get(0).value());
        Models.train(Widening.widen(model, 0, 9, 1), 3, 0.05, 1);
        Models.assertValues(original, model);
    }

    @Test
    void trainingSeparatesTheCopies() {
        Sequential model = Sequential.builder(6).seed(1).dense(4).relu().dense(3).build();
        Models.randomize(model, 2);
        Sequential wide = Widening.widen(model, 0, 8, 5);
        float[] w = ((Dense) model.layers().get(0)).weight().value();
        float[] ww = ((Dense) wide.layers().get(0)).weight().value();
        int copy = -1;
        int original = -1;
        for (int u = 4; u < 8 && copy < 0; u++) {
            int j = originalOf(w, 4, ww, 8, u);
            if (j >= 0) {
                copy = u;
                original = j;
            }
        }
        assertTrue(copy >= 0);
        assertArrayEquals(column(ww, 8, original), column(ww, 8, copy), "copies start identical");
        double[] loss = Models.train(wide, 10, 0.1, 3);
        assertTrue(loss[1] < loss[0], "loss " + loss[0] + " -> " + loss[1]);
        float[] trained = ((Dense) wide.layers().get(0)).weight().value();
        assertFalse(Arrays.equals(column(trained, 8, original), column(trained, 8, copy)),
                "after training the copies' incoming weights differ");
    }

    @Test
    void badRequestsAreRefusedWithMessages() {
        Sequential model = mlp();
        assertRejected(() -> Widening.widen(model, 0, 15, 1), "layer 0 (dense)", "cannot widen to 15", "16");
        assertRejected(() -> Widening.widen(model, 6, 8, 1), "layer 6 (dense)", "model's outputs");
        assertRejected(() -> Widening.widen(model, 1, 20, 1), "layer 1 (batch_norm)", "only dense and conv2d");
        assertRejected(() -> Widening.widen(model, 7, 20, 1), "layer 7 does not exist", "0 to 6");
        assertRejected(() -> Widening.widen(model, -1, 20, 1), "layer -1 does not exist");
        assertRejected(() -> Widening.widen(null, 0, 20, 1), "model is null");
        assertRejected(() -> Widening.widen(model, Map.of(), 1), "no layer");
        assertRejected(() -> Widening.widen(model, null, 1), "no layer");
        assertRejected(() -> Widening.widen(model, 0, (1 << 24) + 1, 1), "16777217", "16777216");
        assertRejected(() -> Widening.widen(cnn(), 11, 5, 1), "layer 11 (dense)", "model's outputs");
    }

    /**
     * Widens the model, checks the wide model's parameter count and that it predicts 9 seeded inputs
     * as the original does (within 1e-5, relative above 1); returns it.
     */
    private static Sequential widenChecked(Sequential model, Map<Integer, Integer> widths, long seed,
                                           long expectedParameters) {
        Sequential wide = Widening.widen(model, widths, seed);
        assertEquals(expectedParameters, wide.parameterCount());
        Models.assertSamePredictions(model, wide, Models.input(model, 9, seed + 100), 1e-5);
        return wide;
    }

    /** The original unit whose incoming column (dense [in][out]) equals unit u's of the wide weight, or -1. */
    private static int originalOf(float[] w, int units, float[] wide, int wideUnits, int u) {
        float[] col = column(wide, wideUnits, u);
        for (int j = 0; j < units; j++) {
            if (Arrays.equals(col, column(w, units, j))) {
                return j;
            }
        }
        return -1;
    }

    private static float[] column(float[] w, int out, int u) {
        float[] c = new float[w.length / out];
        for (int r = 0; r < c.length; r++) {
            c[r] = w[r * out + u];
        }
        return c;
    }
}
