package dev.isthmus.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GemmTest {

    /** Awkward sizes: 1, primes, one past the register block, past KC and MC, skinny shapes. */
    static Stream<Arguments> shapes() {
        int[][] mnk = {
            {1, 1, 1}, {1, 3, 13}, {3, 1, 17}, {13, 17, 31}, {6, 32, 256}, {7, 33, 257}, {5, 31, 255},
            {1, 256, 784}, {1, 207, 1021}, {64, 256, 784}, {97, 130, 300}, {207, 13, 520}, {16, 1021, 3},
            {300, 70, 600},
        };
        List<Arguments> out = new ArrayList<>();
        for (int[] s : mnk) {
            for (int t = 0; t < 4; t++) {
                out.add(Arguments.of(s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0));
            }
        }
        return out.stream();
    }

    private record Case(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        Case copy() {
            return new Case(a, aOff, lda, b, bOff, ldb, c.clone(), cOff, ldc);
        }
    }

    /** Operands with offsets and padded leading dimensions; C padding holds values that must survive. */
    private static Case random(int m, int n, int k, boolean ta, boolean tb, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int lda = (ta ? m : k) + 3;
        int ldb = (tb ? k : n) + 1;
        int ldc = n + 2;
        float[] a = new float[5 + (ta ? k : m) * lda];
        float[] b = new float[2 + (tb ? n : k) * ldb];
        float[] c = new float[7 + m * ldc + 4];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextDouble(-1, 1);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextDouble(-1, 1);
        }
        for (int i = 0; i < c.length; i++) {
            c[i] = (float) r.nextDouble(-1, 1);
        }
        return new Case(a, 5, lda, b, 2, ldb, c, 7, ldc);
    }

    /** The error bound of a k-term float dot product: k ulps of the sum of absolute terms, plus slack. */
    private static void assertClose(Case ref, Case got, int m, int n, int k) {
        float tolerance = 4e-7f * (k + 2) * 2;
        for (int i = 0; i < got.c.length; i++) {
            int row = (i - got.cOff) / got.ldc;
            int col = (i - got.cOff) % got.ldc;
            boolean inside = i >= got.cOff && row < m && col < n;
            if (inside) {
                assertEquals(ref.c[i], got.c[i], tolerance, "C[" + row + "][" + col + "]");
            } else {
                assertEquals(ref.c[i], got.c[i], 0f, "padding at " + i + " was written");
            }
        }
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("shapes")
    void matchesTheScalarReference(int m, int n, int k, boolean ta, boolean tb) {
        for (float[] ab : new float[][] {{1f, 0f}, {0.7f, 0.3f}, {-1.5f, 1f}}) {
            Case ref = random(m, n, k, ta, tb, 31L * m + n + k);
            Case got = ref.copy();
            ScalarGemm.sgemm(ta, tb, m, n, k, ab[0], ref.a, ref.aOff, ref.lda, ref.b, ref.bOff, ref.ldb,
                    ab[1], ref.c, ref.cOff, ref.ldc);
            Gemm.sgemm(ta, tb, m, n, k, ab[0], got.a, got.aOff, got.lda, got.b, got.bOff, got.ldb,
                    ab[1], got.c, got.cOff, got.ldc);
            assertClose(ref, got, m, n, k);
        }
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("shapes")
    void resultsDoNotDependOnTheThreadCount(int m, int n, int k, boolean ta, boolean tb) {
        Case one = random(m, n, k, ta, tb, 7);
        Case two = one.copy();
        Case three = one.copy();
        VectorGemm.sgemm(ta, tb, m, n, k, 0.5f, one.a, one.aOff, one.lda, one.b, one.bOff, one.ldb,
                0.25f, one.c, one.cOff, one.ldc, 1);
        VectorGemm.sgemm(ta, tb, m, n, k, 0.5f, two.a, two.aOff, two.lda, two.b, two.bOff, two.ldb,
                0.25f, two.c, two.cOff, two.ldc, 2);
        VectorGemm.sgemm(ta, tb, m, n, k, 0.5f, three.a, three.aOff, three.lda, three.b, three.bOff, three.ldb,
                0.25f, three.c, three.cOff, three.ldc, 3);
        assertArrayEquals(one.c, two.c);
        assertArrayEquals(one.c, three.c);
    }

    @Test
    void largeProductSplitAcrossThreadsMatchesReference() {
        int m = 300, n = 1100, k = 530;
        Case ref = random(m, n, k, false, false, 99);
        Case got = ref.copy();
        ScalarGemm.sgemm(false, false, m, n, k, 1f, ref.a, ref.aOff, ref.lda, ref.b, ref.bOff, ref.ldb,
                0f, ref.c, ref.cOff, ref.ldc);
        VectorGemm.sgemm(false, false, m, n, k, 1f, got.a, got.aOff, got.lda, got.b, got.bOff, got.ldb,
                0f, got.c, got.cOff, got.ldc, 2);
        assertClose(ref, got, m, n, k);
    }

    @Test
    void betaZeroOverwritesNaNAndKZeroOnlyScales() {
        float[] a = {1, 2, 3, 4};
        float[] b = {1, 0, 0, 1};
        float[] c = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        Gemm.sgemm(false, false, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2);
        assertArrayEquals(new float[] {1, 2, 3, 4}, c);
        float[] d = {1, 2, 3, 4};
        Gemm.sgemm(false, false, 2, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 3f, d, 0, 2);
        assertArrayEquals(new float[] {3, 6, 9, 12}, d);
        float[] e = {1, 2, 3, 4};
        Gemm.sgemm(false, false, 2, 2, 2, 0f, a, 0, 2, b, 0, 2, 0.5f, e, 0, 2);
        assertArrayEquals(new float[] {0.5f, 1, 1.5f, 2}, e);
    }

    @Test
    void emptyProductsTouchNothing() {
        float[] c = {5};
        Gemm.sgemm(false, false, 0, 1, 3, 1f, new float[0], 0, 3, new float[3], 0, 1, 0f, c, 0, 1);
        Gemm.sgemm(false, false, 1, 0, 3, 1f, new float[3], 0, 3, new float[0], 0, 1, 0f, c, 0, 1);
        assertArrayEquals(new float[] {5}, c);
    }

    @Test
    void badArgumentsNameTheValues() {
        float[] a = new float[6];
        float[] b = new float[6];
        float[] c = new float[4];
        assertMessage("-1", () -> Gemm.sgemm(false, false, -1, 2, 3, 1f, a, 0, 3, b, 0, 2, 0f, c, 0, 2));
        assertMessage("leading dimension", () -> Gemm.sgemm(false, false, 2, 2, 3, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2), "got 2");
        assertMessage("7", () -> Gemm.sgemm(false, false, 2, 2, 3, 1f, a, 1, 3, b, 0, 2, 0f, c, 0, 2));
        assertMessage("B", () -> Gemm.sgemm(false, false, 2, 2, 3, 1f, a, 0, 3, new float[5], 0, 2, 0f, c, 0, 2));
        assertMessage("C", () -> Gemm.sgemm(false, false, 2, 2, 3, 1f, a, 0, 3, b, 0, 2, 0f, new float[3], 0, 2));
        assertMessage("null", () -> Gemm.sgemm(false, false, 2, 2, 3, 1f, null, 0, 3, b, 0, 2, 0f, c, 0, 2));
        assertMessage("-2", () -> Gemm.sgemm(false, false, 2, 2, 3, 1f, a, -2, 3, b, 0, 2, 0f, c, 0, 2));
        float[] shared = new float[16];
        assertMessage("overlaps", () -> Gemm.sgemm(false, false, 2, 2, 2, 1f, shared, 0, 2, shared, 8, 2, 0f,
                shared, 2, 2));
        // transposed A is k x m: lda must cover m, not k
        assertMessage("3", () -> Gemm.sgemm(true, false, 3, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, new float[6], 0, 2));
    }

    private static void assertMessage(String expected, Runnable call, String... more) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        for (String s : more) {
            assertTrue(e.getMessage().contains(s), e.getMessage());
        }
    }

    /** m=3 runs the skinny path, m=97 the packed one; with 2 threads each splits. */
    @ParameterizedTest(name = "m={0} n={1} threads={2} {3}")
    @MethodSource("epilogueCases")
    void epilogueEqualsProductThenBiasThenActivation(int m, int n, int threads, Activation f) {
        int k = 300;
        Case plain = random(m, n, k, false, false, m + n);
        Case fused = plain.copy();
        float[] bias = new float[n + 3];
        SplittableRandom r = new SplittableRandom(4);
        for (int j = 0; j < bias.length; j++) {
            bias[j] = (float) r.nextDouble(-2, 2);
        }
        VectorGemm.sgemm(false, false, m, n, k, 0.5f, plain.a, plain.aOff, plain.lda, plain.b, plain.bOff, plain.ldb,
                0.25f, plain.c, plain.cOff, plain.ldc, threads);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int idx = plain.cOff + i * plain.ldc + j;
                plain.c[idx] = ScalarActivations.value(f, plain.c[idx] + bias[3 + j]);
            }
        }
        VectorGemm.sgemm(false, false, m, n, k, 0.5f, fused.a, fused.aOff, fused.lda, fused.b, fused.bOff, fused.ldb,
                0.25f, fused.c, fused.cOff, fused.ldc, bias, 3, f, threads);
        for (int i = 0; i < fused.c.length; i++) {
            assertEquals(plain.c[i], fused.c[i], 4 * Math.ulp(plain.c[i]) + 1e-6f, "C at " + i);
        }
    }

    static Stream<Arguments> epilogueCases() {
        List<Arguments> out = new ArrayList<>();
        for (int[] mn : new int[][] {{3, 70}, {97, 130}, {40, 10}}) {
            for (int threads : new int[] {1, 2}) {
                for (Activation f : List.of(Activation.IDENTITY, Activation.RELU, Activation.SIGMOID, Activation.elu(1f))) {
                    out.add(Arguments.of(mn[0], mn[1], threads, f));
                }
            }
        }
        return out.stream();
    }

    @Test
    void epilogueArgumentsAreChecked() {
        float[] a = new float[6];
        float[] b = new float[6];
        float[] c = new float[4];
        assertMessage("bias", () -> Gemm.sgemm(false, false, 2, 2, 3, 1f, a, 0, 3, b, 0, 2, 0f, c, 0, 2,
                new float[1], 0, Activation.RELU));
        assertMessage("activation", () -> Gemm.sgemm(false, false, 2, 2, 3, 1f, a, 0, 3, b, 0, 2, 0f, c, 0, 2,
                null, 0, null));
    }

    @Test
    void theSameMatrixInALongerArrayRoundsTheSame() {
        int m = 4, n = 63, k = 27;
        float[] a = new float[m * k];
        float[] tight = new float[k * n];
        SplittableRandom r = new SplittableRandom(12);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextDouble(-1, 1);
        }
        for (int i = 0; i < tight.length; i++) {
            tight[i] = (float) r.nextDouble(-1, 1);
        }
        float[] roomy = java.util.Arrays.copyOf(tight, tight.length + 5);
        float[] c1 = new float[m * n];
        float[] c2 = new float[m * n];
        Gemm.sgemm(false, false, m, n, k, 1f, a, 0, k, tight, 0, n, 0f, c1, 0, n);
        Gemm.sgemm(false, false, m, n, k, 1f, a, 0, k, roomy, 0, n, 0f, c2, 0, n);
        assertArrayEquals(c1, c2);
    }

    /**
     * One row against a B beyond L2 streams whole rows of B (one thread); split over two threads
     * each half is small enough for the register blocks. Same chain of FMAs: same bits.
     */
    @Test
    void oneRowStreamingMatchesReferenceAndTheBlockedKernel() {
        int m = 1, n = 1100, k = 600;
        Case ref = random(m, n, k, false, false, 77);
        Case one = ref.copy();
        Case two = ref.copy();
        ScalarGemm.sgemm(false, false, m, n, k, 0.5f, ref.a, ref.aOff, ref.lda, ref.b, ref.bOff, ref.ldb,
                0.25f, ref.c, ref.cOff, ref.ldc);
        VectorGemm.sgemm(false, false, m, n, k, 0.5f, one.a, one.aOff, one.lda, one.b, one.bOff, one.ldb,
                0.25f, one.c, one.cOff, one.ldc, 1);
        VectorGemm.sgemm(false, false, m, n, k, 0.5f, two.a, two.aOff, two.lda, two.b, two.bOff, two.ldb,
                0.25f, two.c, two.cOff, two.ldc, 2);
        assertClose(ref, one, m, n, k);
        assertArrayEquals(one.c, two.c);
    }

    /** As in BLAS, alpha == 0 reads neither A nor B: NaN there does not reach C, in the kernel or its oracle. */
    @Test
    void alphaZeroReadsNeitherOperand() {
        float[] a = {Float.NaN, 1f, 1f, 1f};
        float[] b = {1f, 1f, 1f, 1f};
        float[] ref = {1, 2, 3, 4};
        float[] got = ref.clone();
        ScalarGemm.sgemm(false, false, 2, 2, 2, 0f, a, 0, 2, b, 0, 2, 0.5f, ref, 0, 2);
        Gemm.sgemm(false, false, 2, 2, 2, 0f, a, 0, 2, b, 0, 2, 0.5f, got, 0, 2);
        assertArrayEquals(new float[] {0.5f, 1f, 1.5f, 2f}, ref);
        assertArrayEquals(ref, got);
    }

    @Test
    void biasInsideCIsRejected() {
        float[] shared = new float[16];
        assertMessage("bias", () -> Gemm.sgemm(false, false, 2, 2, 2, 1f, new float[4], 0, 2, new float[4], 0, 2,
                0f, shared, 0, 2, shared, 1, Activation.IDENTITY));
    }
}
