package dev.isthmus.kernels;

import static dev.isthmus.kernels.Im2colTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SparseGemmTest {
    static final int[] SIZES = {1, 3, 15, 16, 17, 33};
    static final double[] DENSITIES = {0, 0.01, 0.1, 0.5, 1.0};
    /** 1-5 run the gather kernel; 8, 9, 16, 17 and 33 the lanes kernel, with full and partial groups. */
    static final int[] ROWS = {1, 2, 3, 4, 5, 8, 9, 16, 17, 33};
    static final Activation[] ACTIVATIONS = {Activation.IDENTITY, Activation.RELU, Activation.leakyRelu(0.1f),
        Activation.elu(1f), Activation.SIGMOID, Activation.TANH};
    static final float SENTINEL = 1234.5f;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        int i = 0;
        for (int k : SIZES) {
            for (int n : SIZES) {
                for (double density : DENSITIES) {
                    int m = ROWS[i % ROWS.length];
                    Activation f = ACTIVATIONS[(i / 3) % ACTIVATIONS.length];
                    out.add(Arguments.of(m, k, n, density, i % 2 == 0, f));
                    i++;
                }
            }
        }
        for (int m : ROWS) {
            for (double density : DENSITIES) {
                out.add(Arguments.of(m, 784, 256, density, m % 2 == 1, ACTIVATIONS[m % ACTIVATIONS.length]));
            }
        }
        return out.stream();
    }

    /** W (k x n, leading dimension n, at offset 2) with about {@code density} of its entries nonzero. */
    static float[] weights(SplittableRandom r, int k, int n, double density) {
        float[] w = new float[2 + k * n];
        for (int i = 2; i < w.length; i++) {
            w[i] = r.nextDouble() < density ? (float) r.nextDouble(-1, 1) : 0f;
        }
        return w;
    }

    static float[] uniform(SplittableRandom r, int length) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        return x;
    }

    @ParameterizedTest(name = "m={0} k={1} n={2} density={3} bias={4} {5}")
    @MethodSource("cases")
    void vectorEqualsScalarAndBothMatchTheDenseProduct(int m, int k, int n, double density, boolean withBias,
                                                       Activation f) {
        SplittableRandom r = new SplittableRandom(31L * k + 7L * n + m);
        float[] w = weights(r, k, n, density);
        SparseMatrix sparse = SparseMatrix.of(k, n, w, 2);
        int lda = k + 3;
        int ldc = n + 2;
        int aOff = 5;
        int cOff = 1;
        float[] a = uniform(r, aOff + m * lda);
        float[] bias = withBias ? uniform(r, 3 + n) : null;
        float[] vector = new float[cOff + m * ldc + 4];
        Arrays.fill(vector, SENTINEL);
        float[] scalar = vector.clone();
        float[] dense = vector.clone();
        SparseGemm.gemm(m, a, aOff, lda, sparse, vector, cOff, ldc, bias, 3, f);
        ScalarSparseGemm.gemm(m, a, aOff, lda, sparse, scalar, cOff, ldc, bias, 3, f);
        Gemm.sgemm(false, false, m, n, k, 1f, a, aOff, lda, w, 2, n, 0f, dense, cOff, ldc, bias, 3, f);
        boolean exact = f.kind() == Activation.Kind.IDENTITY || f.kind() == Activation.Kind.RELU
                || f.kind() == Activation.Kind.LEAKY_RELU;
        for (int idx = 0; idx < vector.length; idx++) {
            int i = (idx - cOff) / ldc;
            int j = (idx - cOff) % ldc;
            if (idx < cOff || i >= m || j >= n) {
                assertEquals(SENTINEL, vector[idx], "written outside C at " + idx);
                assertEquals(SENTINEL, scalar[idx], "reference wrote outside C at " + idx);
                continue;
            }
            String where = "C[" + i + "][" + j + "]";
            if (exact) {
                // the same fma chain per output in the same order, then the same float add and activation
                assertEquals(scalar[idx], vector[idx], 0f, where + ": vector against the scalar reference");
            } else {
                // the vector exp/tanh intrinsics are within a few ulps of Math's
                assertEquals(scalar[idx], vector[idx], 4 * Math.ulp(scalar[idx]) + 1e-7f, where);
            }
            // against the dense product in double: a float chain of at most k + 1 roundings (k fmas and the
            // bias add) on terms of at most sum |w * a| + |bias|; every activation here has slope <= 1
            double magnitude = withBias ? Math.abs(bias[3 + j]) : 0;
            double exactSum = withBias ? bias[3 + j] : 0;
            for (int p = 0; p < k; p++) {
                double t = (double) w[2 + p * n + j] * a[aOff + i * lda + p];
                magnitude += Math.abs(t);
                exactSum += t;
            }
            double tolerance = (k + 2) * Tolerance.U * magnitude + 4 * Math.ulp((float) exactSum) + 1e-7;
            Tolerance.assertClose(ScalarActivations.value(f, (float) exactSum), scalar[idx], tolerance,
                    where + ": reference against the exact dense sum");
            Tolerance.assertClose(dense[idx], vector[idx], 2 * tolerance, where + ": sparse against Gemm.sgemm");
        }
    }

    @Test
    void storesOnlyTheNonzerosAndRebuildsFromThem() {
        float[] w = {
            0, 2, 0, -0f,
            3, 0, 0, 4,
            0, 0, 0, 5};
        SparseMatrix s = SparseMatrix.of(3, 4, w, 0);
        assertEquals(3, s.k());
        assertEquals(4, s.n());
        assertEquals(4, s.nonZeros());
        assertEquals(4 / 12.0, s.density());
        assertArrayEquals(new int[] {0, 1, 2, 2, 4}, s.columnStarts());
        assertArrayEquals(new int[] {1, 0, 1, 2}, s.rowIndices());
        assertArrayEquals(new float[] {3, 2, 4, 5}, s.values());
        assertEquals(8 * 4 + 4 * 5, s.bytes());
        float[] back = new float[14];
        Arrays.fill(back, 9f);
        s.toDense(back, 1);
        assertEquals(9f, back[0]);
        assertEquals(9f, back[13]);
        float[] want = w.clone();
        want[3] = 0f;
        assertArrayEquals(want, Arrays.copyOfRange(back, 1, 13));
        SparseMatrix again = SparseMatrix.ofColumns(3, 4, s.columnStarts(), s.rowIndices(), s.values());
        float[] a = {1, 2, 3, 4, 5, 6};
        float[] c1 = new float[8];
        float[] c2 = new float[8];
        SparseGemm.gemm(2, a, 0, 3, s, c1, 0, 4, null, 0, Activation.IDENTITY);
        SparseGemm.gemm(2, a, 0, 3, again, c2, 0, 4, null, 0, Activation.IDENTITY);
        assertArrayEquals(new float[] {6, 2, 0, 23, 15, 8, 0, 50}, c1);
        assertArrayEquals(c1, c2);
    }

    @Test
    void aZeroColumnAndAZeroMatrixGiveTheBias() {
        int k = 40;
        int n = 37;
        SplittableRandom r = new SplittableRandom(5);
        float[] w = weights(r, k, n, 0.3);
        for (int p = 0; p < k; p++) {
            w[2 + p * n + 20] = 0f;
        }
        float[] bias = uniform(r, n);
        for (int m : new int[] {1, 8}) {
            float[] a = uniform(r, m * k);
            float[] c = new float[m * n];
            SparseGemm.gemm(m, a, 0, k, SparseMatrix.of(k, n, w, 2), c, 0, n, bias, 0, Activation.IDENTITY);
            for (int i = 0; i < m; i++) {
                assertEquals(bias[20], c[i * n + 20], 0f, "row " + i + ", the zero column");
            }
            SparseMatrix zero = SparseMatrix.of(k, n, new float[k * n], 0);
            assertEquals(0, zero.nonZeros());
            SparseGemm.gemm(m, a, 0, k, zero, c, 0, n, bias, 0, Activation.RELU);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    assertEquals(Math.max(bias[j], 0f), c[i * n + j], 0f);
                }
            }
        }
    }

    /**
     * A NaN input reaches the columns whose weights read it; in the gather kernel (fewer than
     * LANES_FROM_ROWS rows) an empty column's padding reads input 0 too, as SparseMatrix documents.
     */
    @Test
    void aNanInputReachesOnlyTheColumnsThatReadIt() {
        float[] w = {
            1, 0, 0,
            0, 1, 0};
        SparseMatrix s = SparseMatrix.of(2, 3, w, 0);
        for (int m : new int[] {1, 8}) {
            float[] a = new float[2 * m];
            Arrays.fill(a, 1f);
            a[0] = Float.NaN;
            float[] c = new float[3 * m];
            SparseGemm.gemm(m, a, 0, 2, s, c, 0, 3, null, 0, Activation.IDENTITY);
            assertTrue(Float.isNaN(c[0]));
            assertEquals(1f, c[1]);
            if (m < SparseGemm.LANES_FROM_ROWS) {
                assertTrue(Float.isNaN(c[2]), "the empty column's padding reads input 0");
            } else {
                assertEquals(0f, c[2]);
            }
        }
    }

    @Test
    void rejectsBadArgumentsWithMessages() {
        SparseMatrix s = SparseMatrix.of(4, 3, new float[12], 0);
        float[] a = new float[8];
        float[] c = new float[6];
        Activation id = Activation.IDENTITY;
        assertMessage("sparse gemm: the sparse W is null", () -> SparseGemm.gemm(1, a, 0, 4, null, c, 0, 3, null, 0, id));
        assertMessage("m must be >= 1, got 0", () -> SparseGemm.gemm(0, a, 0, 4, s, c, 0, 3, null, 0, id));
        assertMessage("A is 3x4", () -> SparseGemm.gemm(3, a, 0, 4, s, new float[9], 0, 3, null, 0, id), "the array has 8");
        assertMessage("leading dimension must be >= 4, got 3", () -> SparseGemm.gemm(1, a, 0, 3, s, c, 0, 3, null, 0, id));
        assertMessage("C is 2x3", () -> SparseGemm.gemm(2, a, 0, 4, s, c, 1, 3, null, 0, id), "the array has 6");
        assertMessage("A is null", () -> SparseGemm.gemm(1, null, 0, 4, s, c, 0, 3, null, 0, id));
        assertMessage("overlaps A", () -> SparseGemm.gemm(1, a, 0, 4, s, a, 2, 3, null, 0, id));
        assertMessage("bias needs 3 floats", () -> SparseGemm.gemm(1, a, 0, 4, s, c, 0, 3, new float[2], 0, id));
        assertMessage("overlaps bias", () -> SparseGemm.gemm(1, a, 0, 4, s, c, 0, 3, c, 2, id));
        assertMessage("activation must not be null", () -> SparseGemm.gemm(1, a, 0, 4, s, c, 0, 3, null, 0, null));
        assertMessage("the sparse W is null", () -> ScalarSparseGemm.gemm(1, a, 0, 4, null, c, 0, 3, null, 0, id));

        assertMessage("k must be >= 1, got 0", () -> SparseMatrix.of(0, 3, new float[3], 0));
        assertMessage("n must be >= 1, got -1", () -> SparseMatrix.of(2, -1, new float[3], 0));
        assertMessage("W is null", () -> SparseMatrix.of(2, 2, null, 0));
        assertMessage("W is 2x2", () -> SparseMatrix.of(2, 2, new float[5], 2), "the array has 5");
        assertMessage("dst needs 12 floats", () -> s.toDense(new float[11], 0));

        int[] starts = {0, 1, 1, 2};
        int[] rows = {3, 0};
        float[] vals = {1, 2};
        SparseMatrix.ofColumns(4, 3, starts, rows, vals);
        assertMessage("must not be null", () -> SparseMatrix.ofColumns(4, 3, null, rows, vals));
        assertMessage("a 65536x65536 matrix has 4294967296 entries",
                () -> SparseMatrix.ofColumns(65536, 65536, new int[65537], new int[0], new float[0]));
        assertMessage("columnStarts must hold n + 1 = 4 ints, got 3",
                () -> SparseMatrix.ofColumns(4, 3, new int[] {0, 1, 2}, rows, vals));
        assertMessage("rowIndices has 2 entries but values has 1",
                () -> SparseMatrix.ofColumns(4, 3, starts, rows, new float[1]));
        assertMessage("columnStarts must run from 0 to the 2 nonzeros, got 1 to 2",
                () -> SparseMatrix.ofColumns(4, 3, new int[] {1, 1, 1, 2}, rows, vals));
        assertMessage("column 1 runs from 2 to 1", () -> SparseMatrix.ofColumns(4, 3, new int[] {0, 2, 1, 2}, new int[] {0, 3}, vals));
        assertMessage("row index 4 at 0 (column 0) must be in [0, 4)",
                () -> SparseMatrix.ofColumns(4, 3, starts, new int[] {4, 0}, vals));
        assertMessage("row index -1 at 1", () -> SparseMatrix.ofColumns(4, 3, starts, new int[] {3, -1}, vals));
        assertMessage("row index 1 at 1 (column 0)",
                () -> SparseMatrix.ofColumns(4, 3, new int[] {0, 2, 2, 2}, new int[] {1, 1}, vals),
                "above the column's previous index");
    }

    /** The arrays given to ofColumns are copied: changing them later changes nothing. */
    @Test
    void ofColumnsCopiesItsArrays() {
        int[] starts = {0, 1};
        int[] rows = {0};
        float[] vals = {2f};
        SparseMatrix s = SparseMatrix.ofColumns(1, 1, starts, rows, vals);
        vals[0] = 5f;
        rows[0] = 7;
        float[] c = new float[1];
        SparseGemm.gemm(1, new float[] {3f}, 0, 1, s, c, 0, 1, null, 0, Activation.IDENTITY);
        assertEquals(6f, c[0]);
    }

    @Test
    void batchOneAndEightRowsAllocateNothingOnceWarm() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SplittableRandom r = new SplittableRandom(9);
        int k = 784;
        int n = 256;
        SparseMatrix s = SparseMatrix.of(k, n, weights(r, k, n, 0.1), 2);
        float[] a = uniform(r, 8 * k);
        float[] bias = uniform(r, n);
        float[] c = new float[8 * n];
        Runnable calls = () -> {
            SparseGemm.gemm(1, a, 0, k, s, c, 0, n, bias, 0, Activation.RELU);
            SparseGemm.gemm(8, a, 0, k, s, c, 0, n, null, 0, Activation.TANH);
        };
        long id = Thread.currentThread().threadId();
        long bytes = -1;
        // interpreted Vector API code allocates boxes until C2 compiles it: warm up in rounds
        for (int round = 0; round < 5 && bytes != 0; round++) {
            for (int i = 0; i < 3000; i++) {
                calls.run();
            }
            long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < 500; i++) {
                calls.run();
            }
            bytes = threads.getThreadAllocatedBytes(id) - before;
        }
        assertEquals(0, bytes, "bytes allocated by 500 warm calls");
    }
}
