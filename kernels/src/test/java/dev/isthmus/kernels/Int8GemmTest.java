package dev.isthmus.kernels;

import static dev.isthmus.kernels.Im2colTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class Int8GemmTest {
    static final int[] M = {1, 2, 3, 4, 5, 7, 17, 33, 64, 65, 130};
    static final int[] K = {1, 3, 15, 16, 17, 63, 64, 65, 127, 784};
    static final int[] N = {1, 3, 10, 15, 16, 17, 31, 33, 63, 64, 65, 128, 257};
    /** Written around every output; a kernel writing outside its matrix changes it. */
    static final byte SENTINEL = 99;

    /** Batch 1 over every k and n, then a sample that reaches every m, k and n in different pairings. */
    static Stream<Arguments> shapes() {
        List<Arguments> out = new ArrayList<>();
        for (int k : K) {
            for (int n : N) {
                out.add(Arguments.of(1, k, n));
            }
        }
        for (int i = 0; i < 3 * N.length; i++) {
            out.add(Arguments.of(M[i % M.length], K[(3 * i + 1) % K.length], N[(7 * i + 2) % N.length]));
        }
        for (int m : M) {
            out.add(Arguments.of(m, 784, 65));
            out.add(Arguments.of(m, 65, 257));
        }
        return out.stream();
    }

    /** Operands with offsets and leading dimensions wider than the matrices; C's padding is SENTINEL. */
    record Case(int m, int k, int n, byte[] a, int aOff, int lda, Int8Matrix b, int[] offset, float[] scale,
                byte[] c, int cOff, int ldc) {
        byte[] freshC() {
            byte[] fresh = new byte[c.length];
            Arrays.fill(fresh, SENTINEL);
            return fresh;
        }
    }

    static byte[] randomBytes(SplittableRandom r, int length) {
        byte[] x = new byte[length];
        for (int i = 0; i < length; i++) {
            x[i] = (byte) r.nextInt(-128, 128);
        }
        return x;
    }

    static Int8Matrix randomMatrix(SplittableRandom r, int k, int n) {
        int ldb = n + 5;
        byte[] b = randomBytes(r, 3 + k * ldb);
        return Int8Matrix.pack(k, n, b, 3, ldb);
    }

    static Case random(int m, int k, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int lda = k + 7;
        int ldc = n + 3;
        byte[] a = randomBytes(r, 5 + m * lda);
        Int8Matrix b = randomMatrix(r, k, n);
        int[] offset = new int[n + 2];
        float[] scale = new float[n + 1];
        // sums of k products of about 5000 spread as sqrt(k): scales that put some results past both bounds
        float typical = 1f / (float) (Math.sqrt(k) * 5000);
        for (int j = 0; j < offset.length; j++) {
            offset[j] = r.nextInt(-20000, 20000);
        }
        for (int j = 0; j < scale.length; j++) {
            scale[j] = (float) r.nextDouble(0, 300) * typical;
        }
        return new Case(m, k, n, a, 5, lda, b, offset, scale, new byte[11 + m * ldc], 11, ldc);
    }

    static byte[] requantize(Case t, int[] offset, int zp, boolean relu, int threads) {
        byte[] c = t.freshC();
        Int8Gemm.gemm(t.m, t.a, t.aOff, t.lda, t.b, offset, t.scale, zp, relu, c, t.cOff, t.ldc, threads);
        return c;
    }

    static byte[] reference(Case t, int[] offset, int zp, boolean relu) {
        byte[] c = t.freshC();
        ScalarInt8.gemm(t.m, t.a, t.aOff, t.lda, t.b, offset, t.scale, zp, relu, c, t.cOff, t.ldc);
        return c;
    }

    @ParameterizedTest(name = "m={0} k={1} n={2}")
    @MethodSource("shapes")
    void requantizingMatchesTheReference(int m, int k, int n) {
        Case t = random(m, k, n, 31L * m + 7L * k + n);
        for (int zp : new int[] {0, -128, 127, -5}) {
            for (boolean relu : new boolean[] {false, true}) {
                int[] offset = zp == 0 ? null : t.offset;
                byte[] want = reference(t, offset, zp, relu);
                assertArrayEquals(want, requantize(t, offset, zp, relu, 1), "zp=" + zp + " relu=" + relu);
                assertArrayEquals(want, requantize(t, offset, zp, relu, 2), "zp=" + zp + " relu=" + relu + " 2 threads");
            }
        }
    }

    static float[] dequantize(Case t, int[] offset, float[] rowScale, float[] bias, boolean relu, int threads,
                              boolean scalar) {
        float[] c = new float[t.c.length];
        Arrays.fill(c, 1234.5f);
        if (scalar) {
            ScalarInt8.gemm(t.m, t.a, t.aOff, t.lda, t.b, offset, rowScale, 2, t.scale, bias, relu, c, t.cOff, t.ldc);
        } else {
            Int8Gemm.gemm(t.m, t.a, t.aOff, t.lda, t.b, offset, rowScale, 2, t.scale, bias, relu, c, t.cOff, t.ldc,
                    threads);
        }
        return c;
    }

    @ParameterizedTest(name = "m={0} k={1} n={2}")
    @MethodSource("shapes")
    void dequantizingMatchesTheReference(int m, int k, int n) {
        Case t = random(m, k, n, 17L * m + 5L * k + n);
        SplittableRandom r = new SplittableRandom(m + k + n);
        float[] rowScale = new float[m + 2];
        for (int i = 0; i < rowScale.length; i++) {
            rowScale[i] = (float) r.nextDouble(0.001, 0.1);
        }
        float[] bias = new float[n];
        for (int j = 0; j < n; j++) {
            bias[j] = (float) r.nextDouble(-3, 3);
        }
        for (int variant = 0; variant < 8; variant++) {
            int[] offset = (variant & 1) != 0 ? t.offset : null;
            float[] b = (variant & 2) != 0 ? bias : null;
            boolean relu = (variant & 4) != 0;
            float[] want = dequantize(t, offset, rowScale, b, relu, 1, true);
            String what = "offset=" + (offset != null) + " bias=" + (b != null) + " relu=" + relu;
            assertArrayEquals(want, dequantize(t, offset, rowScale, b, relu, 1, false), what);
            assertArrayEquals(want, dequantize(t, offset, rowScale, b, relu, 2, false), what + " 2 threads");
        }
    }

    /**
     * Batch 1 across chunk boundaries of k and widths that reach every register block of the
     * one-row kernel (sixteen, eight, four and one vectors, then the scalar tail), one tile and two.
     */
    @Test
    void batchOneAcrossChunksAndBlocks() {
        SplittableRandom r = new SplittableRandom(7);
        for (int k : new int[] {1023, 1024, 1025, 2100}) {
            for (int n : new int[] {467, 1091}) {
                for (int extreme = 0; extreme < 2; extreme++) {
                    byte[] a = new byte[k];
                    byte[] b = new byte[k * n];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = extreme == 1 ? (byte) -128 : (byte) r.nextInt(-128, 128);
                    }
                    for (int i = 0; i < b.length; i++) {
                        b[i] = extreme == 1 ? (byte) -128 : (byte) r.nextInt(-128, 128);
                    }
                    Int8Matrix w = Int8Matrix.pack(k, n, b, 0, n);
                    float[] colScale = new float[n];
                    Arrays.fill(colScale, 1f);
                    float[] got = new float[n];
                    float[] want = new float[n];
                    Int8Gemm.gemm(1, a, 0, k, w, null, new float[] {1f}, 0, colScale, null, false, got, 0, n, 1);
                    ScalarInt8.gemm(1, a, 0, k, w, null, new float[] {1f}, 0, colScale, null, false, want, 0, n);
                    assertArrayEquals(want, got, "k=" + k + " n=" + n + " extreme " + extreme);
                }
            }
        }
    }

    /** All -128, all 127 and alternating extremes: sums of k * 128 * 128 and their neighbours. */
    @Test
    void extremeValuesGiveExactSums() {
        for (int k : new int[] {1, 17, 784, 4099}) {
            for (int m : new int[] {1, 3, 65}) {
                int n = 67;
                for (int pattern = 0; pattern < 3; pattern++) {
                    byte[] a = new byte[m * k];
                    byte[] b = new byte[k * n];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = pattern == 1 ? 127 : pattern == 0 || i % 2 == 0 ? (byte) -128 : 127;
                    }
                    for (int i = 0; i < b.length; i++) {
                        b[i] = pattern == 1 ? 127 : pattern == 0 || (i / n) % 2 == 0 ? (byte) -128 : 127;
                    }
                    Int8Matrix w = Int8Matrix.pack(k, n, b, 0, n);
                    float[] rowScale = new float[m];
                    Arrays.fill(rowScale, 1f);
                    float[] colScale = new float[n];
                    Arrays.fill(colScale, 1f);
                    float[] got = new float[m * n];
                    float[] want = new float[m * n];
                    Int8Gemm.gemm(m, a, 0, k, w, null, rowScale, 0, colScale, null, false, got, 0, n, 1);
                    ScalarInt8.gemm(m, a, 0, k, w, null, rowScale, 0, colScale, null, false, want, 0, n);
                    assertArrayEquals(want, got, "k=" + k + " m=" + m + " pattern " + pattern);
                    if (pattern == 0) {
                        assertEquals((float) (k * 16384), got[0], "the float of the exact sum");
                    }
                    // requantized with a multiplier that leaves the int range to the clamp
                    float[] mult = new float[n];
                    Arrays.fill(mult, 1e-3f);
                    byte[] q = new byte[m * n];
                    byte[] qWant = new byte[m * n];
                    Int8Gemm.gemm(m, a, 0, k, w, null, mult, 3, true, q, 0, n, 2);
                    ScalarInt8.gemm(m, a, 0, k, w, null, mult, 3, true, qWant, 0, n);
                    assertArrayEquals(qWant, q, "requantized k=" + k + " m=" + m + " pattern " + pattern);
                }
            }
        }
    }

    /** Halves round to even, both signs; the clamp bounds with and without relu; a NaN multiplier. */
    @Test
    void roundsHalvesToEvenAndClamps() {
        int n = 40;
        byte[] b = new byte[n];
        for (int j = 0; j < n; j++) {
            b[j] = (byte) (j - 20);
        }
        Int8Matrix w = Int8Matrix.pack(1, n, b, 0, n);
        float[] half = new float[n];
        Arrays.fill(half, 0.5f);
        byte[] c = new byte[n];
        Int8Gemm.gemm(1, new byte[] {1}, 0, 1, w, null, half, 0, false, c, 0, n, 1);
        // (j - 20) / 2: -10, -9.5 -> -10, -9, -8.5 -> -8, ... 0.5 -> 0, 1.5 -> 2
        for (int j = 0; j < n; j++) {
            assertEquals((int) Math.rint((j - 20) * 0.5), c[j], "column " + j);
        }
        float[] big = new float[n];
        Arrays.fill(big, 1000f);
        Int8Gemm.gemm(1, new byte[] {1}, 0, 1, w, null, big, -128, false, c, 0, n, 1);
        assertEquals(-128, c[0]);
        assertEquals(-128, c[20]);
        assertEquals(127, c[21]);
        Int8Gemm.gemm(1, new byte[] {1}, 0, 1, w, null, big, 127, false, c, 0, n, 1);
        assertEquals(-128, c[0]);
        assertEquals(127, c[20]);
        Int8Gemm.gemm(1, new byte[] {1}, 0, 1, w, null, big, 10, true, c, 0, n, 1);
        assertEquals(10, c[0], "relu's floor is the zero point");
        assertEquals(127, c[39]);
        float[] nan = new float[n];
        Arrays.fill(nan, Float.NaN);
        Int8Gemm.gemm(1, new byte[] {1}, 0, 1, w, null, nan, 5, false, c, 0, n, 1);
        assertEquals(-128, c[3], "a NaN multiplier gives the lower bound");
        byte[] want = new byte[n];
        ScalarInt8.gemm(1, new byte[] {1}, 0, 1, w, null, nan, 5, false, want, 0, n);
        assertArrayEquals(want, c);
    }

    @Test
    void largeProductsAgreeAcrossThreadCounts() {
        Case t = random(300, 1024, 1000, 5);
        byte[] one = requantize(t, t.offset, 3, false, 1);
        assertArrayEquals(reference(t, t.offset, 3, false), one);
        assertArrayEquals(one, requantize(t, t.offset, 3, false, 2));
        assertArrayEquals(one, requantize(t, t.offset, 3, false, 7));
    }

    @Test
    void packKeepsTheMatrixAndItsColumnSums() {
        SplittableRandom r = new SplittableRandom(3);
        for (int k : K) {
            for (int n : new int[] {1, 17, 64, 257}) {
                byte[] b = randomBytes(r, 2 + k * (n + 1));
                Int8Matrix w = Int8Matrix.pack(k, n, b, 2, n + 1);
                byte[] back = new byte[k * n + 3];
                w.unpack(back, 3);
                int[] sums = new int[n];
                for (int p = 0; p < k; p++) {
                    for (int j = 0; j < n; j++) {
                        byte bpj = b[2 + p * (n + 1) + j];
                        assertEquals(bpj, w.get(p, j));
                        assertEquals(bpj, back[3 + p * n + j]);
                        sums[j] += bpj;
                    }
                }
                assertArrayEquals(sums, w.columnSums());
                assertEquals(k, w.k());
                assertEquals(n, w.n());
                assertEquals(true, w.bytes() >= (long) k * n);
            }
        }
    }

    @Test
    void badArgumentsNameTheValues() {
        Int8Matrix w = Int8Matrix.pack(4, 3, new byte[12], 0, 3);
        byte[] a = new byte[8];
        byte[] c = new byte[6];
        float[] mult = new float[3];
        assertMessage("k must be >= 1, got 0", () -> Int8Matrix.pack(0, 3, new byte[3], 0, 3));
        assertMessage("n must be >= 1, got -1", () -> Int8Matrix.pack(3, -1, new byte[3], 0, 3));
        assertMessage("B is null", () -> Int8Matrix.pack(3, 3, null, 0, 3));
        assertMessage("leading dimension must be >= 3, got 2", () -> Int8Matrix.pack(3, 3, new byte[9], 0, 2));
        assertMessage("which needs 10 bytes, but the array has 9", () -> Int8Matrix.pack(3, 3, new byte[9], 1, 3));
        assertMessage("(4, 0) is outside the 4x3 matrix", () -> w.get(4, 0));
        assertMessage("dst needs 12 bytes from offset 1, but the array has 12", () -> w.unpack(new byte[12], 1));
        assertMessage("the packed B is null", () -> Int8Gemm.gemm(2, a, 0, 4, null, null, mult, 0, false, c, 0, 3, 1));
        assertMessage("m must be >= 1, got 0", () -> Int8Gemm.gemm(0, a, 0, 4, w, null, mult, 0, false, c, 0, 3, 1));
        assertMessage("A is null", () -> Int8Gemm.gemm(2, null, 0, 4, w, null, mult, 0, false, c, 0, 3, 1));
        assertMessage("leading dimension must be >= 4, got 3",
                () -> Int8Gemm.gemm(2, a, 0, 3, w, null, mult, 0, false, c, 0, 3, 1));
        assertMessage("A is 2x4 with leading dimension 4 at offset 1, which needs 9 bytes, but the array has 8",
                () -> Int8Gemm.gemm(2, a, 1, 4, w, null, mult, 0, false, c, 0, 3, 1));
        assertMessage("offset has 2 ints, fewer than n = 3",
                () -> Int8Gemm.gemm(2, a, 0, 4, w, new int[2], mult, 0, false, c, 0, 3, 1));
        assertMessage("multiplier is null", () -> Int8Gemm.gemm(2, a, 0, 4, w, null, null, 0, false, c, 0, 3, 1));
        assertMessage("multiplier has 2 floats, fewer than n = 3",
                () -> Int8Gemm.gemm(2, a, 0, 4, w, null, new float[2], 0, false, c, 0, 3, 1));
        assertMessage("outZeroPoint must be in [-128, 127], got 128",
                () -> Int8Gemm.gemm(2, a, 0, 4, w, null, mult, 128, false, c, 0, 3, 1));
        assertMessage("outZeroPoint must be in [-128, 127], got -129",
                () -> Int8Gemm.gemm(2, a, 0, 4, w, null, mult, -129, false, c, 0, 3, 1));
        assertMessage("C is null", () -> Int8Gemm.gemm(2, a, 0, 4, w, null, mult, 0, false, null, 0, 3, 1));
        assertMessage("C is 2x3 (row-major as stored), so its leading dimension must be >= 3, got 2",
                () -> Int8Gemm.gemm(2, a, 0, 4, w, null, mult, 0, false, c, 0, 2, 1));
        assertMessage("needs 7 bytes, but the array has 6",
                () -> Int8Gemm.gemm(2, a, 0, 4, w, null, mult, 0, false, c, 1, 3, 1));
        assertMessage("C [2, 8) overlaps A [0, 8) in the same array",
                () -> Int8Gemm.gemm(2, a, 0, 4, w, null, mult, 0, false, a, 2, 3, 1));
        assertMessage("threads must be >= 1, got 0",
                () -> Int8Gemm.gemm(2, a, 0, 4, w, null, mult, 0, false, c, 0, 3, 0));
        float[] f = new float[6];
        float[] rs = new float[2];
        float[] cs = new float[3];
        assertMessage("rowScale needs 2 floats from offset 1, but the array has 2",
                () -> Int8Gemm.gemm(2, a, 0, 4, w, null, rs, 1, cs, null, false, f, 0, 3, 1));
        assertMessage("rowScale is null",
                () -> Int8Gemm.gemm(2, a, 0, 4, w, null, null, 0, cs, null, false, f, 0, 3, 1));
        assertMessage("colScale has 2 floats, fewer than n = 3",
                () -> Int8Gemm.gemm(2, a, 0, 4, w, null, rs, 0, new float[2], null, false, f, 0, 3, 1));
        assertMessage("bias has 1 floats, fewer than n = 3",
                () -> Int8Gemm.gemm(2, a, 0, 4, w, null, rs, 0, cs, new float[1], false, f, 0, 3, 1));
        assertMessage("needs 7 floats, but the array has 6",
                () -> Int8Gemm.gemm(2, a, 0, 4, w, null, rs, 0, cs, null, false, f, 1, 3, 1));
        assertMessage("C [0, 6) overlaps bias [0, 3) in the same array",
                () -> Int8Gemm.gemm(2, a, 0, 4, w, null, rs, 0, cs, f, false, f, 0, 3, 1));
        assertMessage("C [0, 6) overlaps colScale [0, 3) in the same array",
                () -> Int8Gemm.gemm(2, a, 0, 4, w, null, rs, 0, f, null, false, f, 0, 3, 1));
        assertMessage("threads must be >= 1, got -2",
                () -> Int8Gemm.gemm(2, a, 0, 4, w, null, rs, 0, cs, null, false, f, 0, 3, -2));
    }
}
