package dev.isthmus.blas;

import static dev.isthmus.blas.Layout.COL_MAJOR;
import static dev.isthmus.blas.Layout.ROW_MAJOR;
import static dev.isthmus.blas.Transpose.NO_TRANS;
import static dev.isthmus.blas.Transpose.TRANS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every binding against a scalar reference that accumulates in double.
 *
 * <p>Tolerances follow the standard error bound of a float dot product of k terms, about
 * {@code k * u * sum|terms|} with {@code u = 2^-24}, plus one rounding each for alpha, beta and the
 * final add, doubled for slack. That is tight enough that one wrong, missing or doubled term fails,
 * unlike a fixed epsilon. Operations that round once per element (sscal, somatcopy) must be exact.
 */
class BlasTest {
    static {
        TestCache.isolate();
    }

    /** Unit roundoff of float. */
    private static final double U = 0x1p-24;

    /** 1, small primes and sizes around SIMD widths; 0 is covered by dedicated cases. */
    private static final int[] SIZES = {1, 2, 3, 7, 13, 17, 31, 61, 127};
    private static final float[] ALPHAS = {1f, 0f, -1f, 0.37f, 2.5f};
    private static final float[] BETAS = {0f, 1f, -0.5f, 1.75f};

    static double bound(int terms, double scale) {
        return 2.0 * (terms + 3) * U * scale;
    }

    // ------------------------------------------------------------------ storage helpers

    static int at(Layout layout, int off, int ld, int i, int j) {
        return layout == ROW_MAJOR ? off + i * ld + j : off + j * ld + i;
    }

    static int minLd(Layout layout, int rows, int cols) {
        return Math.max(1, layout == ROW_MAJOR ? cols : rows);
    }

    static int span(Layout layout, int rows, int cols, int ld) {
        if (rows == 0 || cols == 0) {
            return 0;
        }
        return layout == ROW_MAJOR ? (rows - 1) * ld + cols : (cols - 1) * ld + rows;
    }

    static float[] randomArray(Random r, int length) {
        float[] a = new float[length];
        for (int i = 0; i < length; i++) {
            a[i] = r.nextFloat() * 2 - 1;
        }
        return a;
    }

    /** Fails on the first element outside {@code window} whose bits changed. */
    static void assertUntouched(float[] before, float[] after, boolean[] window, String what) {
        assertEquals(before.length, after.length);
        for (int i = 0; i < before.length; i++) {
            if (!window[i] && Float.floatToRawIntBits(before[i]) != Float.floatToRawIntBits(after[i])) {
                fail(what + ": element " + i + " outside the written window changed from " + before[i] + " to " + after[i]);
            }
        }
    }

    static void assertClose(double expected, float got, double tol, String where) {
        if (!(Math.abs(got - expected) <= tol)) {
            fail(where + ": expected " + expected + " +- " + tol + ", got " + got);
        }
    }

    private static int pick(Random r) {
        return SIZES[r.nextInt(SIZES.length)];
    }

    private static int maybe(Random r, int max) {
        return r.nextBoolean() ? 1 + r.nextInt(max) : 0;
    }

    // ------------------------------------------------------------------ sgemm

    record GemmCase(Layout layout, Transpose ta, Transpose tb, int m, int n, int k, float alpha, float beta,
                    int padA, int padB, int padC, int aOff, int bOff, int cOff, long seed) {}

    static Stream<GemmCase> gemmCases() {
        Random r = new Random(0x5E_6E_AAL);
        List<GemmCase> cases = new ArrayList<>();
        for (Layout layout : Layout.values()) {
            for (Transpose ta : Transpose.values()) {
                for (Transpose tb : Transpose.values()) {
                    for (int rep = 0; rep < 8; rep++) {
                        cases.add(gemmCase(r, layout, ta, tb, pick(r), pick(r), pick(r),
                                ALPHAS[rep % ALPHAS.length], BETAS[rep % BETAS.length]));
                    }
                    // Empty C is a no-op; k = 0 leaves C = beta * C.
                    cases.add(gemmCase(r, layout, ta, tb, 0, pick(r), pick(r), 1.5f, -0.5f));
                    cases.add(gemmCase(r, layout, ta, tb, pick(r), 0, pick(r), 1.5f, -0.5f));
                    cases.add(gemmCase(r, layout, ta, tb, pick(r), pick(r), 0, 1.5f, -0.5f));
                    cases.add(gemmCase(r, layout, ta, tb, pick(r), pick(r), 0, 1.5f, 0f));
                }
            }
        }
        return cases.stream();
    }

