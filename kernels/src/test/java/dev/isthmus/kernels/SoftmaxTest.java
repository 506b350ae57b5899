package dev.isthmus.kernels;

import static dev.isthmus.kernels.Tolerance.U;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SoftmaxTest {
    /** Every awkward width as 1 and 3 rows, plus an empty batch. */
    static Stream<Arguments> shapes() {
        List<Arguments> out = new ArrayList<>();
        out.add(Arguments.of(0, 5));
        for (int cols : ActivationsTest.SIZES) {
            out.add(Arguments.of(1, cols));
            out.add(Arguments.of(3, cols));
        }
        return out.stream();
    }

    /** Logits: mostly in [-8, 8], with zeros, -inf (never a whole row) and, in some rows, +-1e4. */
    static float[] logits(int rows, int cols, int pad, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[pad + rows * cols + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-8, 8);
        }
        for (int row = 0; row < rows; row++) {
            boolean large = row % 3 == 1;
            for (int j = 1; j < cols; j++) {
                int k = r.nextInt(12);
                int at = pad + row * cols + j;
                if (k == 0) {
                    x[at] = 0f;
                } else if (k == 1) {
                    x[at] = Float.NEGATIVE_INFINITY;
                } else if (large && k < 5) {
                    x[at] = r.nextBoolean() ? 1e4f - (float) r.nextDouble(0, 8) : -1e4f;
                }
            }
        }
        return x;
    }

    /** Row statistics of the double-precision softmax, from which the float error bounds follow. */
    private record Row(double max, double sum, double meanShift) {
        static Row of(float[] x, int off, int cols) {
            double max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, x[off + j]);
            }
            double sum = 0;
            double shift = 0;
            for (int j = 0; j < cols; j++) {
                double e = Math.exp(x[off + j] - max);
                sum += e;
                if (e > 0) {
                    shift += e * (max - x[off + j]);
                }
            }
            return new Row(max, sum, shift / sum);
        }
    }

    /*
     * Softmax error, relative to y[j]: the float x[j] - max is off by U |x[j] - max| and exp by a
     * few ulps, so each exp term is off by U (|x[j] - max| + 4); the sum of those terms by
     * U (chain + mean shift + 4); the reciprocal, the product and the reference's own rounding add 3 U.
     */
    @ParameterizedTest(name = "rows={0} cols={1}")
    @MethodSource("shapes")
    void softmaxMatchesTheReference(int rows, int cols) {
        float[] x = logits(rows, cols, 2, 31L * cols + rows);
        float[] ref = new float[rows * cols + 4];
        float[] got = new float[rows * cols + 4];
        Arrays.fill(ref, 42f);
        Arrays.fill(got, 42f);
        ScalarSoftmax.softmax(x, 2, rows, cols, ref, 1);
        Softmax.softmax(x, 2, rows, cols, got, 1);
        for (int r = 0; r < rows; r++) {
            Row row = Row.of(x, 2 + r * cols, cols);
            for (int j = 0; j < cols; j++) {
                int i = 1 + r * cols + j;
                // a -inf logit gives exactly 0
                double shift = Math.min(row.max - x[2 + r * cols + j], 1e4);
                double relative = U * (Tolerance.sumChain(cols) + row.meanShift + shift + 12);
                Tolerance.assertClose(ref[i], got[i], relative * ref[i] + 1e-37, "y[" + r + "][" + j + "]");
            }
        }
        assertPaddingKept(got, 1, rows * cols);
    }

    /*
     * Log-softmax error, absolute: (x[j] - max) is off by U |x[j] - max|, log(sum) by the sum's
     * relative error U (chain + mean shift + 4) plus U |log sum|, and the subtraction and the
     * reference's rounding by 2 U |y[j]|.
     */
    @ParameterizedTest(name = "rows={0} cols={1}")
    @MethodSource("shapes")
    void logSoftmaxMatchesTheReference(int rows, int cols) {
        float[] x = logits(rows, cols, 3, 17L * cols + rows);
        float[] ref = new float[rows * cols + 4];
        float[] got = new float[rows * cols + 4];
        Arrays.fill(ref, 42f);
        Arrays.fill(got, 42f);
        ScalarSoftmax.logSoftmax(x, 3, rows, cols, ref, 2);
        Softmax.logSoftmax(x, 3, rows, cols, got, 2);
        for (int r = 0; r < rows; r++) {
            Row row = Row.of(x, 3 + r * cols, cols);
            for (int j = 0; j < cols; j++) {
                int i = 2 + r * cols + j;
                double shift = row.max - x[3 + r * cols + j];
                double tolerance = U * (shift + Tolerance.sumChain(cols) + row.meanShift + 4
                        + Math.abs(Math.log(row.sum)) + 2 * Math.abs(ref[i]));
                Tolerance.assertClose(ref[i], got[i], tolerance, "log y[" + r + "][" + j + "]");
            }
        }
        assertPaddingKept(got, 2, rows * cols);
    }

    /*
     * dx = y (dy - dot): the float dot is off by chain U sum|y dy|, dy - dot by U |dy - dot|, and
     * the product and the reference's rounding by 2 U |dx|.
     */
    @ParameterizedTest(name = "rows={0} cols={1}")
    @MethodSource("shapes")
    void softmaxBackwardMatchesTheReference(int rows, int cols) {
        float[] y = new float[rows * cols];
        ScalarSoftmax.softmax(logits(rows, cols, 0, 7L * cols + rows), 0, rows, cols, y, 0);
        float[] dy = uniform(rows * cols + 1, -2, 2, 5L * cols + rows);
        float[] ref = new float[rows * cols];
        float[] got = new float[rows * cols];
        ScalarSoftmax.softmaxBackward(y, 0, rows, cols, dy, 1, ref, 0);
        Softmax.softmaxBackward(y, 0, rows, cols, dy, 1, got, 0);
        for (int r = 0; r < rows; r++) {
            double dot = 0;
            double magnitude = 0;
            for (int j = 0; j < cols; j++) {
                dot += (double) y[r * cols + j] * dy[1 + r * cols + j];
                magnitude += Math.abs((double) y[r * cols + j] * dy[1 + r * cols + j]);
            }
            for (int j = 0; j < cols; j++) {
                int i = r * cols + j;
                double tolerance = y[i] * U * (Tolerance.sumChain(cols) * magnitude + Math.abs(dy[1 + i] - dot))
                        + 2 * U * Math.abs(ref[i]);
                Tolerance.assertClose(ref[i], got[i], tolerance, "dx[" + r + "][" + j + "]");
            }
        }
    }

    /*
     * dx = dy - exp(y) sum(dy): the float sum is off by chain U sum|dy|, exp(y) by a few ulps, and
     * the fused multiply-add and the reference's rounding by 2 U |dx|.
     */
    @ParameterizedTest(name = "rows={0} cols={1}")
    @MethodSource("shapes")
    void logSoftmaxBackwardMatchesTheReference(int rows, int cols) {
        float[] y = new float[rows * cols];
        ScalarSoftmax.logSoftmax(logits(rows, cols, 0, 3L * cols + rows), 0, rows, cols, y, 0);
        float[] dy = uniform(rows * cols, -2, 2, 13L * cols + rows);
        float[] ref = new float[rows * cols];
        float[] got = new float[rows * cols];
        ScalarSoftmax.logSoftmaxBackward(y, 0, rows, cols, dy, 0, ref, 0);
        Softmax.logSoftmaxBackward(y, 0, rows, cols, dy, 0, got, 0);
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            double magnitude = 0;
            for (int j = 0; j < cols; j++) {
                sum += dy[r * cols + j];
                magnitude += Math.abs(dy[r * cols + j]);
            }
            for (int j = 0; j < cols; j++) {
                int i = r * cols + j;
                double p = Math.exp(y[i]);
                double tolerance = p * U * (Tolerance.sumChain(cols) * magnitude + 4 * Math.abs(sum))
                        + 2 * U * Math.abs(ref[i]);
                Tolerance.assertClose(ref[i], got[i], tolerance, "dx[" + r + "][" + j + "]");
            }
        }
    }

    @Test
    void logitsOfMagnitude1e4GiveFiniteCorrectResults() {
        int cols = 37;
        float[] x = new float[3 * cols];
        for (int j = 0; j < cols; j++) {
            x[j] = 1e4f - 0.25f * j;            // large and close together
            x[cols + j] = j % 2 == 0 ? 1e4f : -1e4f;  // large of both signs
            x[2 * cols + j] = -1e4f + 0.5f * j; // all very negative
        }
        float[] p = new float[x.length];
        float[] logP = new float[x.length];
        Softmax.softmax(x, 0, 3, cols, p, 0);
        Softmax.logSoftmax(x, 0, 3, cols, logP, 0);
        for (int r = 0; r < 3; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, x[r * cols + j]);
            }
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += Math.exp(x[r * cols + j] - max);
            }
            for (int j = 0; j < cols; j++) {
                int i = r * cols + j;
                double expectedLog = x[i] - max - Math.log(sum);
                assertTrue(Float.isFinite(p[i]) && Float.isFinite(logP[i]), "row " + r + " col " + j);
                assertEquals(Math.exp(expectedLog), p[i], 1e-6 * Math.exp(expectedLog), "p[" + r + "][" + j + "]");
                // float log-probabilities near -2e4 carry an ulp of 2^-9
                assertEquals(expectedLog, logP[i], 1e-6 + 2 * Math.ulp((float) expectedLog),
                        "log p[" + r + "][" + j + "]");
            }
        }
    }

    @Test
    void aRowWithoutAFiniteMaximumBecomesNaNAndLeavesOtherRowsAlone() {
        int cols = 21;
        float[] x = uniform(5 * cols, -3, 3, 9);
        Arrays.fill(x, 0, cols, Float.NEGATIVE_INFINITY);   // row 0: all -inf
        x[cols + 7] = Float.NaN;                            // row 1: one NaN
        x[2 * cols + 20] = Float.POSITIVE_INFINITY;         // row 2: one +inf
        x[3 * cols + 4] = Float.NEGATIVE_INFINITY;          // row 3: one -inf among finite logits
        for (boolean vector : new boolean[] {false, true}) {
            float[] p = new float[x.length];
            float[] logP = new float[x.length];
            if (vector) {
                Softmax.softmax(x, 0, 5, cols, p, 0);
                Softmax.logSoftmax(x, 0, 5, cols, logP, 0);
            } else {
                ScalarSoftmax.softmax(x, 0, 5, cols, p, 0);
                ScalarSoftmax.logSoftmax(x, 0, 5, cols, logP, 0);
            }
            String name = vector ? "vector" : "scalar";
            for (int i = 0; i < 3 * cols; i++) {
                assertTrue(Float.isNaN(p[i]) && Float.isNaN(logP[i]), name + " row " + i / cols + " at " + i % cols);
            }
            assertEquals(0f, p[3 * cols + 4], 0f, name);
            assertEquals(Float.NEGATIVE_INFINITY, logP[3 * cols + 4], 0f, name);
            for (int i = 3 * cols; i < 5 * cols; i++) {
                assertTrue(Float.isFinite(p[i]) && !Float.isNaN(logP[i]),
                        name + " row " + i / cols + " at " + i % cols);
            }
        }
    }

    @Test
    void inPlaceAgreesWithOutOfPlace() {
        int rows = 3;
        int cols = 45;
        float[] x = logits(rows, cols, 0, 4);
        for (int kind = 0; kind < 2; kind++) {
            float[] out = new float[rows * cols];
            float[] in = Arrays.copyOf(x, rows * cols);
            if (kind == 0) {
                Softmax.softmax(x, 0, rows, cols, out, 0);
                Softmax.softmax(in, 0, rows, cols, in, 0);
            } else {
                Softmax.logSoftmax(x, 0, rows, cols, out, 0);
                Softmax.logSoftmax(in, 0, rows, cols, in, 0);
            }
            assertEquals(Arrays.toString(out), Arrays.toString(in));
        }
        float[] y = new float[rows * cols];
        Softmax.softmax(x, 0, rows, cols, y, 0);
        float[] dy = uniform(rows * cols, -1, 1, 8);
        float[] dx = new float[rows * cols];
        Softmax.softmaxBackward(y, 0, rows, cols, dy, 0, dx, 0);
        float[] overDy = dy.clone();
        Softmax.softmaxBackward(y, 0, rows, cols, overDy, 0, overDy, 0);
        float[] overY = y.clone();
        Softmax.softmaxBackward(overY, 0, rows, cols, dy, 0, overY, 0);
        assertEquals(Arrays.toString(dx), Arrays.toString(overDy));
        assertEquals(Arrays.toString(dx), Arrays.toString(overY));
    }

    /*
     * Finite differences of L(x) = sum_j w_j f(x)_j on the scalar reference, in double: logits are
     * multiples of 2^-10 so x +- h is exact, and the float outputs' rounding (~1e-7 relative)
     * divided by 2h and the O(h^2) truncation stay well under the tolerance, while a wrong formula
     * is off by a sizeable fraction of the gradient.
     */
    @Test
    void backwardPassesMatchFiniteDifferences() {
        int rows = 3;
        int cols = 7;
        SplittableRandom r = new SplittableRandom(77);
        float[] x = new float[rows * cols];
        float[] w = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.round(r.nextDouble(-3, 3) * 1024) / 1024f;
            w[i] = (float) r.nextDouble(-1, 1);
        }
        for (boolean log : new boolean[] {false, true}) {
            float[] y = new float[x.length];
            forward(log, x, y, rows, cols);
            float[] dx = new float[x.length];
            if (log) {
                ScalarSoftmax.logSoftmaxBackward(y, 0, rows, cols, w, 0, dx, 0);
            } else {
                ScalarSoftmax.softmaxBackward(y, 0, rows, cols, w, 0, dx, 0);
            }
            double h = 0x1p-7;
            for (int i = 0; i < x.length; i++) {
                float[] plus = x.clone();
                float[] minus = x.clone();
                plus[i] += (float) h;
                minus[i] -= (float) h;
                double numeric = (weighted(log, plus, w, rows, cols) - weighted(log, minus, w, rows, cols)) / (2 * h);
                assertEquals(numeric, dx[i], 2e-4, (log ? "log-softmax" : "softmax") + " dx[" + i + "]");
            }
        }
    }

    private static void forward(boolean log, float[] x, float[] y, int rows, int cols) {
        if (log) {
            ScalarSoftmax.logSoftmax(x, 0, rows, cols, y, 0);
        } else {
            ScalarSoftmax.softmax(x, 0, rows, cols, y, 0);
        }
    }

    private static double weighted(boolean log, float[] x, float[] w, int rows, int cols) {
        float[] y = new float[x.length];
        forward(log, x, y, rows, cols);
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += (double) w[i] * y[i];
        }
        return sum;
    }

    @Test
    void badArgumentsNameTheProblem() {
        float[] a = new float[12];
        var e = assertThrows(IllegalArgumentException.class, () -> Softmax.softmax(a, 0, 2, 5, a, 3));
        assertTrue(e.getMessage().contains("softmax: y is 2x5") && e.getMessage().contains("needs 13"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Softmax.softmax(a, 0, 2, 5, a, 1));
        assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Softmax.logSoftmax(a, 0, -2, 5, a, 0));
        assertTrue(e.getMessage().contains("rows must be >= 0, got -2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Softmax.logSoftmax(a, 0, 3, 5, new float[15], 0));
        assertTrue(e.getMessage().contains("logSoftmax: x") && e.getMessage().contains("has 12"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Softmax.softmaxBackward(a, 0, 2, 5, null, 0, new float[10], 0));
        assertTrue(e.getMessage().contains("dy is null"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ScalarSoftmax.logSoftmaxBackward(a, 0, 2, 5, a, 0, a, 2));
        assertTrue(e.getMessage().contains("logSoftmaxBackward: dx [2, 12) partly overlaps"), e.getMessage());
    }

    static float[] uniform(int n, double lo, double hi, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble(lo, hi);
        }
        return v;
    }

    static void assertPaddingKept(float[] out, int off, int n) {
        for (int i = 0; i < out.length; i++) {
            if (i < off || i >= off + n) {
                assertEquals(42f, out[i], 0f, "written outside the output at " + i);
            }
        }
    }
}
