package dev.isthmus.blas;

import static dev.isthmus.blas.Layout.COL_MAJOR;
import static dev.isthmus.blas.Layout.ROW_MAJOR;
import static dev.isthmus.blas.Transpose.NO_TRANS;
import static dev.isthmus.blas.Transpose.TRANS;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every invalid argument is an {@link IllegalArgumentException} raised before native code runs,
 * whose message names the argument (as the caller called it, in either layout) and the value
 * that is wrong; every boundary is probed from both sides, so a check that is off by one fails.
 *
 * <p>Shapes use distinct sizes (m = 5, n = 7, k = 3), so the numbers in a message identify which
 * dimension a check used.
 */
class BlasArgumentTest {
    static {
        TestCache.isolate();
    }

    private static final int M = 5, N = 7, K = 3;

    // ------------------------------------------------------------------ assertions

    /** The call fails with a message that names {@code name} and mentions every number given. */
    static void assertRejected(Executable call, String name, long... numbers) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        String message = e.getMessage();
        assertTrue(Pattern.compile("\\b" + Pattern.quote(name) + "\\b").matcher(message).find(),
                () -> "message does not name " + name + ": " + message);
        for (long number : numbers) {
            // As a whole number: "70" must not count as mentioning "7", nor "-3" as "3".
            Pattern p = Pattern.compile("(?<![\\w.-])" + Pattern.quote(Long.toString(number)) + "(?![\\w.])");
            assertTrue(p.matcher(message).find(), () -> "message does not mention " + number + ": " + message);
        }
    }

    /** Minimum leading dimension of a rows x cols matrix in {@code layout}. */
    static int minLd(Layout layout, int rows, int cols) {
        return Math.max(1, layout == ROW_MAJOR ? cols : rows);
    }

    /** Floats needed from index 0 for a rows x cols matrix at {@code off}. */
    static int need(Layout layout, int rows, int cols, int off, int ld) {
        return off + BlasTest.span(layout, rows, cols, ld);
    }

    static int needVector(int n, int off, int inc) {
        return off + (n == 0 ? 0 : (n - 1) * inc + 1);
    }

    // ------------------------------------------------------------------ call builders

    /** A valid sgemm call; tests break one field at a time. */
    static final class Gemm implements Executable, Cloneable {
        Layout layout;
        Transpose ta, tb;
        int m, n, k, aOff, bOff, cOff, lda, ldb, ldc;
        float[] a, b, c;

        static Gemm valid(Layout layout, Transpose ta, Transpose tb, int m, int n, int k, int off, int pad) {
            Gemm g = new Gemm();
            g.layout = layout;
            g.ta = ta;
            g.tb = tb;
            g.m = m;
            g.n = n;
            g.k = k;
            g.aOff = off;
            g.bOff = off + 1;
            g.cOff = off + 2;
            g.lda = minLd(layout, g.aRows(), g.aCols()) + pad;
            g.ldb = minLd(layout, g.bRows(), g.bCols()) + pad;
            g.ldc = minLd(layout, m, n) + pad;
            g.a = new float[g.needA()];
            g.b = new float[g.needB()];
            g.c = new float[g.needC()];
            return g;
        }

        int aRows() { return ta == TRANS ? k : m; }
        int aCols() { return ta == TRANS ? m : k; }
        int bRows() { return tb == TRANS ? n : k; }
        int bCols() { return tb == TRANS ? k : n; }
        int needA() { return need(layout, aRows(), aCols(), aOff, lda); }
        int needB() { return need(layout, bRows(), bCols(), bOff, ldb); }
        int needC() { return need(layout, m, n, cOff, ldc); }

        Gemm with(Consumer<Gemm> change) {
            try {
                Gemm g = (Gemm) clone();
                change.accept(g);
                return g;
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public void execute() {
            Blas.sgemm(layout, ta, tb, m, n, k, 1.5f, a, aOff, lda, b, bOff, ldb, 0.5f, c, cOff, ldc);
        }

        @Override
        public String toString() {
            return "sgemm " + layout + " " + ta + " " + tb;
        }
    }

    /** A valid sgemv call. */
    static final class Gemv implements Executable, Cloneable {
        Layout layout;
        Transpose trans;
        int m, n, aOff, lda, xOff, incx, yOff, incy;
        float[] a, x, y;

        static Gemv valid(Layout layout, Transpose trans, int m, int n) {
            Gemv g = new Gemv();
            g.layout = layout;
            g.trans = trans;
            g.m = m;
            g.n = n;
            g.aOff = 2;
            g.lda = minLd(layout, m, n) + 1;
            g.xOff = 1;
            g.incx = 2;
            g.yOff = 3;
            g.incy = 3;
            g.a = new float[need(layout, m, n, g.aOff, g.lda)];
            g.x = new float[needVector(g.xLen(), g.xOff, g.incx)];
            g.y = new float[needVector(g.yLen(), g.yOff, g.incy)];
            return g;
        }

        int xLen() { return trans == TRANS ? m : n; }
        int yLen() { return trans == TRANS ? n : m; }

        Gemv with(Consumer<Gemv> change) {
            try {
                Gemv g = (Gemv) clone();
                change.accept(g);
                return g;
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public void execute() {
            Blas.sgemv(layout, trans, m, n, 1.5f, a, aOff, lda, x, xOff, incx, 0.5f, y, yOff, incy);
        }

        @Override
        public String toString() {
            return "sgemv " + layout + " " + trans;
        }
    }

    /** A valid somatcopy call. */
    static final class Copy implements Executable, Cloneable {
        Layout layout;
        Transpose trans;
        int rows, cols, aOff, lda, bOff, ldb;
        float[] a, b;

        static Copy valid(Layout layout, Transpose trans, int rows, int cols) {
            Copy c = new Copy();
            c.layout = layout;
            c.trans = trans;
            c.rows = rows;
            c.cols = cols;
            c.aOff = 2;
            c.bOff = 3;
            c.lda = minLd(layout, rows, cols) + 1;
            c.ldb = minLd(layout, c.bRows(), c.bCols()) + 2;
            c.a = new float[need(layout, rows, cols, c.aOff, c.lda)];
            c.b = new float[need(layout, c.bRows(), c.bCols(), c.bOff, c.ldb)];
            return c;
        }

        int bRows() { return trans == TRANS ? cols : rows; }
        int bCols() { return trans == TRANS ? rows : cols; }

        Copy with(Consumer<Copy> change) {
            try {
                Copy c = (Copy) clone();
                change.accept(c);
                return c;
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public void execute() {
            Blas.somatcopy(layout, trans, rows, cols, 2f, a, aOff, lda, b, bOff, ldb);
        }

        @Override
        public String toString() {
            return "somatcopy " + layout + " " + trans;
        }
    }

    enum VectorOp { SAXPY, SDOT, SSCAL, SNRM2 }

    /** A valid level-1 call; y is ignored by the one-vector routines. */
    static final class Vec implements Executable, Cloneable {
        VectorOp op;
        int n, xOff, incx, yOff, incy;
        float[] x, y;

        static Vec valid(VectorOp op, int n) {
            Vec v = new Vec();
            v.op = op;
            v.n = n;
            v.xOff = 2;
            v.incx = 3;
            v.yOff = 1;
            v.incy = 2;
            v.x = new float[needVector(n, v.xOff, v.incx)];
            v.y = new float[needVector(n, v.yOff, v.incy)];
            return v;
        }

        boolean hasY() {
            return op == VectorOp.SAXPY || op == VectorOp.SDOT;
        }

        Vec with(Consumer<Vec> change) {
            try {
                Vec v = (Vec) clone();
                change.accept(v);
                return v;
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public void execute() {
            switch (op) {
                case SAXPY -> Blas.saxpy(n, 2f, x, xOff, incx, y, yOff, incy);
                case SDOT -> Blas.sdot(n, x, xOff, incx, y, yOff, incy);
                case SSCAL -> Blas.sscal(n, 2f, x, xOff, incx);
                case SNRM2 -> Blas.snrm2(n, x, xOff, incx);
            }
        }

        @Override
        public String toString() {
            return op.name().toLowerCase();
        }
    }

    static Stream<Arguments> gemmForms() {
        List<Arguments> forms = new ArrayList<>();
        for (Layout layout : Layout.values()) {
            for (Transpose ta : Transpose.values()) {
                for (Transpose tb : Transpose.values()) {
                    forms.add(Arguments.of(layout, ta, tb));
                }
            }
        }
        return forms.stream();
    }

    static Stream<Arguments> twoForms() {
        List<Arguments> forms = new ArrayList<>();
        for (Layout layout : Layout.values()) {
            for (Transpose t : Transpose.values()) {
                forms.add(Arguments.of(layout, t));
            }
        }
        return forms.stream();
    }

    // ------------------------------------------------------------------ sizes

    @ParameterizedTest
    @EnumSource(Layout.class)
    void negativeSizesAreRejected(Layout layout) {
        Gemm g = Gemm.valid(layout, NO_TRANS, NO_TRANS, M, N, K, 0, 0);
        Gemv v = Gemv.valid(layout, NO_TRANS, M, N);
        Copy c = Copy.valid(layout, NO_TRANS, M, N);
        assertAll(
                () -> assertRejected(g.with(x -> x.m = -3), "m", -3),
                () -> assertRejected(g.with(x -> x.n = -4), "n", -4),
                () -> assertRejected(g.with(x -> x.k = -5), "k", -5),
                () -> assertRejected(v.with(x -> x.m = -3), "m", -3),
                () -> assertRejected(v.with(x -> x.n = -4), "n", -4),
                () -> assertRejected(c.with(x -> x.rows = -3), "rows", -3),
                () -> assertRejected(c.with(x -> x.cols = -4), "cols", -4));
    }

    @ParameterizedTest
    @EnumSource(VectorOp.class)
    void negativeVectorLengthIsRejected(VectorOp op) {
        assertRejected(Vec.valid(op, 4).with(v -> v.n = -6), "n", -6);
    }

    // ------------------------------------------------------------------ leading dimensions

    @ParameterizedTest
    @MethodSource("gemmForms")
    void sgemmLeadingDimensionsHaveExactMinimums(Layout layout, Transpose ta, Transpose tb) {
        Gemm g = Gemm.valid(layout, ta, tb, M, N, K, 1, 0);
        int lda = g.lda, ldb = g.ldb, ldc = g.ldc;
        // The minimum is the stored row length (row-major) or column length (column-major).
        assertEquals(layout == ROW_MAJOR ? (ta == TRANS ? M : K) : (ta == TRANS ? K : M), lda);
        assertEquals(layout == ROW_MAJOR ? (tb == TRANS ? K : N) : (tb == TRANS ? N : K), ldb);
        assertEquals(layout == ROW_MAJOR ? N : M, ldc);
        assertDoesNotThrow(g);
        assertAll(
                () -> assertRejected(g.with(x -> x.lda = lda - 1), "A", lda, lda - 1),
                () -> assertRejected(g.with(x -> x.ldb = ldb - 1), "B", ldb, ldb - 1),
                () -> assertRejected(g.with(x -> x.ldc = ldc - 1), "C", ldc, ldc - 1));
    }

    @ParameterizedTest
    @MethodSource("twoForms")
    void sgemvAndSomatcopyLeadingDimensionsHaveExactMinimums(Layout layout, Transpose t) {
        Gemv v = Gemv.valid(layout, t, M, N).with(x -> x.lda = minLd(layout, M, N));
        assertDoesNotThrow(v);
        assertRejected(v.with(x -> x.lda--), "A", v.lda, v.lda - 1);

        Copy c = Copy.valid(layout, t, M, N);
        Copy tight = c.with(x -> {
            x.lda = minLd(layout, M, N);
            x.ldb = minLd(layout, x.bRows(), x.bCols());
        });
        // B is N x M when transposed, so its minimum swaps between 5 and 7 with the transpose.
        assertEquals((layout == ROW_MAJOR) == (t == TRANS) ? M : N, tight.ldb);
        assertDoesNotThrow(tight);
        assertAll(
                () -> assertRejected(tight.with(x -> x.lda--), "A", tight.lda, tight.lda - 1),
                () -> assertRejected(tight.with(x -> x.ldb--), "B", tight.ldb, tight.ldb - 1));
    }

    @Test
    void leadingDimensionMustBePositiveEvenForEmptyMatrices() {
        Gemm g = Gemm.valid(ROW_MAJOR, NO_TRANS, NO_TRANS, 0, 0, 0, 0, 0);
        assertDoesNotThrow(g);
        assertRejected(g.with(x -> x.lda = 0), "A", 1, 0);
        assertRejected(g.with(x -> x.ldc = -2), "C", 1, -2);
    }

    // ------------------------------------------------------------------ array lengths and offsets

    @ParameterizedTest
    @MethodSource("gemmForms")
    void sgemmArraysOfExactlyTheNeededLengthPassAndOneShorterFail(Layout layout, Transpose ta, Transpose tb) {
        Gemm g = Gemm.valid(layout, ta, tb, M, N, K, 2, 1);
        assertDoesNotThrow(g);
        int na = g.needA(), nb = g.needB(), nc = g.needC();
        assertAll(
                () -> assertRejected(g.with(x -> x.a = new float[na - 1]), "A", na, na - 1),
                () -> assertRejected(g.with(x -> x.b = new float[nb - 1]), "B", nb, nb - 1),
                () -> assertRejected(g.with(x -> x.c = new float[nc - 1]), "C", nc, nc - 1),
                // The same arrays with the offset one further: the last element falls off.
                () -> assertRejected(g.with(x -> x.aOff++), "A", g.aOff + 1, na + 1, na),
                () -> assertRejected(g.with(x -> x.bOff++), "B", g.bOff + 1, nb + 1, nb),
                () -> assertRejected(g.with(x -> x.cOff++), "C", g.cOff + 1, nc + 1, nc),
                () -> assertRejected(g.with(x -> x.aOff = -1), "A", -1),
                () -> assertRejected(g.with(x -> x.bOff = -2), "B", -2),
                () -> assertRejected(g.with(x -> x.cOff = -3), "C", -3));
    }

    @ParameterizedTest
    @MethodSource("twoForms")
    void sgemvArraysOfExactlyTheNeededLengthPassAndOneShorterFail(Layout layout, Transpose t) {
        Gemv v = Gemv.valid(layout, t, M, N);
        assertDoesNotThrow(v);
        int na = v.a.length, nx = v.x.length, ny = v.y.length;
        // x has n elements and y m without transpose, the other way round with it.
        assertEquals(needVector(t == TRANS ? M : N, v.xOff, v.incx), nx);
        assertAll(
                () -> assertRejected(v.with(x -> x.a = new float[na - 1]), "A", na, na - 1),
                () -> assertRejected(v.with(x -> x.x = new float[nx - 1]), "x", nx, nx - 1),
                () -> assertRejected(v.with(x -> x.y = new float[ny - 1]), "y", ny, ny - 1),
                () -> assertRejected(v.with(x -> x.aOff++), "A", v.aOff + 1, na + 1),
                () -> assertRejected(v.with(x -> x.xOff++), "x", v.xOff + 1, nx + 1),
                () -> assertRejected(v.with(x -> x.yOff++), "y", v.yOff + 1, ny + 1),
                () -> assertRejected(v.with(x -> x.aOff = -1), "A", -1),
                () -> assertRejected(v.with(x -> x.xOff = -2), "x", -2),
                () -> assertRejected(v.with(x -> x.yOff = -3), "y", -3));
    }

    @ParameterizedTest
    @MethodSource("twoForms")
    void somatcopyArraysOfExactlyTheNeededLengthPassAndOneShorterFail(Layout layout, Transpose t) {
        Copy c = Copy.valid(layout, t, M, N);
        assertDoesNotThrow(c);
        int na = c.a.length, nb = c.b.length;
        assertAll(
                () -> assertRejected(c.with(x -> x.a = new float[na - 1]), "A", na, na - 1),
                () -> assertRejected(c.with(x -> x.b = new float[nb - 1]), "B", nb, nb - 1),
                () -> assertRejected(c.with(x -> x.aOff++), "A", c.aOff + 1, na + 1),
                () -> assertRejected(c.with(x -> x.bOff++), "B", c.bOff + 1, nb + 1),
                () -> assertRejected(c.with(x -> x.aOff = -1), "A", -1),
                () -> assertRejected(c.with(x -> x.bOff = -2), "B", -2));
    }

    @ParameterizedTest
    @EnumSource(VectorOp.class)
    void vectorsOfExactlyTheNeededLengthPassAndOneShorterFail(VectorOp op) {
        Vec v = Vec.valid(op, 6);
        assertDoesNotThrow(v);
        int nx = v.x.length, ny = v.y.length;
        assertEquals(2 + 5 * 3 + 1, nx);
        assertRejected(v.with(x -> x.x = new float[nx - 1]), "x", nx, nx - 1);
        assertRejected(v.with(x -> x.xOff++), "x", v.xOff + 1, nx + 1);
        assertRejected(v.with(x -> x.xOff = -1), "x", -1);
        if (v.hasY()) {
            assertRejected(v.with(x -> x.y = new float[ny - 1]), "y", ny, ny - 1);
            assertRejected(v.with(x -> x.yOff++), "y", v.yOff + 1, ny + 1);
            assertRejected(v.with(x -> x.yOff = -2), "y", -2);
        }
    }

    @ParameterizedTest
    @EnumSource(VectorOp.class)
    void incrementsMustBePositive(VectorOp op) {
        Vec v = Vec.valid(op, 6);
        assertRejected(v.with(x -> x.incx = 0), "x", 0);
        assertRejected(v.with(x -> x.incx = -3), "x", -3);
        if (v.hasY()) {
            assertRejected(v.with(x -> x.incy = 0), "y", 0);
            assertRejected(v.with(x -> x.incy = -2), "y", -2);
        }
    }

    @Test
    void sgemvIncrementsMustBePositive() {
        Gemv v = Gemv.valid(ROW_MAJOR, NO_TRANS, M, N);
        assertRejected(v.with(x -> x.incx = 0), "x", 0);
        assertRejected(v.with(x -> x.incx = -3), "x", -3);
        assertRejected(v.with(x -> x.incy = 0), "y", 0);
        assertRejected(v.with(x -> x.incy = -2), "y", -2);
    }

    /**
     * An empty operand may sit at the very end of its array (offset == length), but not beyond:
     * an offset past the end is as wrong for an empty matrix as for a full one, and must not
     * surface later as an IndexOutOfBoundsException from the memory segment.
     */
    @Test
    void emptyOperandsMayEndAtTheArrayButNotStartPastIt() {
        float[] empty = new float[0];
        float[] c = new float[N * M];
        // k = 0: A (M x 0) and B (0 x N) are empty while C is not.
        assertDoesNotThrow(() -> Blas.sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, M, N, 0, 1f, empty, 0, 1, empty, 0, N,
                0.5f, c, 0, N));
        assertRejected(() -> Blas.sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, M, N, 0, 1f, empty, 4, 1, empty, 0, N,
                0.5f, c, 0, N), "A", 4);
        assertRejected(() -> Blas.sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, M, N, 0, 1f, empty, 0, 1, empty, 6, N,
                0.5f, c, 0, N), "B", 6);
        float[] three = new float[3];
        assertDoesNotThrow(() -> Blas.sgemv(ROW_MAJOR, NO_TRANS, M, 0, 1f, three, 3, 1, three, 3, 1, 1f, c, 0, 1));
        assertRejected(() -> Blas.sgemv(ROW_MAJOR, NO_TRANS, M, 0, 1f, three, 0, 1, three, 5, 1, 1f, c, 0, 1), "x", 5);
        assertRejected(() -> Blas.sgemv(ROW_MAJOR, NO_TRANS, M, 0, 1f, three, 7, 1, three, 0, 1, 1f, c, 0, 1), "A", 7);
        assertDoesNotThrow(() -> Blas.saxpy(0, 1f, three, 3, 1, three, 3, 1));
        assertRejected(() -> Blas.saxpy(0, 1f, three, 4, 1, c, 0, 1), "x", 4);
        assertRejected(() -> Blas.sdot(0, three, 0, 1, three, 9, 1), "y", 9);
        assertRejected(() -> Blas.somatcopy(ROW_MAJOR, NO_TRANS, 0, 3, 1f, three, 8, 3, c, 0, 3), "A", 8);
    }

    // ------------------------------------------------------------------ null arguments

    @Test
    void nullArraysAreRejected() {
        Gemm g = Gemm.valid(ROW_MAJOR, NO_TRANS, NO_TRANS, M, N, K, 0, 0);
        Gemv v = Gemv.valid(COL_MAJOR, TRANS, M, N);
        Copy c = Copy.valid(ROW_MAJOR, TRANS, M, N);
        assertAll(
                () -> assertRejected(g.with(x -> x.a = null), "A"),
                () -> assertRejected(g.with(x -> x.b = null), "B"),
                () -> assertRejected(g.with(x -> x.c = null), "C"),
                () -> assertRejected(v.with(x -> x.a = null), "A"),
                () -> assertRejected(v.with(x -> x.x = null), "x"),
                () -> assertRejected(v.with(x -> x.y = null), "y"),
                () -> assertRejected(c.with(x -> x.a = null), "A"),
                () -> assertRejected(c.with(x -> x.b = null), "B"));
        for (VectorOp op : VectorOp.values()) {
            Vec vec = Vec.valid(op, 3);
            assertRejected(vec.with(x -> x.x = null), "x");
            if (vec.hasY()) {
                assertRejected(vec.with(x -> x.y = null), "y");
            }
        }
        // Even an empty call wants its arrays.
        assertRejected(() -> Blas.sdot(0, null, 0, 1, new float[0], 0, 1), "x");
        assertRejected(() -> Blas.snrm2(0, null, 0, 1), "x");
    }

    @Test
    void nullEnumsAreRejected() {
        Gemm g = Gemm.valid(ROW_MAJOR, NO_TRANS, NO_TRANS, M, N, K, 0, 0);
        Gemv v = Gemv.valid(ROW_MAJOR, NO_TRANS, M, N);
        Copy c = Copy.valid(ROW_MAJOR, NO_TRANS, M, N);
        assertAll(
                () -> assertRejected(g.with(x -> x.layout = null), "layout"),
                () -> assertRejected(g.with(x -> x.ta = null), "transpose"),
                () -> assertRejected(g.with(x -> x.tb = null), "transpose"),
                () -> assertRejected(v.with(x -> x.layout = null), "layout"),
                () -> assertRejected(v.with(x -> x.trans = null), "transpose"),
                () -> assertRejected(c.with(x -> x.layout = null), "layout"),
                () -> assertRejected(c.with(x -> x.trans = null), "transpose"));
    }

    // ------------------------------------------------------------------ overlaps

    @ParameterizedTest
    @EnumSource(Layout.class)
    void sgemmOutputMayTouchButNotOverlapAnInput(Layout layout) {
        Gemm g = Gemm.valid(layout, NO_TRANS, NO_TRANS, M, N, K, 0, 0);
        int aSpan = g.needA(), bSpan = g.needB() - g.bOff, cSpan = g.needC() - g.cOff;
        float[] shared = new float[aSpan + cSpan];
        // C starts right after A: legal.
        Gemm touching = g.with(x -> {
            x.a = shared;
            x.c = shared;
            x.cOff = aSpan;
        });
        assertDoesNotThrow(touching);
        // One element earlier, C's first element is A's last.
        assertRejected(touching.with(x -> x.cOff = aSpan - 1), "C", aSpan - 1);
        assertRejected(touching.with(x -> x.cOff = aSpan - 1), "A", aSpan - 1);
        // C starting on the second-to-last element of B.
        float[] sharedB = new float[bSpan + cSpan];
        Gemm overB = g.with(x -> {
            x.b = sharedB;
            x.bOff = 0;
            x.c = sharedB;
            x.cOff = bSpan - 2;
        });
        assertRejected(overB, "B", bSpan - 2);
        // The same array is fine when the ranges are disjoint the other way round, C before B.
        float[] before = new float[cSpan + bSpan];
        assertDoesNotThrow(g.with(x -> {
            x.c = before;
            x.cOff = 0;
            x.b = before;
            x.bOff = cSpan;
        }));
    }

    @Test
    void saxpyOutputMayTouchButNotOverlapItsInput() {
        float[] shared = new float[20];
        // x = [0, 10), y = [10, 20): adjacent.
        assertDoesNotThrow(() -> Blas.saxpy(10, 1f, shared, 0, 1, shared, 10, 1));
        assertRejected(() -> Blas.saxpy(10, 1f, shared, 0, 1, shared, 9, 1), "y", 9);
        assertRejected(() -> Blas.saxpy(5, 1f, shared, 3, 2, shared, 3, 2), "x", 3);
        // Interleaved strides share the range even though no element is shared: still rejected,
        // since the check is on ranges.
        assertRejected(() -> Blas.saxpy(5, 1f, shared, 0, 2, shared, 1, 2), "y", 1);
    }

    @Test
    void sgemvOutputMayNotOverlapAnInput() {
        float[] shared = new float[64];
        // A is 3 x 4 at 0 (span 12), x (4) at 12, y (3) at 16: all disjoint.
        assertDoesNotThrow(() -> Blas.sgemv(ROW_MAJOR, NO_TRANS, 3, 4, 1f, shared, 0, 4, shared, 12, 1, 0f, shared, 16, 1));
        assertRejected(() -> Blas.sgemv(ROW_MAJOR, NO_TRANS, 3, 4, 1f, shared, 0, 4, shared, 12, 1, 0f, shared, 11, 1), "A", 11);
        assertRejected(() -> Blas.sgemv(ROW_MAJOR, NO_TRANS, 3, 4, 1f, shared, 0, 4, shared, 12, 1, 0f, shared, 15, 1), "x", 15);
    }

    @ParameterizedTest
    @MethodSource("twoForms")
    void somatcopyOutputMayNotOverlapItsInput(Layout layout, Transpose t) {
        Copy c = Copy.valid(layout, t, M, N);
        int aEnd = c.a.length, bSpan = c.b.length - c.bOff;
        float[] shared = new float[aEnd + bSpan];
        Copy touching = c.with(x -> {
            x.a = shared;
            x.b = shared;
            x.bOff = aEnd;
        });
        assertDoesNotThrow(touching);
        assertRejected(touching.with(x -> x.bOff = aEnd - 1), "B", aEnd - 1);
        // In place (B over A) is what people try for a transpose; it is refused.
        assertRejected(touching.with(x -> x.bOff = x.aOff), "A", c.aOff);
    }

    @Test
    void inputsMayShareMemory() {
        float[] v = {1, 2, 3, 4};
        assertEquals(30f, Blas.sdot(4, v, 0, 1, v, 0, 1));
        float[] a = {1, 2, 3, 4, 5, 6};
        float[] c = new float[4];
        Blas.sgemm(ROW_MAJOR, NO_TRANS, TRANS, 2, 2, 3, 1f, a, 0, 3, a, 0, 3, 0f, c, 0, 2);
        assertEquals(14f, c[0]);
        assertEquals(77f, c[3]);
    }

    // ------------------------------------------------------------------ empty calls

    @Test
    void emptyCallsWithEmptyArraysSucceed() {
        float[] e = new float[0];
        assertAll(
                () -> Blas.sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 0, 0, 0, 1f, e, 0, 1, e, 0, 1, 0f, e, 0, 1),
                () -> Blas.sgemm(COL_MAJOR, TRANS, TRANS, 0, 0, 0, 1f, e, 0, 1, e, 0, 1, 0f, e, 0, 1),
                () -> Blas.sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 0, N, K, 1f, e, 0, K, new float[K * N], 0, N, 0f, e, 0, N),
                () -> Blas.sgemm(COL_MAJOR, NO_TRANS, NO_TRANS, M, 0, K, 1f, new float[M * K], 0, M, e, 0, K, 0f, e, 0, M),
                () -> Blas.sgemv(ROW_MAJOR, NO_TRANS, 0, 0, 1f, e, 0, 1, e, 0, 1, 0f, e, 0, 1),
                () -> Blas.sgemv(COL_MAJOR, TRANS, 0, 0, 1f, e, 0, 1, e, 0, 1, 0f, e, 0, 1),
                () -> Blas.saxpy(0, 1f, e, 0, 1, e, 0, 1),
                () -> assertEquals(0f, Blas.sdot(0, e, 0, 1, e, 0, 1)),
                () -> Blas.sscal(0, 2f, e, 0, 1),
                () -> assertEquals(0f, Blas.snrm2(0, e, 0, 1)),
                () -> Blas.somatcopy(ROW_MAJOR, TRANS, 0, 0, 1f, e, 0, 1, e, 0, 1),
                () -> Blas.somatcopy(COL_MAJOR, NO_TRANS, 0, 4, 1f, e, 0, 1, e, 0, 1));
    }

    @Test
    void aRejectedCallWritesNothing() {
        float[] c = {1, 2, 3, 4, 5, 6};
        float[] a = {1, 1, 1, 1, 1, 1};
        float[] b = new float[9];
        // A (2x3, lda 3) at offset 1 needs 7 floats; only C's check passes, and C must stay as it was.
        assertRejected(() -> Blas.sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 3, 3, 1f, a, 1, 3, b, 0, 3, 0f, c, 0, 3),
                "A", 7, 6);
        assertEquals(List.of(1f, 2f, 3f, 4f, 5f, 6f), List.of(c[0], c[1], c[2], c[3], c[4], c[5]));
    }
}