    private static GemmCase gemmCase(Random r, Layout layout, Transpose ta, Transpose tb, int m, int n, int k,
                                     float alpha, float beta) {
        return new GemmCase(layout, ta, tb, m, n, k, alpha, beta, maybe(r, 4), maybe(r, 4), maybe(r, 4),
                maybe(r, 9), maybe(r, 9), maybe(r, 9), r.nextLong());
    }

    /** Arrays of one GEMM problem, C pre-filled so that untouched elements can be recognised. */
    record GemmData(float[] a, int lda, float[] b, int ldb, float[] c, int ldc, boolean[] window) {}

    static GemmData gemmData(Random r, Layout layout, Transpose ta, Transpose tb, int m, int n, int k,
                             float beta, int padA, int padB, int padC, int aOff, int bOff, int cOff) {
        int aRows = ta == TRANS ? k : m, aCols = ta == TRANS ? m : k;
        int bRows = tb == TRANS ? n : k, bCols = tb == TRANS ? k : n;
        int lda = minLd(layout, aRows, aCols) + padA;
        int ldb = minLd(layout, bRows, bCols) + padB;
        int ldc = minLd(layout, m, n) + padC;
        float[] a = randomArray(r, aOff + span(layout, aRows, aCols, lda) + r.nextInt(3));
        float[] b = randomArray(r, bOff + span(layout, bRows, bCols, ldb) + r.nextInt(3));
        float[] c = randomArray(r, cOff + span(layout, m, n, ldc) + r.nextInt(3));
        boolean[] window = new boolean[c.length];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int idx = at(layout, cOff, ldc, i, j);
                window[idx] = true;
                if (beta == 0) {
                    c[idx] = Float.NaN; // with beta = 0, BLAS must not read C
                }
            }
        }
        return new GemmData(a, lda, b, ldb, c, ldc, window);
    }

    /** Checks {@code after} = alpha op(A) op(B) + beta {@code before} inside the window, and nothing else changed. */
    static void checkGemm(String what, Layout layout, Transpose ta, Transpose tb, int m, int n, int k,
                          float alpha, float beta, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                          float[] before, float[] after, int cOff, int ldc, boolean[] window) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    float av = ta == TRANS ? a[at(layout, aOff, lda, p, i)] : a[at(layout, aOff, lda, i, p)];
                    float bv = tb == TRANS ? b[at(layout, bOff, ldb, j, p)] : b[at(layout, bOff, ldb, p, j)];
                    double prod = (double) av * bv;
                    sum += prod;
                    abs += Math.abs(prod);
                }
                int idx = at(layout, cOff, ldc, i, j);
                double old = beta == 0 ? 0 : (double) beta * before[idx];
                double expected = alpha * sum + old;
                assertClose(expected, after[idx], bound(k, Math.abs(alpha) * abs + Math.abs(old)),
                        what + " C(" + i + "," + j + ")");
            }
        }
        assertUntouched(before, after, window, what + " C");
    }

    @ParameterizedTest
    @MethodSource("gemmCases")
    void sgemmMatchesReference(GemmCase t) {
        Random r = new Random(t.seed());
        GemmData d = gemmData(r, t.layout(), t.ta(), t.tb(), t.m(), t.n(), t.k(), t.beta(),
                t.padA(), t.padB(), t.padC(), t.aOff(), t.bOff(), t.cOff());
        float[] a0 = d.a().clone(), b0 = d.b().clone(), c0 = d.c().clone();

        Blas.sgemm(t.layout(), t.ta(), t.tb(), t.m(), t.n(), t.k(), t.alpha(), d.a(), t.aOff(), d.lda(),
                d.b(), t.bOff(), d.ldb(), t.beta(), d.c(), t.cOff(), d.ldc());

        assertArrayEquals(a0, d.a(), "A must not change");
        assertArrayEquals(b0, d.b(), "B must not change");
        checkGemm(t.toString(), t.layout(), t.ta(), t.tb(), t.m(), t.n(), t.k(), t.alpha(), t.beta(),
                d.a(), t.aOff(), d.lda(), d.b(), t.bOff(), d.ldb(), c0, d.c(), t.cOff(), d.ldc(), d.window());
    }

    @Test
    void sgemmAcceptsOneArrayAsBothInputs() {
        // Only the output may not alias an input: A * A^T reading one range twice is legal.
        Random r = new Random(11);
        int m = 13, k = 7;
        float[] a = randomArray(r, m * k);
        float[] c = new float[m * m];
        Blas.sgemm(ROW_MAJOR, NO_TRANS, TRANS, m, m, k, 1f, a, 0, k, a, 0, k, 0f, c, 0, m);
        checkGemm("A*A^T", ROW_MAJOR, NO_TRANS, TRANS, m, m, k, 1f, 0f, a, 0, k, a, 0, k,
                new float[m * m], c, 0, m, filled(m * m));
    }

    private static boolean[] filled(int n) {
        boolean[] w = new boolean[n];
        java.util.Arrays.fill(w, true);
        return w;
    }

    // ------------------------------------------------------------------ sgemm split into pieces

    record SplitCase(Transpose ta, Transpose tb, int m, int n, int k, float alpha, float beta, long seed) {}

    static Stream<SplitCase> splitCases() {
        // Rows split (m >= n) and columns split (n > m), into two even pieces and into four
        // pieces whose last one is thinner; max(m, n) >= 2 * MIN_SPLIT so all of them split.
        int[][] shapes = {{600, 64, 37}, {70, 700, 19}, {1031, 61, 13}, {45, 1029, 6}};
        List<SplitCase> cases = new ArrayList<>();
        long seed = 0x5B117;
        for (int s = 0; s < shapes.length; s++) {
            for (Transpose ta : Transpose.values()) {
                for (Transpose tb : Transpose.values()) {
                    boolean plain = (s + ta.ordinal() + tb.ordinal()) % 2 == 0;
                    cases.add(new SplitCase(ta, tb, shapes[s][0], shapes[s][1], shapes[s][2],
                            plain ? 1f : 0.75f, plain ? 0f : -1.25f, seed++));
                }
            }
        }
        return cases.stream();
    }

    /**
     * Splitting must compute every element of C once, from the right rows of op(A) and columns
     * of op(B): a wrong piece offset or a piece scaled by beta twice is off by O(1), far outside
     * the rounding bound.
     *
     * <p>It is deliberately not compared bit for bit with the single call. OpenBLAS picks its
     * kernels by problem size and tile position: with the Cooperlake kernels, pieces below
     * M*N*K = 10^6 go to the small-matrix kernels, which round beta * C + alpha * AB differently
     * (600x64x37 split in two changes about a third of C by an ulp or so); with the Haswell
     * kernels, even pieces of 2^31 flops (8192x512x512 split in two) differ from the single
     * call in the last bits. Both results are equally accurate, as this test checks.
     */
    @ParameterizedTest
    @MethodSource("splitCases")
    void splitSgemmMatchesReference(SplitCase t) {
        assertTrue(Math.max(t.m(), t.n()) >= 2 * Blas.MIN_SPLIT, "the case must be large enough to split");
        Random r = new Random(t.seed());
        int aOff = 5, bOff = 3, cOff = 7;
        GemmData d = gemmData(r, ROW_MAJOR, t.ta(), t.tb(), t.m(), t.n(), t.k(), t.beta(), 3, 2, 4, aOff, bOff, cOff);
        float[] c0 = d.c().clone();
        float[] whole = d.c().clone();
        float[] split = d.c().clone();

        Blas.sgemmPieces(t.ta(), t.tb(), t.m(), t.n(), t.k(), t.alpha(), d.a(), aOff, d.lda(), d.b(), bOff, d.ldb(),
                t.beta(), whole, cOff, d.ldc(), Long.MAX_VALUE);
        Blas.sgemmPieces(t.ta(), t.tb(), t.m(), t.n(), t.k(), t.alpha(), d.a(), aOff, d.lda(), d.b(), bOff, d.ldb(),
                t.beta(), split, cOff, d.ldc(), 1);

        checkGemm(t + " split", ROW_MAJOR, t.ta(), t.tb(), t.m(), t.n(), t.k(), t.alpha(), t.beta(),
                d.a(), aOff, d.lda(), d.b(), bOff, d.ldb(), c0, split, cOff, d.ldc(), d.window());
        checkGemm(t + " whole", ROW_MAJOR, t.ta(), t.tb(), t.m(), t.n(), t.k(), t.alpha(), t.beta(),
                d.a(), aOff, d.lda(), d.b(), bOff, d.ldb(), c0, whole, cOff, d.ldc(), d.window());
    }

    // ------------------------------------------------------------------ sgemv

    record GemvCase(Layout layout, Transpose trans, int m, int n, float alpha, float beta, int padA,
                    int aOff, int xOff, int incx, int yOff, int incy, long seed) {}

    static Stream<GemvCase> gemvCases() {
        Random r = new Random(0x6E3F);
        List<GemvCase> cases = new ArrayList<>();
        for (Layout layout : Layout.values()) {
            for (Transpose trans : Transpose.values()) {
                for (int rep = 0; rep < 8; rep++) {
                    cases.add(gemvCase(r, layout, trans, pick(r), pick(r),
                            ALPHAS[rep % ALPHAS.length], BETAS[rep % BETAS.length]));
                }
                cases.add(gemvCase(r, layout, trans, 0, pick(r), 1.5f, -0.5f));
                cases.add(gemvCase(r, layout, trans, pick(r), 0, 1.5f, -0.5f));
            }
        }
        return cases.stream();
    }

    private static GemvCase gemvCase(Random r, Layout layout, Transpose trans, int m, int n, float alpha, float beta) {
        return new GemvCase(layout, trans, m, n, alpha, beta, maybe(r, 4), maybe(r, 9),
                maybe(r, 9), 1 + r.nextInt(3), maybe(r, 9), 1 + r.nextInt(3), r.nextLong());
    }

    @ParameterizedTest
    @MethodSource("gemvCases")
    void sgemvMatchesReference(GemvCase t) {
        Random r = new Random(t.seed());
        boolean tr = t.trans() == TRANS;
        int xLen = tr ? t.m() : t.n(), yLen = tr ? t.n() : t.m();
        int lda = minLd(t.layout(), t.m(), t.n()) + t.padA();
        float[] a = randomArray(r, t.aOff() + span(t.layout(), t.m(), t.n(), lda) + r.nextInt(3));
        float[] x = randomArray(r, t.xOff() + (xLen == 0 ? 0 : (xLen - 1) * t.incx() + 1) + r.nextInt(3));
        float[] y = randomArray(r, t.yOff() + (yLen == 0 ? 0 : (yLen - 1) * t.incy() + 1) + r.nextInt(3));
        boolean[] window = new boolean[y.length];
        for (int i = 0; i < yLen; i++) {
            window[t.yOff() + i * t.incy()] = true;
            if (t.beta() == 0) {
                y[t.yOff() + i * t.incy()] = Float.NaN;
            }
        }
        float[] a0 = a.clone(), x0 = x.clone(), y0 = y.clone();

        Blas.sgemv(t.layout(), t.trans(), t.m(), t.n(), t.alpha(), a, t.aOff(), lda, x, t.xOff(), t.incx(),
                t.beta(), y, t.yOff(), t.incy());

        assertArrayEquals(a0, a, "A must not change");
        assertArrayEquals(x0, x, "x must not change");
        for (int i = 0; i < yLen; i++) {
            double sum = 0, abs = 0;
            for (int p = 0; p < xLen; p++) {
                float av = tr ? a[at(t.layout(), t.aOff(), lda, p, i)] : a[at(t.layout(), t.aOff(), lda, i, p)];
                double prod = (double) av * x[t.xOff() + p * t.incx()];
                sum += prod;
                abs += Math.abs(prod);
            }
            int idx = t.yOff() + i * t.incy();
            double old = t.beta() == 0 ? 0 : (double) t.beta() * y0[idx];
            assertClose(t.alpha() * sum + old, y[idx], bound(xLen, Math.abs(t.alpha()) * abs + Math.abs(old)),
                    t + " y[" + i + "]");
        }
        assertUntouched(y0, y, window, t + " y");
    }

    // ------------------------------------------------------------------ level 1

    record VecCase(int n, float alpha, int xOff, int incx, int yOff, int incy, long seed) {}

    static Stream<VecCase> vecCases() {
        Random r = new Random(0x1E7E1);
        List<VecCase> cases = new ArrayList<>();
        int[] sizes = {0, 1, 2, 3, 7, 13, 17, 31, 61, 127, 1000, 4099};
        for (int rep = 0; rep < 3; rep++) {
            for (int n : sizes) {
                cases.add(new VecCase(n, ALPHAS[(n + rep) % ALPHAS.length], maybe(r, 9), 1 + r.nextInt(3),
                        maybe(r, 9), 1 + r.nextInt(3), r.nextLong()));
            }
        }
        return cases.stream();
    }

    private record Vectors(float[] x, float[] y, boolean[] yWindow) {}

    private static Vectors vectors(VecCase t) {
        Random r = new Random(t.seed());
        int n = t.n();
        float[] x = randomArray(r, t.xOff() + (n == 0 ? 0 : (n - 1) * t.incx() + 1) + r.nextInt(3));
        float[] y = randomArray(r, t.yOff() + (n == 0 ? 0 : (n - 1) * t.incy() + 1) + r.nextInt(3));
        boolean[] window = new boolean[y.length];
        for (int i = 0; i < n; i++) {
            window[t.yOff() + i * t.incy()] = true;
        }
        return new Vectors(x, y, window);
    }

    @ParameterizedTest
    @MethodSource("vecCases")
    void saxpyMatchesReference(VecCase t) {
        Vectors v = vectors(t);
        float[] x0 = v.x().clone(), y0 = v.y().clone();
        Blas.saxpy(t.n(), t.alpha(), v.x(), t.xOff(), t.incx(), v.y(), t.yOff(), t.incy());
        assertArrayEquals(x0, v.x(), "x must not change");
        for (int i = 0; i < t.n(); i++) {
            int xi = t.xOff() + i * t.incx(), yi = t.yOff() + i * t.incy();
            double ax = (double) t.alpha() * x0[xi];
            assertClose(ax + y0[yi], v.y()[yi], bound(1, Math.abs(ax) + Math.abs(y0[yi])), t + " y[" + i + "]");
        }
        assertUntouched(y0, v.y(), v.yWindow(), t + " y");
    }

    @ParameterizedTest
    @MethodSource("vecCases")
    void sdotMatchesReference(VecCase t) {
        Vectors v = vectors(t);
        float[] x0 = v.x().clone(), y0 = v.y().clone();
        float got = Blas.sdot(t.n(), v.x(), t.xOff(), t.incx(), v.y(), t.yOff(), t.incy());
        double sum = 0, abs = 0;
        for (int i = 0; i < t.n(); i++) {
            double prod = (double) x0[t.xOff() + i * t.incx()] * y0[t.yOff() + i * t.incy()];
            sum += prod;
            abs += Math.abs(prod);
        }
        assertClose(sum, got, bound(t.n(), abs), t.toString());
        assertArrayEquals(x0, v.x());
        assertArrayEquals(y0, v.y());
    }

    @Test
    void sdotOfAVectorWithItselfIsItsSquaredNorm() {
        float[] x = {3, -1, 4, 1, -5, 9, 2, -6};
        assertEquals(173f, Blas.sdot(x.length, x, 0, 1, x, 0, 1));
        assertEquals(3 * 3 + 4 * 4 + 5 * 5 + 2 * 2, Blas.sdot(4, x, 0, 2, x, 0, 2));
    }

    @ParameterizedTest
    @MethodSource("vecCases")
    void sscalIsExact(VecCase t) {
        Vectors v = vectors(t);
        float[] x0 = v.x().clone();
        boolean[] window = new boolean[x0.length];
        Blas.sscal(t.n(), t.alpha(), v.x(), t.xOff(), t.incx());
        for (int i = 0; i < t.n(); i++) {
            int xi = t.xOff() + i * t.incx();
            window[xi] = true;
            // One correctly rounded product per element: nothing to tolerate.
            float expected = (float) ((double) t.alpha() * x0[xi]);
            if (expected != v.x()[xi]) {
                fail(t + " x[" + i + "]: expected " + expected + ", got " + v.x()[xi]);
            }
        }
        assertUntouched(x0, v.x(), window, t + " x");
    }

    @ParameterizedTest
    @MethodSource("vecCases")
    void snrm2MatchesReference(VecCase t) {
        Vectors v = vectors(t);
        float[] x0 = v.x().clone();
        float got = Blas.snrm2(t.n(), v.x(), t.xOff(), t.incx());
        double squares = 0;
        for (int i = 0; i < t.n(); i++) {
            double e = x0[t.xOff() + i * t.incx()];
            squares += e * e;
        }
        double expected = Math.sqrt(squares);
        assertClose(expected, got, bound(t.n(), expected), t.toString());
        assertArrayEquals(x0, v.x());
    }

    @Test
    void snrm2NeitherOverflowsNorUnderflows() {
        // The squares of 1e30 and 1e-30 lie far outside float's range, and so do those of values
        // near Float.MAX_VALUE (the norm itself, ~0.45 MAX_VALUE, does not); 1e-42 is subnormal.
        for (float scale : new float[] {1e30f, 1e-30f, Float.MAX_VALUE / 16, 1e-42f}) {
            float[] x = new float[9];
            java.util.Arrays.fill(x, 777f); // odd positions are skipped by the stride
            float[] used = {3 * scale, -3 * scale, 3 * scale, -3 * scale, 4 * scale};
            double squares = 0;
            for (int i = 0; i < used.length; i++) {
                x[2 * i] = used[i];
                squares += (double) used[i] * used[i];
            }
            double expected = Math.sqrt(squares);
            float got = Blas.snrm2(used.length, x, 0, 2);
            assertTrue(Float.isFinite(got) && got > 0, "scale " + scale + ": got " + got);
            // A subnormal result keeps fewer bits than a normal one; allow for its spacing.
            double tol = Math.max(bound(used.length, expected), Float.MIN_VALUE);
            assertClose(expected, got, tol, "scale " + scale);
        }
    }

    // ------------------------------------------------------------------ level 1/2 split into chunks

    @Test
    void levelOneCallsSpanningSeveralChunks() {
        int n = Blas.CHUNK_ELEMENTS + 37;
        Random r = new Random(24);
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            // Small integers: every partial sum stays an exact float whatever order OpenBLAS adds
            // in, so a skipped, repeated or shifted element changes the result.
            x[i] = r.nextInt(5) - 2;
            y[i] = r.nextInt(5) - 2;
        }
        // Markers around the chunk boundary and at the tail make any misplaced piece visible to snrm2.
        x[Blas.CHUNK_ELEMENTS - 1] = 555;
        x[Blas.CHUNK_ELEMENTS] = -777;
        x[n - 1] = 999;
        y[Blas.CHUNK_ELEMENTS - 1] = 1;
        y[Blas.CHUNK_ELEMENTS] = -1;
        y[n - 1] = 2;

        long dot = 0, squares = 0;
        for (int i = 0; i < n; i++) {
            dot += (long) x[i] * (long) y[i];
            squares += (long) x[i] * (long) x[i];
        }
        assertEquals((float) dot, Blas.sdot(n, x, 0, 1, y, 0, 1), "sdot");
        double norm = Math.sqrt(squares);
        assertEquals(norm, Blas.snrm2(n, x, 0, 1), 8 * U * norm, "snrm2");

        float[] y0 = y.clone();
        Blas.saxpy(n, 3f, x, 0, 1, y, 0, 1);
        for (int i = 0; i < n; i++) {
            if (y[i] != 3 * x[i] + y0[i]) {
                fail("saxpy: y[" + i + "] = " + y[i] + ", expected " + (3 * x[i] + y0[i]));
            }
        }
        Blas.sscal(n, -2f, y, 0, 1);
        for (int i = 0; i < n; i++) {
            if (y[i] != -2 * (3 * x[i] + y0[i])) {
                fail("sscal: y[" + i + "] = " + y[i] + ", expected " + -2 * (3 * x[i] + y0[i]));
            }
        }
    }

    @Test
    void levelTwoAndCopyCallsSpanningSeveralChunks() {
        // Two columns, so that rows of A are lda = 2 apart and a piece holds CHUNK_ELEMENTS / 2 rows.
        int rows = (Blas.CHUNK_ELEMENTS + 37) / 2;
        int n = 2 * rows;
        Random r = new Random(25);
        float[] a = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextInt(9) - 4;
            y[i] = r.nextInt(9) - 4;
        }
        float[] y0 = y.clone();
        float[] x = {3f, -1f};

        // rows x 2 times x: y is cut into pieces of rows of A.
        Blas.sgemv(ROW_MAJOR, NO_TRANS, rows, 2, 1f, a, 0, 2, x, 0, 1, 2f, y, 0, 1);
        for (int i = 0; i < rows; i++) {
            float expected = 3 * a[2 * i] - a[2 * i + 1] + 2 * y0[i];
            if (y[i] != expected) {
                fail("sgemv NO_TRANS: y[" + i + "] = " + y[i] + ", expected " + expected);
            }
        }
        // (2 x rows)^T times x: y is cut into pieces of columns of A.
        System.arraycopy(y0, 0, y, 0, n);
        Blas.sgemv(ROW_MAJOR, TRANS, 2, rows, 1f, a, 0, rows, x, 0, 1, 2f, y, 0, 1);
        for (int j = 0; j < rows; j++) {
            float expected = 3 * a[j] - a[rows + j] + 2 * y0[j];
            if (y[j] != expected) {
                fail("sgemv TRANS: y[" + j + "] = " + y[j] + ", expected " + expected);
            }
        }
        // rows x 2 into 2 x rows: each piece of rows of A lands in a piece of columns of B.
        Blas.somatcopy(ROW_MAJOR, TRANS, rows, 2, -1f, a, 0, 2, y, 0, rows);
        for (int i = 0; i < rows; i++) {
            if (y[i] != -a[2 * i] || y[rows + i] != -a[2 * i + 1]) {
                fail("somatcopy TRANS: row " + i + " of A went to " + y[i] + ", " + y[rows + i]);
            }
        }
        Blas.somatcopy(ROW_MAJOR, NO_TRANS, rows, 2, 2f, a, 0, 2, y, 0, 2);
        for (int i = 0; i < n; i++) {
            if (y[i] != 2 * a[i]) {
                fail("somatcopy NO_TRANS: b[" + i + "] = " + y[i] + ", expected " + 2 * a[i]);
            }
        }
    }

    // ------------------------------------------------------------------ somatcopy

    record CopyCase(Layout layout, Transpose trans, int rows, int cols, float alpha, int padA, int padB,
                    int aOff, int bOff, long seed) {}

    static Stream<CopyCase> copyCases() {
        Random r = new Random(0x0C0B1);
        float[] alphas = {1f, -1f, 0.3f, 0f, 2f};
        List<CopyCase> cases = new ArrayList<>();
        for (Layout layout : Layout.values()) {
            for (Transpose trans : Transpose.values()) {
                for (int rep = 0; rep < 6; rep++) {
                    int rows = rep == 4 ? 0 : pick(r), cols = rep == 5 ? 0 : pick(r);
                    cases.add(new CopyCase(layout, trans, rows, cols, alphas[rep % alphas.length],
                            rep % 2 == 0 ? 1 + r.nextInt(4) : 0, rep % 3 == 0 ? 1 + r.nextInt(4) : 0,
                            maybe(r, 9), maybe(r, 9), r.nextLong()));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("copyCases")
    void somatcopyIsExact(CopyCase t) {
        Random r = new Random(t.seed());
        boolean tr = t.trans() == TRANS;
        int bRows = tr ? t.cols() : t.rows(), bCols = tr ? t.rows() : t.cols();
        int lda = minLd(t.layout(), t.rows(), t.cols()) + t.padA();
        int ldb = minLd(t.layout(), bRows, bCols) + t.padB();
        float[] a = randomArray(r, t.aOff() + span(t.layout(), t.rows(), t.cols(), lda) + r.nextInt(3));
        float[] b = randomArray(r, t.bOff() + span(t.layout(), bRows, bCols, ldb) + r.nextInt(3));
        float[] a0 = a.clone(), b0 = b.clone();
        boolean[] window = new boolean[b.length];

        Blas.somatcopy(t.layout(), t.trans(), t.rows(), t.cols(), t.alpha(), a, t.aOff(), lda, b, t.bOff(), ldb);

        assertArrayEquals(a0, a, "A must not change");
        for (int i = 0; i < t.rows(); i++) {
            for (int j = 0; j < t.cols(); j++) {
                int bi = tr ? at(t.layout(), t.bOff(), ldb, j, i) : at(t.layout(), t.bOff(), ldb, i, j);
                window[bi] = true;
                float expected = (float) ((double) t.alpha() * a[at(t.layout(), t.aOff(), lda, i, j)]);
                if (expected != b[bi]) {
                    fail(t + " A(" + i + "," + j + ") went to " + b[bi] + ", expected " + expected);
                }
            }
        }
        assertUntouched(b0, b, window, t + " B");
    }

    // ------------------------------------------------------------------ library

    @Test
    void setThreadsChangesTheCount() {
        int before = Blas.threads();
        assertTrue(before >= 1, "threads() = " + before);
        try {
            Blas.setThreads(1);
            assertEquals(1, Blas.threads());
            // One thread still computes correctly.
            float[] a = {1, 2, 3, 4, 5, 6};
            float[] c = new float[4];
            Blas.sgemm(ROW_MAJOR, NO_TRANS, TRANS, 2, 2, 3, 1f, a, 0, 3, a, 0, 3, 0f, c, 0, 2);
            assertArrayEquals(new float[] {14, 32, 32, 77}, c);
        } finally {
            Blas.setThreads(before);
        }
        assertEquals(before, Blas.threads());
    }

    @Test
    void setThreadsRejectsLessThanOne() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> Blas.setThreads(0));
        assertTrue(zero.getMessage().contains("got 0"), zero.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> Blas.setThreads(-4));
        assertTrue(negative.getMessage().contains("-4"), negative.getMessage());
    }

    @Test
    void reportsTheLoadedLibrary() {
        assertTrue(Blas.available(), () -> "OpenBLAS did not load: " + Blas.unavailableReason().orElse("?"));
        assertEquals(Optional.empty(), Blas.unavailableReason());
        String core = Blas.coreName();
        assertFalse(core.isBlank(), "coreName() is blank");
        String config = Blas.config();
        assertTrue(config.contains("OpenBLAS"), config);
        Path path = Blas.libraryPath().orElseThrow(() -> new AssertionError("libraryPath() is empty"));
        assertTrue(path.isAbsolute() && Files.isRegularFile(path), path.toString());

        boolean explicit = notBlank(System.getProperty(OpenBlasLibrary.PATH_PROPERTY))
                || notBlank(System.getenv(OpenBlasLibrary.PATH_ENV));
        if (!explicit) {
            assertEquals(Optional.of("bundled"), Blas.librarySource());
            assertEquals(BundledOpenBlas.LIBRARY, path.getFileName().toString());
            // The cache root chosen by isthmus.cache.dir (TestCache) was honoured.
            Path root = Path.of(System.getProperty(BundledOpenBlas.CACHE_PROPERTY)).toAbsolutePath();
            assertTrue(path.startsWith(root), path + " is not under " + root);
            String version = BundledOpenBlas.version().orElseThrow();
            assertTrue(config.contains(version.substring(0, version.indexOf('-'))),
                    "config() " + config + " does not name the bundled version " + version);
        }
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    @Test
    void layoutAndTransposeCarryTheCblasConstants() {
        assertEquals(101, ROW_MAJOR.cblas);
        assertEquals(102, COL_MAJOR.cblas);
        assertEquals(111, NO_TRANS.cblas);
        assertEquals(112, TRANS.cblas);
    }
}
