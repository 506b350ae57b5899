package dev.isthmus.kernels;

import static dev.isthmus.kernels.Tolerance.U;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

class ReductionsTest {
    /** Every awkward width as 1 and 3 rows, every awkward height as 2 columns, and empty matrices. */
    static Stream<Arguments> shapes() {
        List<Arguments> out = new ArrayList<>();
        out.add(Arguments.of(0, 7));
        for (int size : ActivationsTest.SIZES) {
            out.add(Arguments.of(1, size));
            out.add(Arguments.of(3, size));
            out.add(Arguments.of(size, 2));
        }
        return out.stream();
    }

    static Stream<Arguments> sizes() {
        return IntStream.of(ActivationsTest.SIZES).mapToObj(Arguments::of);
    }

    /** Finite values: zeros, negatives, and one in eight of magnitude about 1e4. */
    static float[] finite(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(8);
            v[i] = k == 0 ? 0f : k == 1 ? (float) r.nextDouble(-1e4, 1e4) : (float) r.nextDouble(-6, 6);
        }
        return v;
    }

    @ParameterizedTest(name = "rows={0} cols={1}")
    @MethodSource("shapes")
    void sumRowsMatchesTheReference(int rows, int cols) {
        float[] x = finite(rows * cols + 3, 11L * cols + rows);
        float[] ref = new float[rows + 2];
        float[] got = new float[rows + 2];
        Arrays.fill(ref, 42f);
        Arrays.fill(got, 42f);
        ScalarReductions.sumRows(x, 3, rows, cols, ref, 1);
        Reductions.sumRows(x, 3, rows, cols, got, 1);
        for (int r = 0; r < rows; r++) {
            double magnitude = 0;
            for (int j = 0; j < cols; j++) {
                magnitude += Math.abs(x[3 + r * cols + j]);
            }
            double tolerance = Tolerance.sumChain(cols) * U * magnitude + U * Math.abs(ref[1 + r]);
            Tolerance.assertClose(ref[1 + r], got[1 + r], tolerance, "row " + r);
        }
        SoftmaxTest.assertPaddingKept(got, 1, rows);
    }

    /** Each column is summed down the rows in one lane: a chain of rows additions. */
    @ParameterizedTest(name = "rows={0} cols={1}")
    @MethodSource("shapes")
    void sumColumnsMatchesTheReference(int rows, int cols) {
        float[] x = finite(rows * cols + 3, 13L * cols + rows);
        float[] ref = new float[cols + 2];
        float[] got = new float[cols + 2];
        Arrays.fill(ref, 42f);
        Arrays.fill(got, 42f);
        ScalarReductions.sumColumns(x, 2, rows, cols, ref, 2);
        Reductions.sumColumns(x, 2, rows, cols, got, 2);
        for (int j = 0; j < cols; j++) {
            double magnitude = 0;
            for (int r = 0; r < rows; r++) {
                magnitude += Math.abs(x[2 + r * cols + j]);
            }
            double tolerance = rows * U * magnitude + U * Math.abs(ref[2 + j]);
            Tolerance.assertClose(ref[2 + j], got[2 + j], tolerance, "column " + j);
        }
        SoftmaxTest.assertPaddingKept(got, 2, cols);
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void sumOfSquaresMatchesTheReference(int n) {
        float[] x = finite(n + 1, n);
        double ref = ScalarReductions.sumOfSquares(x, 1, n);
        double got = Reductions.sumOfSquares(x, 1, n);
        // each square is exact inside the fused multiply-add, which rounds once per step of the chain
        Tolerance.assertClose(ref, got, (Tolerance.sumChain(n) + 1) * U * ref, "sum of squares");
    }

    /** Maxima select an element: exact, with NaN, infinities and ties (integers) mixed in. */
    @ParameterizedTest(name = "rows={0} cols={1}")
    @MethodSource("shapes")
    void maxAndArgmaxMatchTheReferenceExactly(int rows, int cols) {
        if (cols == 0) {
            return;
        }
        for (int kind = 0; kind < 2; kind++) {
            float[] x = ActivationsTest.values(rows * cols, 3L * cols + rows + kind);
            if (kind == 1) {
                for (int i = 0; i < x.length; i++) {
                    x[i] = Float.isNaN(x[i]) ? x[i] : Math.round(Math.max(-3, Math.min(3, x[i])));
                }
            }
            float[] refMax = new float[rows + 1];
            float[] gotMax = new float[rows + 1];
            int[] refIndex = new int[rows + 1];
            int[] gotIndex = new int[rows + 1];
            Arrays.fill(gotIndex, -7);
            Arrays.fill(refIndex, -7);
            ScalarReductions.maxRows(x, 4, rows, cols, refMax, 1);
            Reductions.maxRows(x, 4, rows, cols, gotMax, 1);
            ScalarReductions.argmaxRows(x, 4, rows, cols, refIndex, 0);
            Reductions.argmaxRows(x, 4, rows, cols, gotIndex, 0);
            assertArrayEquals(refIndex, gotIndex, "argmax");
            for (int r = 0; r < rows; r++) {
                assertEquals(refMax[1 + r], gotMax[1 + r], 0f, "max of row " + r);
                float atIndex = x[4 + r * cols + gotIndex[r]];
                assertEquals(gotMax[1 + r], atIndex, 0f, "the argmax of row " + r + " holds the max");
            }
        }
    }

    @Test
    void argmaxFindsTheFirstMaximumOrTheFirstNaN() {
        int cols = 45;
        float[] x = new float[4 * cols];
        Arrays.fill(x, -1f);
        x[7] = 5f;
        x[30] = 5f;                              // row 0: a tie, the first wins
        Arrays.fill(x, cols, 2 * cols, Float.NEGATIVE_INFINITY);   // row 1: all -inf
        x[2 * cols + 40] = 9f;
        x[2 * cols + 33] = Float.NaN;
        x[2 * cols + 44] = Float.NaN;            // row 2: NaN beats 9 and the first NaN wins
        x[3 * cols] = -0f;
        x[3 * cols + 1] = 0f;                    // row 3 (all else -1): -0 and 0 tie, the first wins
        int[] index = new int[4];
        float[] max = new float[4];
        Reductions.argmaxRows(x, 0, 4, cols, index, 0);
        Reductions.maxRows(x, 0, 4, cols, max, 0);
        assertArrayEquals(new int[] {7, 0, 33, 0}, index);
        assertEquals(5f, max[0]);
        assertEquals(Float.NEGATIVE_INFINITY, max[1]);
        assertTrue(Float.isNaN(max[2]));
        int[] ref = new int[4];
        ScalarReductions.argmaxRows(x, 0, 4, cols, ref, 0);
        assertArrayEquals(ref, index);
    }

    /** (n, channels, spatial): the (n, channels) case at every awkward channel count, and spatial runs with tails. */
    static Stream<Arguments> layouts() {
        List<Arguments> out = new ArrayList<>();
        for (int channels : ActivationsTest.SIZES) {
            out.add(Arguments.of(5, channels, 1));
        }
        int[][] more = {{1, 1, 1}, {207, 3, 1}, {33, 40, 1}, {1, 1, 3}, {2, 3, 13}, {3, 2, 17}, {2, 3, 31},
                        {2, 2, 207}, {1, 1, 1021}, {2, 1, 4098}, {5, 4, 49}, {0, 3, 4}, {3, 2, 0}};
        for (int[] m : more) {
            out.add(Arguments.of(m[0], m[1], m[2]));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "n={0} channels={1} spatial={2}")
    @MethodSource("layouts")
    void meanVarianceMatchesTheReference(int n, int channels, int spatial) {
        float[] x = finite(n * channels * spatial + 2, 7L * n + 3L * channels + spatial);
        assertMeanVarianceClose(x, n, channels, spatial);
    }

    @ParameterizedTest(name = "n={0} channels={1} spatial={2}")
    @MethodSource("layouts")
    void meanVarianceIsStableForALargeMeanAndSmallSpread(int n, int channels, int spatial) {
        float[] x = SoftmaxTest.uniform(n * channels * spatial + 2, 1e4, 1e4 + 1, 5L * n + channels + spatial);
        assertMeanVarianceClose(x, n, channels, spatial);
    }

    /**
     * The same data through E[x^2] - E[x]^2 in float is wrong by more than the variance itself, so
     * the stability test above does tell a stable algorithm from the naive one.
     */
    @Test
    void theNaiveFormulaFailsOnTheStabilityData() {
        float[] x = SoftmaxTest.uniform(4096, 1e4, 1e4 + 1, 3);
        float sum = 0;
        float squares = 0;
        for (float v : x) {
            sum += v;
            squares += v * v;
        }
        float naive = squares / x.length - (sum / x.length) * (sum / x.length);
        float[] mean = new float[1];
        float[] var = new float[1];
        ScalarReductions.meanVariance(x, 0, 4096, 1, 1, mean, 0, var, 0);
        assertTrue(Math.abs(naive - var[0]) > var[0], "naive " + naive + " vs " + var[0]);
        Reductions.meanVariance(x, 0, 4096, 1, 1, mean, 0, var, 0);
        float[] expected = new float[1];
        ScalarReductions.meanVariance(x, 0, 4096, 1, 1, mean, 0, expected, 0);
        assertEquals(expected[0], var[0], 1e-4 * expected[0]);
    }

    /*
     * Bounds for the corrected two-pass algorithm, per channel of `count` values:
     * - the first mean m0 sums x - first (each term rounded: U |x - first|) along the chain, then
     *   rounds: it is off from the mean m by delta <= U (|m| + (chain + 2) mean|x - first|);
     * - the mean corrects m0 by the float sum of d = x - m0, off by (chain + 2) U mean|d|, where
     *   mean|d| <= mean|x - m| + delta; two roundings and the reference's add 3 U |m|;
     * - the variance sums d^2 (each off by 2 U, then the chain) to about (var + delta^2) count,
     *   subtracts the correction (its error is 2 delta times the sum's), and the last operations
     *   and the reference's rounding add 4 U.
     * The chain is n for the (n, channels) case (one lane per channel, down the rows), and for
     * spatial runs the per-lane vector additions plus the scalar tails.
     */
    private static void assertMeanVarianceClose(float[] x, int n, int channels, int spatial) {
        float[] refMean = new float[channels + 1];
        float[] refVar = new float[channels + 2];
        float[] gotMean = new float[channels + 1];
        float[] gotVar = new float[channels + 2];
        Arrays.fill(gotMean, 42f);
        Arrays.fill(gotVar, 42f);
        ScalarReductions.meanVariance(x, 2, n, channels, spatial, refMean, 1, refVar, 2);
        Reductions.meanVariance(x, 2, n, channels, spatial, gotMean, 1, gotVar, 2);
        int lanes = Species.FLOAT.length();
        double chain = spatial == 1 ? n + 2 : n * (spatial / lanes + spatial % lanes) + 3 * lanes + 4;
        for (int c = 0; c < channels; c++) {
            int count = n * spatial;
            if (count == 0) {
                assertTrue(Float.isNaN(gotMean[1 + c]) && Float.isNaN(gotVar[2 + c]), "no values: NaN");
                continue;
            }
            double first = x[2 + c * spatial];
            double m = 0;
            for (int b = 0; b < n; b++) {
                for (int s = 0; s < spatial; s++) {
                    m += x[2 + (b * channels + c) * spatial + s];
                }
            }
            m /= count;
            double firstDeviation = 0;
            double absoluteDeviation = 0;
            double var = 0;
            for (int b = 0; b < n; b++) {
                for (int s = 0; s < spatial; s++) {
                    double v = x[2 + (b * channels + c) * spatial + s];
                    firstDeviation += Math.abs(v - first) / count;
                    absoluteDeviation += Math.abs(v - m) / count;
                    var += (v - m) * (v - m) / count;
                }
            }
            double delta = U * (Math.abs(m) + (chain + 2) * firstDeviation);
            double meanTolerance = U * (3 * Math.abs(m) + (chain + 2) * (absoluteDeviation + delta));
            double varTolerance = U * ((chain + 6) * (var + delta * delta)
                    + 2 * (chain + 2) * delta * (absoluteDeviation + delta)) + U * var;
            String where = "channel " + c + " of (" + n + ", " + channels + ", " + spatial + ")";
            Tolerance.assertClose(refMean[1 + c], gotMean[1 + c], meanTolerance, "mean of " + where);
            Tolerance.assertClose(refVar[2 + c], gotVar[2 + c], varTolerance, "variance of " + where);
            assertTrue(gotVar[2 + c] >= 0, "variance is never negative");
        }
        assertEquals(42f, gotMean[0], 0f);
        assertEquals(42f, gotVar[1], 0f);
    }

    @Test
    void nanPropagatesToItsRowOrChannelOnly() {
        int cols = 37;
        float[] x = finite(3 * cols, 1);
        x[cols + 20] = Float.NaN;
        float[] sums = new float[3];
        Reductions.sumRows(x, 0, 3, cols, sums, 0);
        assertTrue(!Float.isNaN(sums[0]) && Float.isNaN(sums[1]) && !Float.isNaN(sums[2]), Arrays.toString(sums));
        float[] columns = new float[cols];
        Reductions.sumColumns(x, 0, 3, cols, columns, 0);
        for (int j = 0; j < cols; j++) {
            assertEquals(j == 20, Float.isNaN(columns[j]), "column " + j);
        }
        assertTrue(Double.isNaN(Reductions.sumOfSquares(x, 0, x.length)));
        // (n=3, channels=cols) and (n=1, channels=3, spatial=cols)
        float[] mean = new float[cols];
        float[] var = new float[cols];
        Reductions.meanVariance(x, 0, 3, cols, 1, mean, 0, var, 0);
        for (int c = 0; c < cols; c++) {
            assertEquals(c == 20, Float.isNaN(mean[c]) && Float.isNaN(var[c]), "channel " + c);
        }
        Reductions.meanVariance(x, 0, 1, 3, cols, mean, 0, var, 0);
        for (int c = 0; c < 3; c++) {
            assertEquals(c == 1, Float.isNaN(mean[c]) && Float.isNaN(var[c]), "channel " + c);
        }
    }

    @Test
    void badArgumentsNameTheProblem() {
        float[] x = new float[12];
        var e = assertThrows(IllegalArgumentException.class, () -> Reductions.sumRows(x, 0, 3, 4, x, 2));
        assertTrue(e.getMessage().contains("sumRows: out [2, 5) overlaps x [0, 12)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Reductions.sumColumns(x, 0, 3, 5, new float[5], 0));
        assertTrue(e.getMessage().contains("sumColumns: x") && e.getMessage().contains("has 12"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Reductions.sumColumns(x, 0, 3, 4, new float[3], 0));
        assertTrue(e.getMessage().contains("out needs 4 floats"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Reductions.sumOfSquares(x, -1, 3));
        assertTrue(e.getMessage().contains("offset -1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Reductions.maxRows(x, 0, 2, 0, new float[2], 0));
        assertTrue(e.getMessage().contains("rows = 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Reductions.argmaxRows(x, 0, 3, 4, new int[2], 0));
        assertTrue(e.getMessage().contains("out needs 3 ints"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Reductions.argmaxRows(x, 0, 3, -4, new int[3], 0));
        assertTrue(e.getMessage().contains("cols must be >= 0, got -4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Reductions.meanVariance(x, 1, 2, 3, 2, new float[3], 0, new float[3], 0));
        assertTrue(e.getMessage().contains("(n=2, channels=3, spatial=2) at offset 1, which needs 13"), e.getMessage());
        float[] stats = new float[5];
        e = assertThrows(IllegalArgumentException.class,
                () -> Reductions.meanVariance(x, 0, 2, 3, 2, stats, 0, stats, 2));
        assertTrue(e.getMessage().contains("mean [0, 3) overlaps var [2, 5)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ScalarReductions.meanVariance(x, 0, 2, 3, 2, x, 0, new float[3], 0));
        assertTrue(e.getMessage().contains("mean [0, 3) overlaps x"), e.getMessage());
    }

    @Test
    void anInfiniteValueMakesTheMeanInfiniteAndTheVarianceNaN() {
        for (int spatial : new int[] {1, 5, 40}) {
            int n = 6;
            int channels = 35;
            float[] x = new float[n * channels * spatial];
            for (int i = 0; i < x.length; i++) {
                x[i] = (i % 7) * 0.25f;
            }
            // channel 2: +inf in the first row (the shift); channel 20: +inf later; channel 33: both signs
            x[2 * spatial] = Float.POSITIVE_INFINITY;
            x[(3 * channels + 20) * spatial] = Float.POSITIVE_INFINITY;
            x[33 * spatial] = Float.POSITIVE_INFINITY;
            x[(channels + 33) * spatial] = Float.NEGATIVE_INFINITY;
            float[] mean = new float[channels];
            float[] var = new float[channels];
            float[] refMean = new float[channels];
            float[] refVar = new float[channels];
            Reductions.meanVariance(x, 0, n, channels, spatial, mean, 0, var, 0);
            ScalarReductions.meanVariance(x, 0, n, channels, spatial, refMean, 0, refVar, 0);
            assertEquals(Float.POSITIVE_INFINITY, mean[2], "spatial " + spatial);
            assertEquals(Float.POSITIVE_INFINITY, mean[20], "spatial " + spatial);
            assertTrue(Float.isNaN(mean[33]), "spatial " + spatial);
            assertEquals(refMean[2], mean[2]);
            assertEquals(refMean[20], mean[20]);
            assertTrue(Float.isNaN(var[2]) && Float.isNaN(var[20]) && Float.isNaN(refVar[2]));
            assertTrue(Float.isFinite(mean[3]) && Float.isFinite(var[3]), "other channels stay finite");
        }
    }

    /** Same call, same bits, before and after C2 compiles the sum (a fixed tree, not reduceLanes). */
    @Test
    void sumRowsGivesTheSameBitsBeforeAndAfterTheJit() {
        int rows = 8;
        int cols = 1000;
        float[] x = new float[rows * cols];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        float[] first = new float[rows];
        Reductions.sumRows(x, 0, rows, cols, first, 0);
        float[] out = new float[rows];
        for (int call = 1; call <= 20_000; call++) {
            Reductions.sumRows(x, 0, rows, cols, out, 0);
            if (!Arrays.equals(first, out)) {
                assertArrayEquals(first, out, "call " + call);
            }
        }
    }
}
