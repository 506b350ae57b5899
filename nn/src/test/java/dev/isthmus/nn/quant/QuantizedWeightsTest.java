package dev.isthmus.nn.quant;

import static dev.isthmus.nn.quant.Messages.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class QuantizedWeightsTest {
    @Test
    void roundTripsWithinHalfAStepAndKeepsTheColumnMaxAt127() {
        SplittableRandom r = new SplittableRandom(17);
        for (int[] shape : new int[][] {{1, 1}, {13, 7}, {207, 3}, {64, 130}}) {
            int k = shape[0];
            int n = shape[1];
            int off = 5;
            float[] w = new float[off + k * n + 2];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) r.nextDouble(-1, 1);
            }
            // columns of very different magnitude show the scales are per column
            for (int p = 0; p < k; p++) {
                w[off + p * n] *= 1000f;
                w[off + p * n + n - 1] *= 1e-3f;
            }
            QuantizedWeights q = QuantizedWeights.symmetricPerColumn(w, off, k, n);
            assertEquals(k, q.k());
            assertEquals(n, q.n());
            for (int j = 0; j < n; j++) {
                float maxAbs = 0;
                int maxRow = 0;
                for (int p = 0; p < k; p++) {
                    if (Math.abs(w[off + p * n + j]) > maxAbs) {
                        maxAbs = Math.abs(w[off + p * n + j]);
                        maxRow = p;
                    }
                }
                assertEquals(maxAbs / 127, q.scales()[j]);
                assertEquals(Math.signum(w[off + maxRow * n + j]) * 127, q.values()[maxRow * n + j], "column " + j);
                for (int p = 0; p < k; p++) {
                    float v = w[off + p * n + j];
                    byte code = q.values()[p * n + j];
                    assertTrue(code >= -127, "code " + code);
                    assertEquals(v, q.dequantized(p, j), q.scales()[j] * 0.5001f, "(" + p + ", " + j + ")");
                }
            }
        }
    }

    @Test
    void allZeroColumnGetsScaleOne() {
        float[] w = {1f, 0f, -2f, 0f, 0.5f, -0f};
        QuantizedWeights q = QuantizedWeights.symmetricPerColumn(w, 0, 3, 2);
        assertEquals(1f, q.scales()[1]);
        assertEquals(2f / 127, q.scales()[0]);
        assertEquals(0, q.values()[1]);
        assertEquals(0, q.values()[3]);
        assertEquals(0, q.values()[5]);
        assertEquals(-127, q.values()[2]);
        // 1 / (2 / 127) = 63.5 rounds to even; 0.5 / (2 / 127) = 31.75
        assertEquals(64, q.values()[0]);
        assertEquals(32, q.values()[4]);
        assertEquals(0f, q.dequantized(2, 1));
    }

    @Test
    void errorsNameTheWeightAndTheShape() {
        float[] w = new float[13];
        w[1 + 2 * 4 + 1] = Float.NaN;
        assertMessage(IllegalArgumentException.class, () -> QuantizedWeights.symmetricPerColumn(w, 1, 3, 4),
                "(row 2, column 1)", "index 10", "NaN");
        float[] inf = new float[6];
        inf[5] = Float.POSITIVE_INFINITY;
        assertMessage(IllegalArgumentException.class, () -> QuantizedWeights.symmetricPerColumn(inf, 0, 2, 3),
                "(row 1, column 2)", "Infinity");
        assertMessage(IllegalArgumentException.class, () -> QuantizedWeights.symmetricPerColumn(new float[6], 1, 2, 3),
                "2 x 3", "offset 1", "length 6");
        assertMessage(IllegalArgumentException.class, () -> QuantizedWeights.symmetricPerColumn(new float[6], 0, 0, 3),
                "k=0");
        QuantizedWeights q = QuantizedWeights.symmetricPerColumn(new float[6], 0, 2, 3);
        assertMessage(IllegalArgumentException.class, () -> q.dequantized(2, 0), "(row 2, column 0)", "2 x 3");
        assertMessage(IllegalArgumentException.class, () -> new QuantizedWeights(new byte[5], new float[3], 2, 3),
                "k*n = 6", "got 5");
        assertMessage(IllegalArgumentException.class, () -> new QuantizedWeights(new byte[6], new float[2], 2, 3),
                "n = 3", "got 2");
    }
}
