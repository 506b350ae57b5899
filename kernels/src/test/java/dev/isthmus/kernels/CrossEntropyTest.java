package dev.isthmus.kernels;

import static dev.isthmus.kernels.Tolerance.U;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CrossEntropyTest {
    /** Every awkward number of classes as 1 and 5 rows, with and without class weights. */
    static Stream<Arguments> shapes() {
        List<Arguments> out = new ArrayList<>();
        for (int cols : ActivationsTest.SIZES) {
            if (cols > 0) {
                for (int rows : new int[] {1, 5}) {
                    out.add(Arguments.of(rows, cols, false));
                    out.add(Arguments.of(rows, cols, true));
                }
            }
        }
        return out.stream();
    }

    static Stream<Arguments> sizes() {
        return IntStream.of(ActivationsTest.SIZES).mapToObj(Arguments::of);
    }

    private static int[] labels(int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] labels = new int[rows + 2];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = r.nextInt(cols);
        }
        return labels;
    }

    private static float[] weights(int cols, long seed) {
        float[] w = SoftmaxTest.uniform(cols, 0.1, 3, seed);
        w[0] = 0f;
        return w;
    }

    /** The float error bound of a row's softmax, relative to each probability (see SoftmaxTest). */
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

        /** Relative error of the float sum of exp(x - max): the sum's chain plus each term's. */
        double sumError(int cols) {
            return U * (Tolerance.sumChain(cols) + meanShift + 4);
        }

        double p(float x) {
            return Math.exp(x - max) / sum;
        }

        double shift(float x) {
            return Math.min(max - x, 1e4);
        }
    }

    /*
     * Loss: a row's log(sum) is off by the sum's relative error, the rest is exact in double.
     * Gradient scale * (p - onehot): p is off by the sum's relative error plus its own term's
     * U (|x - max| + 4), and alpha = scale / sum, the product and the reference's rounding add 3 U.
     */
    @ParameterizedTest(name = "rows={0} cols={1} weighted={2}")
    @MethodSource("shapes")
    void sparseMatchesTheReference(int rows, int cols, boolean weighted) {
        float[] x = SoftmaxTest.logits(rows, cols, 1, 7L * cols + rows);
        int[] labels = labels(rows, cols, cols);
        float[] w = weighted ? weights(cols + 1, rows) : null;
        float[] ref = new float[rows * cols + 3];
        float[] got = new float[rows * cols + 3];
        Arrays.fill(ref, 42f);
        Arrays.fill(got, 42f);
        double refLoss = ScalarCrossEntropy.sparse(x, 1, rows, cols, labels, 2, w, ref, 1);
        double gotLoss = CrossEntropy.sparse(x, 1, rows, cols, labels, 2, w, got, 1);
        assertEquals(gotLoss, CrossEntropy.sparse(x, 1, rows, cols, labels, 2, w, null, 0), 0.0, "loss without grad");

        double weightSum = 0;
        double lossError = 0;
        for (int r = 0; r < rows; r++) {
            double weight = w == null ? 1 : w[labels[2 + r]];
            weightSum += weight;
            lossError = Math.max(lossError, Row.of(x, 1 + r * cols, cols).sumError(cols));
        }
        Tolerance.assertClose(refLoss, gotLoss, lossError + 1e-12 * Math.abs(refLoss), "loss");
        for (int r = 0; r < rows; r++) {
            Row row = Row.of(x, 1 + r * cols, cols);
            double scale = (w == null ? 1 : w[labels[2 + r]]) / weightSum;
            for (int j = 0; j < cols; j++) {
                int i = 1 + r * cols + j;
                double tolerance = scale * row.p(x[i]) * (row.sumError(cols) + U * (row.shift(x[i]) + 8))
                        + 2 * U * Math.abs(ref[i]);
                Tolerance.assertClose(ref[i], got[i], tolerance, "grad[" + r + "][" + j + "]");
            }
        }
        SoftmaxTest.assertPaddingKept(got, 1, rows * cols);
    }

    /*
     * Loss per row: targetSum * log(sum) - sum t (x - max): the float target sum and the float
     * sum of t (x - max) are off by their chains (each term of the latter by 2 U), log(sum) by the
     * sum's relative error. Gradient p * targetSum / rows - t / rows: p * targetSum is off by both
     * sums' errors and the term's own, t / rows by 2 U, the fused multiply-add and reference by 2 U.
     */
    @ParameterizedTest(name = "rows={0} cols={1}")
    @MethodSource("shapes")
    void denseMatchesTheReference(int rows, int cols, boolean sparseTargets) {
        float[] x = SoftmaxTest.logits(rows, cols, 2, 3L * cols + rows);
        float[] t = SoftmaxTest.uniform(rows * cols + 1, 0, 1, cols);
        if (sparseTargets) {
            for (int i = 0; i < t.length; i += 2) {
                t[i] = 0f;
            }
        }
        float[] ref = new float[rows * cols + 3];
        float[] got = new float[rows * cols + 3];
        Arrays.fill(ref, 42f);
        Arrays.fill(got, 42f);
        double refLoss = ScalarCrossEntropy.dense(x, 2, rows, cols, t, 1, ref, 2);
        double gotLoss = CrossEntropy.dense(x, 2, rows, cols, t, 1, got, 2);
        assertEquals(gotLoss, CrossEntropy.dense(x, 2, rows, cols, t, 1, null, 0), 0.0, "loss without grad");

        double chain = Tolerance.sumChain(cols);
        double lossError = 0;
        for (int r = 0; r < rows; r++) {
            Row row = Row.of(x, 2 + r * cols, cols);
            double targetSum = 0;
            double crossTerms = 0;
            for (int j = 0; j < cols; j++) {
                double tj = t[1 + r * cols + j];
                targetSum += tj;
                if (tj != 0) {
                    crossTerms += tj * row.shift(x[2 + r * cols + j]);
                }
            }
            lossError += Math.log(row.sum) * chain * U * targetSum + targetSum * row.sumError(cols)
                    + (chain + 2) * U * crossTerms;
            for (int j = 0; j < cols; j++) {
                int i = 2 + r * cols + j;
                double pt = row.p(x[i]) * targetSum;
                double tolerance = (pt * (chain * U + row.sumError(cols) + U * (row.shift(x[i]) + 8))
                        + 2 * U * t[1 + r * cols + j]) / rows + 2 * U * Math.abs(ref[i]);
                Tolerance.assertClose(ref[i], got[i], tolerance, "grad[" + r + "][" + j + "]");
            }
        }
        Tolerance.assertClose(refLoss, gotLoss, lossError / rows + 1e-12 * Math.abs(refLoss), "loss");
        SoftmaxTest.assertPaddingKept(got, 2, rows * cols);
    }

    /*
     * Loss per element max(x,0) - x t + log1p(exp(-|x|)): U for x t and for the subtraction, a
     * few ulps for exp and log1p (under 6 U in all, the log1p term being under 1), U for the
     * addition, then the float sum's chain. Gradient (sigmoid - t) / n: sigmoid within 8 U,
     * the subtraction U, the scaling and the reference 3 U.
     */
    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void binaryWithLogitsMatchesTheReference(int n) {
        float[] x = ActivationsTest.values(n, n);
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                x[i] = -x.length + i;
            }
        }
        float[] t = SoftmaxTest.uniform(n + 2, 0, 1, 3L * n);
        for (int i = 0; i < t.length; i += 3) {
            t[i] = i % 2;
        }
        float[] ref = new float[n + 4];
        float[] got = new float[n + 4];
        Arrays.fill(ref, 42f);
        Arrays.fill(got, 42f);
        double refLoss = ScalarCrossEntropy.binaryWithLogits(x, 3, t, 2, n, ref, 4);
        double gotLoss = CrossEntropy.binaryWithLogits(x, 3, t, 2, n, got, 4);
        assertEquals(gotLoss, CrossEntropy.binaryWithLogits(x, 3, t, 2, n, null, 0), 0.0, "loss without grad");

        double elementErrors = 0;
        double magnitude = 0;
        for (int i = 0; i < n; i++) {
            double xi = x[3 + i];
            double ti = t[2 + i];
            double loss = Math.max(xi, 0) - xi * ti + Math.log1p(Math.exp(-Math.abs(xi)));
            elementErrors += U * (Math.abs(xi * ti) + Math.abs(Math.max(xi, 0) - xi * ti) + 6 + loss);
            magnitude += loss;
            double sigmoid = 1 / (1 + Math.exp(-xi));
            double tolerance = U * (8 * sigmoid + Math.abs(sigmoid - ti)) / n + 3 * U * Math.abs(ref[4 + i]);
            Tolerance.assertClose(ref[4 + i], got[4 + i], tolerance, "grad[" + i + "] for x=" + xi + " t=" + ti);
        }
        double tolerance = n == 0 ? 0 : (elementErrors + Tolerance.sumChain(n) * U * magnitude) / n;
        Tolerance.assertClose(refLoss, gotLoss, tolerance, "loss");
        SoftmaxTest.assertPaddingKept(got, 4, n);
    }

    /*
     * Loss: each d = p - t is off by U, d^2 by 3 U, then the sum's chain. Gradient d * (2/n): 3 U
     * and the reference's U.
     */
    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void meanSquaredErrorMatchesTheReference(int n) {
        float[] p = SoftmaxTest.uniform(n + 1, -1e4, 1e4, n);
        float[] t = SoftmaxTest.uniform(n + 1, -3, 3, n + 1L);
        for (int i = 0; i < p.length; i += 5) {
            p[i] = t[i];
        }
        float[] ref = new float[n + 4];
        float[] got = new float[n + 4];
        Arrays.fill(ref, 42f);
        Arrays.fill(got, 42f);
        double refLoss = ScalarCrossEntropy.meanSquaredError(p, 1, t, 0, n, ref, 3);
        double gotLoss = CrossEntropy.meanSquaredError(p, 1, t, 0, n, got, 3);
        assertEquals(gotLoss, CrossEntropy.meanSquaredError(p, 1, t, 0, n, null, 0), 0.0, "loss without grad");
        double squares = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) p[1 + i] - t[i];
            squares += d * d;
            Tolerance.assertClose(ref[3 + i], got[3 + i], 4 * U * Math.abs(ref[3 + i]), "grad[" + i + "]");
        }
        double tolerance = n == 0 ? 0 : (Tolerance.sumChain(n) + 3) * U * squares / n;
        Tolerance.assertClose(refLoss, gotLoss, tolerance, "loss");
        SoftmaxTest.assertPaddingKept(got, 3, n);
    }

    /*
     * Central differences of the scalar reference's double loss: inputs are multiples of 2^-10
     * and h = 2^-10, so x +- h is exact; the truncation error is about h^2 / 6 * f''' (1e-7 here),
     * far under the tolerance, and a wrong gradient formula is off by a sizeable fraction of it.
     */
    @Test
    void gradientsMatchFiniteDifferences() {
        int rows = 4;
        int cols = 6;
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[rows * cols];
        float[] t = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.round(r.nextDouble(-3, 3) * 1024) / 1024f;
            t[i] = (float) r.nextDouble(0, 1);
        }
        int[] labels = {2, 0, 5, 2};
        float[] w = {0.5f, 2f, 1f, 0.25f, 1.5f, 3f};
        List<String> names = List.of("sparse", "sparse weighted", "dense", "binary", "squared error");
        for (String name : names) {
            float[] grad = new float[x.length];
            loss(name, x, t, labels, w, grad, rows, cols);
            double h = 0x1p-10;
            for (int i = 0; i < x.length; i++) {
                float[] plus = x.clone();
                float[] minus = x.clone();
                plus[i] += (float) h;
                minus[i] -= (float) h;
                double numeric = (loss(name, plus, t, labels, w, null, rows, cols)
                        - loss(name, minus, t, labels, w, null, rows, cols)) / (2 * h);
                assertEquals(numeric, grad[i], 2e-6, name + " grad[" + i + "]");
            }
        }
    }

    private static double loss(String name, float[] x, float[] t, int[] labels, float[] w, float[] grad,
                               int rows, int cols) {
        return switch (name) {
            case "sparse" -> ScalarCrossEntropy.sparse(x, 0, rows, cols, labels, 0, null, grad, 0);
            case "sparse weighted" -> ScalarCrossEntropy.sparse(x, 0, rows, cols, labels, 0, w, grad, 0);
            case "dense" -> ScalarCrossEntropy.dense(x, 0, rows, cols, t, 0, grad, 0);
            case "binary" -> ScalarCrossEntropy.binaryWithLogits(x, 0, t, 0, rows * cols, grad, 0);
            default -> ScalarCrossEntropy.meanSquaredError(x, 0, t, 0, rows * cols, grad, 0);
        };
    }

    @Test
    void classWeightsGiveTheWeightedMeanOfRowLosses() {
        int rows = 6;
        int cols = 19;
        float[] x = SoftmaxTest.logits(rows, cols, 0, 12);
        int[] labels = labels(rows, cols, 4);
        float[] w = weights(cols, 9);
        double weighted = 0;
        double weightSum = 0;
        for (int r = 0; r < rows; r++) {
            double single = CrossEntropy.sparse(x, r * cols, 1, cols, labels, r, null, null, 0);
            weighted += w[labels[r]] * single;
            weightSum += w[labels[r]];
        }
        assertEquals(weighted / weightSum, CrossEntropy.sparse(x, 0, rows, cols, labels, 0, w, null, 0),
                1e-5 * Math.abs(weighted / weightSum));
    }

    @Test
    void denseWithOneHotTargetsIsSparse() {
        int rows = 5;
        int cols = 40;
        float[] x = SoftmaxTest.logits(rows, cols, 0, 21);
        int[] labels = labels(rows, cols, 8);
        float[] t = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            t[r * cols + labels[r]] = 1f;
        }
        float[] sparseGrad = new float[rows * cols];
        float[] denseGrad = new float[rows * cols];
        double sparse = CrossEntropy.sparse(x, 0, rows, cols, labels, 0, null, sparseGrad, 0);
        double dense = CrossEntropy.dense(x, 0, rows, cols, t, 0, denseGrad, 0);
        assertEquals(sparse, dense, 1e-5 * Math.abs(sparse));
        for (int i = 0; i < sparseGrad.length; i++) {
            assertEquals(sparseGrad[i], denseGrad[i], 1e-7, "grad[" + i + "]");
        }
    }

    @Test
    void logitsOfMagnitude1e4GiveFiniteCorrectLosses() {
        float[] x = {1e4f, 1e4f - 1, -1e4f, 1e4f - 3, -1e4f, 1e4f, -1e4f, -1e4f};
        int cols = 4;
        double lse0 = 1e4 + Math.log(1 + Math.exp(-1) + Math.exp(-3));
        double lse1 = 1e4 + Math.log(1);
        // row 0's label is a far loser: its loss is about 2e4; row 1's label is the winner
        double expected = ((lse0 + 1e4) + (lse1 - 1e4)) / 2;
        float[] grad = new float[8];
        double loss = CrossEntropy.sparse(x, 0, 2, cols, new int[] {2, 1}, 0, null, grad, 0);
        assertEquals(expected, loss, 1e-3);
        for (float g : grad) {
            assertTrue(Float.isFinite(g));
        }
        assertEquals(-0.5f, grad[2], 1e-6f);
        assertEquals(0f, grad[5], 1e-6f);

        float[] t = {0f, 0f, 1f, 0f, 0.5f, 0f, 0.5f, 0f};
        float[] oneHot = {0, 0, 1, 0, 0, 1, 0, 0};
        assertEquals(expected, CrossEntropy.dense(x, 0, 2, cols, oneHot, 0, null, 0), 1e-3);
        assertTrue(Double.isFinite(CrossEntropy.dense(x, 0, 2, cols, t, 0, null, 0)));

        float[] logits = {1e4f, -1e4f, 1e4f, -1e4f};
        float[] targets = {1f, 1f, 0f, 0f};
        float[] bceGrad = new float[4];
        double bce = CrossEntropy.binaryWithLogits(logits, 0, targets, 0, 4, bceGrad, 0);
        assertEquals((0 + 1e4 + 1e4 + 0) / 4, bce, 1e-3);
        assertEquals(Arrays.toString(new float[] {0f, -0.25f, 0.25f, 0f}), Arrays.toString(bceGrad));
    }

    @Test
    void nanPropagatesAndEmptyBatchesAreNaN() {
        int cols = 33;
        float[] x = SoftmaxTest.uniform(3 * cols, -2, 2, 1);
        x[cols + 5] = Float.NaN;
        float[] grad = new float[x.length];
        for (boolean vector : new boolean[] {false, true}) {
            String name = vector ? "vector" : "scalar";
            double loss = vector
                    ? CrossEntropy.sparse(x, 0, 3, cols, new int[] {1, 2, 3}, 0, null, grad, 0)
                    : ScalarCrossEntropy.sparse(x, 0, 3, cols, new int[] {1, 2, 3}, 0, null, grad, 0);
            assertTrue(Double.isNaN(loss), name);
            for (int i = 0; i < x.length; i++) {
                boolean nanRow = i / cols == 1;
                assertEquals(nanRow, Float.isNaN(grad[i]), name + " grad[" + i + "]");
            }
            double dense = vector
                    ? CrossEntropy.dense(x, 0, 3, cols, new float[x.length], 0, grad, 0)
                    : ScalarCrossEntropy.dense(x, 0, 3, cols, new float[x.length], 0, grad, 0);
            assertTrue(Double.isNaN(dense), name);
        }
        float[] one = {Float.NaN, 1f, 2f};
        assertTrue(Double.isNaN(CrossEntropy.binaryWithLogits(one, 0, new float[3], 0, 3, null, 0)));
        assertTrue(Double.isNaN(CrossEntropy.meanSquaredError(one, 0, new float[3], 0, 3, null, 0)));
        float[] nanTargets = new float[40];
        nanTargets[17] = Float.NaN;
        assertTrue(Double.isNaN(CrossEntropy.meanSquaredError(new float[40], 0, nanTargets, 0, 40, null, 0)));
        assertTrue(Double.isNaN(CrossEntropy.binaryWithLogits(new float[40], 0, nanTargets, 0, 40, null, 0)));

        float[] none = new float[0];
        assertTrue(Double.isNaN(CrossEntropy.sparse(none, 0, 0, 4, new int[0], 0, null, none, 0)));
        assertTrue(Double.isNaN(CrossEntropy.dense(none, 0, 0, 4, none, 0, none, 0)));
        assertTrue(Double.isNaN(CrossEntropy.binaryWithLogits(none, 0, none, 0, 0, none, 0)));
        assertTrue(Double.isNaN(CrossEntropy.meanSquaredError(none, 0, none, 0, 0, none, 0)));
    }

    @Test
    void aZeroTargetIgnoresAMinusInfinityLogit() {
        float[] x = {Float.NEGATIVE_INFINITY, 0.5f, -1f, 2f};
        float[] t = {0f, 0.25f, 0.25f, 0.5f};
        float[] grad = new float[4];
        double loss = CrossEntropy.dense(x, 0, 1, 4, t, 0, grad, 0);
        double refLoss = ScalarCrossEntropy.dense(x, 0, 1, 4, t, 0, null, 0);
        assertTrue(Double.isFinite(loss), "loss " + loss);
        assertEquals(refLoss, loss, 1e-6);
        assertEquals(0f, grad[0], 0f);
        t[0] = 0.1f;
        assertEquals(Double.POSITIVE_INFINITY, CrossEntropy.dense(x, 0, 1, 4, t, 0, null, 0));
    }

    @Test
    void inPlaceGradientsAgreeWithOutOfPlace() {
        int rows = 3;
        int cols = 50;
        float[] x = SoftmaxTest.logits(rows, cols, 0, 2);
        x = Arrays.copyOf(x, rows * cols);
        int[] labels = labels(rows, cols, 1);
        float[] t = SoftmaxTest.uniform(rows * cols, 0, 1, 3);
        for (int kind = 0; kind < 4; kind++) {
            float[] grad = new float[x.length];
            float[] inPlace = x.clone();
            double a;
            double b;
            switch (kind) {
                case 0 -> {
                    a = CrossEntropy.sparse(x, 0, rows, cols, labels, 0, null, grad, 0);
                    b = CrossEntropy.sparse(inPlace, 0, rows, cols, labels, 0, null, inPlace, 0);
                }
                case 1 -> {
                    a = CrossEntropy.dense(x, 0, rows, cols, t, 0, grad, 0);
                    b = CrossEntropy.dense(inPlace, 0, rows, cols, t, 0, inPlace, 0);
                }
                case 2 -> {
                    a = CrossEntropy.binaryWithLogits(x, 0, t, 0, x.length, grad, 0);
                    b = CrossEntropy.binaryWithLogits(inPlace, 0, t, 0, x.length, inPlace, 0);
                }
                default -> {
                    a = CrossEntropy.meanSquaredError(x, 0, t, 0, x.length, grad, 0);
                    b = CrossEntropy.meanSquaredError(inPlace, 0, t, 0, x.length, inPlace, 0);
                }
            }
            assertEquals(a, b, 0.0, "loss " + kind);
            assertEquals(Arrays.toString(grad), Arrays.toString(inPlace), "grad " + kind);
        }
    }

    @Test
    void badArgumentsNameTheProblem() {
        float[] x = new float[12];
        var e = assertThrows(IllegalArgumentException.class,
                () -> CrossEntropy.sparse(x, 0, 3, 4, new int[] {0, 3, 4}, 0, null, null, 0));
        assertTrue(e.getMessage().contains("label of row 2 is 4, outside [0, 4)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ScalarCrossEntropy.sparse(x, 0, 3, 4, new int[] {0, -1, 0}, 0, null, null, 0));
        assertTrue(e.getMessage().contains("label of row 1 is -1"), e.getMessage());
        float[] grad = new float[12];
        grad[0] = 7f;
        assertThrows(IllegalArgumentException.class,
                () -> CrossEntropy.sparse(x, 0, 3, 4, new int[] {0, 1, 9}, 0, null, grad, 0));
        assertEquals(7f, grad[0], 0f, "a bad label must be found before anything is written");
        e = assertThrows(IllegalArgumentException.class,
                () -> CrossEntropy.sparse(x, 0, 3, 4, new int[] {0, 1}, 0, null, null, 0));
        assertTrue(e.getMessage().contains("labels needs 3 ints from offset 0, but the array has 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CrossEntropy.sparse(x, 0, 3, 4, new int[] {0, 1, 2}, 0, new float[3], null, 0));
        assertTrue(e.getMessage().contains("classWeights needs 4 floats"), e.getMessage());
        float[] big = new float[20];
        e = assertThrows(IllegalArgumentException.class,
                () -> CrossEntropy.sparse(big, 0, 3, 4, new int[] {0, 1, 2}, 0, null, big, 1));
        assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CrossEntropy.dense(x, 0, 2, 4, new float[5], 0, null, 0));
        assertTrue(e.getMessage().contains("dense cross entropy: targets") && e.getMessage().contains("has 5"),
                e.getMessage());
        float[] both = new float[16];
        e = assertThrows(IllegalArgumentException.class,
                () -> CrossEntropy.dense(x, 0, 2, 4, both, 0, both, 0));
        assertTrue(e.getMessage().contains("grad [0, 8) overlaps targets [0, 8)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CrossEntropy.dense(x, 0, 2, 0, x, 0, null, 0));
        assertTrue(e.getMessage().contains("rows = 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CrossEntropy.binaryWithLogits(x, 5, x, 0, 8, null, 0));
        assertTrue(e.getMessage().contains("logits needs 8 floats from offset 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CrossEntropy.meanSquaredError(x, 0, null, 0, 8, null, 0));
        assertTrue(e.getMessage().contains("mean squared error: target is null"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ScalarCrossEntropy.meanSquaredError(x, 0, x, 0, -3, null, 0));
        assertTrue(e.getMessage().contains("-3"), e.getMessage());
    }
}
