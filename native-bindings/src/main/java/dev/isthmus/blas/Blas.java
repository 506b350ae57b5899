package dev.isthmus.blas;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Single-precision OpenBLAS routines on heap {@code float[]} arrays, with offsets, leading
 * dimensions and increments as in CBLAS.
 *
 * <p>Every call checks its arguments against the arrays before native code runs; a bad one is an
 * {@link IllegalArgumentException} that names the shapes. Increments must be positive. Output
 * arrays must not overlap inputs (BLAS leaves the result undefined; here it is an error).
 *
 * <p>Arrays reach OpenBLAS without copying, through {@link java.lang.foreign.Linker.Option#critical
 * critical} downcalls on heap segments. A critical call keeps its thread from reaching a safepoint,
 * so a long one would stall every GC for its whole length: calls larger than
 * {@value #DEFAULT_MAX_CRITICAL_FLOPS} floating-point operations (about 10-20 ms on one core here;
 * property {@value #MAX_CRITICAL_FLOPS_PROPERTY}) are split into independent pieces, each computing
 * its own rows or columns of the result. OpenBLAS picks its kernels by problem size, so a split
 * result can differ from an unsplit call in the last bits. Level-1 and level-2 calls are split
 * every {@value #CHUNK_ELEMENTS} elements in the same way; {@link #sdot} and {@link #snrm2} then
 * combine the pieces in double precision.
 *
 * <p>Thread safety: the OpenBLAS build used is thread-safe; calls may come from many threads.
 */
public final class Blas {
    /** Property bounding the work of one critical downcall, in floating-point operations. */
    public static final String MAX_CRITICAL_FLOPS_PROPERTY = "isthmus.blas.maxCriticalFlops";
    static final long DEFAULT_MAX_CRITICAL_FLOPS = 1L << 31;
    /** Pieces of a split GEMM keep at least this many rows or columns, so packing stays cheap. */
    static final int MIN_SPLIT = 256;
    /** Level-1/2 calls touch at most this many matrix or vector elements per downcall. */
    static final int CHUNK_ELEMENTS = 1 << 24;

    private static final long MAX_CRITICAL_FLOPS =
            Long.getLong(MAX_CRITICAL_FLOPS_PROPERTY, DEFAULT_MAX_CRITICAL_FLOPS);

    private Blas() {}

    // ---------------------------------------------------------------- library

    /** True when an OpenBLAS library was found and loaded; otherwise {@link #unavailableReason()} says why. */
    public static boolean available() {
        return OpenBlasLibrary.symbols != null;
    }

    /** Why no library loaded, or empty when one did. */
    public static Optional<String> unavailableReason() {
        return Optional.ofNullable(OpenBlasLibrary.failure);
    }

    /** The path of the loaded library, or empty when none loaded. */
    public static Optional<Path> libraryPath() {
        return Optional.ofNullable(OpenBlasLibrary.path);
    }

    /** Where the library came from: {@code property}, {@code environment}, {@code bundled} or {@code system}; empty when none loaded. */
    public static Optional<String> librarySource() {
        return Optional.ofNullable(OpenBlasLibrary.source).map(s -> s.name().toLowerCase(java.util.Locale.ROOT));
    }

    /** {@code openblas_get_config()}: version and build options. */
    public static String config() {
        requireAvailable();
        try {
            return ((MemorySegment) Native.GET_CONFIG.invokeExact()).reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code openblas_get_corename()}: the CPU kernels in use, for example {@code Cooperlake} or {@code Haswell}. */
    public static String coreName() {
        requireAvailable();
        try {
            return ((MemorySegment) Native.GET_CORENAME.invokeExact()).reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code openblas_get_num_threads()}. */
    public static int threads() {
        requireAvailable();
        try {
            return (int) Native.GET_NUM_THREADS.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code openblas_set_num_threads(n)}: the threads OpenBLAS uses for each later call. */
    public static void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("setThreads: n must be >= 1, got " + n);
        }
        requireAvailable();
        try {
            Native.SET_NUM_THREADS.invokeExact(n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------- level 3

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C}, where op(A) is m x k, op(B) is k x n and C is
     * m x n, each stored in {@code layout} from its offset with its leading dimension.
     */
    public static void sgemm(Layout layout, Transpose transA, Transpose transB, int m, int n, int k,
                             float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        requireNonNull("sgemm", layout, transA, transB);
        Check.sizes("sgemm", "m", m, "n", n, "k", k);
        boolean ta = transA == Transpose.TRANS;
        boolean tb = transB == Transpose.TRANS;
        long aSpan = Check.matrix("sgemm", "A", layout, ta ? k : m, ta ? m : k, a, aOff, lda);
        long bSpan = Check.matrix("sgemm", "B", layout, tb ? n : k, tb ? k : n, b, bOff, ldb);
        long cSpan = Check.matrix("sgemm", "C", layout, m, n, c, cOff, ldc);
        Check.noOverlap("sgemm", "C", c, cOff, cSpan, "A", a, aOff, aSpan);
        Check.noOverlap("sgemm", "C", c, cOff, cSpan, "B", b, bOff, bSpan);
        requireAvailable();
        if (m == 0 || n == 0) {
            return;
        }
        if (layout == Layout.COL_MAJOR) {
            // A column-major matrix is the transpose of the same memory read row-major:
            // C^T = op(B)^T op(A)^T, so swap the operands and m/n.
            sgemmPieces(transB, transA, n, m, k, alpha, b, bOff, ldb, a, aOff, lda, beta, c, cOff, ldc,
                    MAX_CRITICAL_FLOPS);
        } else {
            sgemmPieces(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc,
                    MAX_CRITICAL_FLOPS);
        }
    }

    /**
     * Runs a checked row-major GEMM as one downcall, or as independent pieces of rows (or columns)
     * of C when it is larger than {@code maxFlops}. Package-private so tests can force the split.
     */
    static void sgemmPieces(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc, long maxFlops) {
        boolean ta = transA == Transpose.TRANS;
        boolean tb = transB == Transpose.TRANS;
        long flops = 2L * m * n * k;
        if (flops <= maxFlops || Math.max(m, n) < 2 * MIN_SPLIT) {
            sgemmCall(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else if (m >= n) {
            int rows = pieceSize(m, 2L * n * k, maxFlops);
            for (int i = 0; i < m; i += rows) {
                int mi = Math.min(rows, m - i);
                sgemmCall(transA, transB, mi, n, k, alpha, a, aOff + (ta ? i : i * lda), lda,
                        b, bOff, ldb, beta, c, cOff + i * ldc, ldc);
            }
        } else {
            int cols = pieceSize(n, 2L * m * k, maxFlops);
            for (int j = 0; j < n; j += cols) {
                int nj = Math.min(cols, n - j);
                sgemmCall(transA, transB, m, nj, k, alpha, a, aOff, lda,
                        b, bOff + (tb ? j * ldb : j), ldb, beta, c, cOff + j, ldc);
            }
        }
    }

    /** Rows (or columns) per piece of a split GEMM: bounded work, but never thinner than {@link #MIN_SPLIT}. */
    private static int pieceSize(int extent, long flopsPerLine, long maxFlops) {
        long lines = Math.max(MIN_SPLIT, maxFlops / Math.max(1, flopsPerLine));
        // Even pieces: never a thin last one, each at most twice the bound.
        long pieces = Math.max(1, extent / lines);
        return (int) ((extent + pieces - 1) / pieces);
    }

    private static void sgemmCall(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                                  float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                  float beta, float[] c, int cOff, int ldc) {
        try {
            Native.SGEMM.invokeExact(Layout.ROW_MAJOR.cblas, transA.cblas, transB.cblas, m, n, k, alpha,
                    heap(a, aOff), lda, heap(b, bOff), ldb, beta, heap(c, cOff), ldc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------- level 2

    /**
     * {@code y = alpha * op(A) * x + beta * y}, where A is m x n stored in {@code layout}; x has n
     * elements and y has m when {@code trans} is {@link Transpose#NO_TRANS}, the other way round
     * otherwise.
     */
    public static void sgemv(Layout layout, Transpose trans, int m, int n, float alpha,
                             float[] a, int aOff, int lda, float[] x, int xOff, int incx,
                             float beta, float[] y, int yOff, int incy) {
        requireNonNull("sgemv", layout, trans, trans);
        Check.sizes("sgemv", "m", m, "n", n);
        boolean t = trans == Transpose.TRANS;
        int xLen = t ? m : n;
        int yLen = t ? n : m;
        long aSpan = Check.matrix("sgemv", "A", layout, m, n, a, aOff, lda);
        long xSpan = Check.vector("sgemv", "x", xLen, x, xOff, incx);
        long ySpan = Check.vector("sgemv", "y", yLen, y, yOff, incy);
        Check.noOverlap("sgemv", "y", y, yOff, ySpan, "A", a, aOff, aSpan);
        Check.noOverlap("sgemv", "y", y, yOff, ySpan, "x", x, xOff, xSpan);
        requireAvailable();
        if (yLen == 0) {
            return;
        }
        if (xLen == 0) {
            // OpenBLAS (like reference BLAS) returns at once here, leaving y unscaled.
            for (int i = 0; i < yLen; i++) {
                int idx = yOff + i * incy;
                y[idx] = beta == 0 ? 0f : beta * y[idx];
            }
            return;
        }
        // The same memory read row-major: a column-major m x n matrix is the n x m transpose.
        boolean rowT = layout == Layout.ROW_MAJOR ? t : !t;
        int rowsR = layout == Layout.ROW_MAJOR ? m : n;
        int colsR = layout == Layout.ROW_MAJOR ? n : m;
        Transpose rowTrans = rowT ? Transpose.TRANS : Transpose.NO_TRANS;
        // Each element of y depends on one row of op(A): pieces of y are independent calls.
        int piece = (int) Math.max(1, Math.min(yLen, CHUNK_ELEMENTS / Math.max(1, xLen)));
        for (int i = 0; i < yLen; i += piece) {
            int len = Math.min(piece, yLen - i);
            int rows = rowT ? rowsR : len;
            int cols = rowT ? len : colsR;
            try {
                Native.SGEMV.invokeExact(Layout.ROW_MAJOR.cblas, rowTrans.cblas, rows, cols, alpha,
                        heap(a, aOff + (rowT ? i : i * lda)), lda, heap(x, xOff), incx, beta,
                        heap(y, yOff + i * incy), incy);
            } catch (Throwable e) {
                throw rethrow(e);
            }
        }
    }

    // ---------------------------------------------------------------- level 1

    /** {@code y = alpha * x + y} over n elements. */
    public static void saxpy(int n, float alpha, float[] x, int xOff, int incx, float[] y, int yOff, int incy) {
        Check.size("saxpy", "n", n);
        long xSpan = Check.vector("saxpy", "x", n, x, xOff, incx);
        long ySpan = Check.vector("saxpy", "y", n, y, yOff, incy);
        Check.noOverlap("saxpy", "y", y, yOff, ySpan, "x", x, xOff, xSpan);
        requireAvailable();
        for (int i = 0; i < n; i += CHUNK_ELEMENTS) {
            int len = Math.min(CHUNK_ELEMENTS, n - i);
            try {
                Native.SAXPY.invokeExact(len, alpha, heap(x, xOff + i * incx), incx, heap(y, yOff + i * incy), incy);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    /** The dot product of n elements of x and y. */
    public static float sdot(int n, float[] x, int xOff, int incx, float[] y, int yOff, int incy) {
        Check.size("sdot", "n", n);
        Check.vector("sdot", "x", n, x, xOff, incx);
        Check.vector("sdot", "y", n, y, yOff, incy);
        requireAvailable();
        double sum = 0;
        for (int i = 0; i < n; i += CHUNK_ELEMENTS) {
            int len = Math.min(CHUNK_ELEMENTS, n - i);
            try {
                float part = (float) Native.SDOT.invokeExact(len, heap(x, xOff + i * incx), incx,
                        heap(y, yOff + i * incy), incy);
                if (n <= CHUNK_ELEMENTS) {
                    return part;
                }
                sum += part;
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
        return (float) sum;
    }

    /** {@code x = alpha * x} over n elements. */
    public static void sscal(int n, float alpha, float[] x, int xOff, int incx) {
        Check.size("sscal", "n", n);
        Check.vector("sscal", "x", n, x, xOff, incx);
        requireAvailable();
        for (int i = 0; i < n; i += CHUNK_ELEMENTS) {
            int len = Math.min(CHUNK_ELEMENTS, n - i);
            try {
                Native.SSCAL.invokeExact(len, alpha, heap(x, xOff + i * incx), incx);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    /** The Euclidean norm of n elements of x, computed without overflow or underflow in between. */
    public static float snrm2(int n, float[] x, int xOff, int incx) {
        Check.size("snrm2", "n", n);
        Check.vector("snrm2", "x", n, x, xOff, incx);
        requireAvailable();
        double sumSquares = 0;
        for (int i = 0; i < n; i += CHUNK_ELEMENTS) {
            int len = Math.min(CHUNK_ELEMENTS, n - i);
            try {
                float part = (float) Native.SNRM2.invokeExact(len, heap(x, xOff + i * incx), incx);
                if (n <= CHUNK_ELEMENTS) {
                    return part;
                }
                sumSquares += (double) part * part; // a float squared cannot overflow a double
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
        return (float) Math.sqrt(sumSquares);
    }

    /**
     * OpenBLAS's extension {@code B = alpha * op(A)}: A is rows x cols in {@code layout}; B is
     * rows x cols, or cols x rows when {@code trans} is {@link Transpose#TRANS}.
     */
    public static void somatcopy(Layout layout, Transpose trans, int rows, int cols, float alpha,
                                 float[] a, int aOff, int lda, float[] b, int bOff, int ldb) {
        requireNonNull("somatcopy", layout, trans, trans);
        Check.sizes("somatcopy", "rows", rows, "cols", cols);
        boolean t = trans == Transpose.TRANS;
        long aSpan = Check.matrix("somatcopy", "A", layout, rows, cols, a, aOff, lda);
        long bSpan = Check.matrix("somatcopy", "B", layout, t ? cols : rows, t ? rows : cols, b, bOff, ldb);
        Check.noOverlap("somatcopy", "B", b, bOff, bSpan, "A", a, aOff, aSpan);
        requireAvailable();
        if (rows == 0 || cols == 0) {
            return;
        }
        // Read row-major, a column-major rows x cols matrix is cols x rows; so is its copy.
        int rowsR = layout == Layout.ROW_MAJOR ? rows : cols;
        int colsR = layout == Layout.ROW_MAJOR ? cols : rows;
        int piece = Math.max(1, Math.min(rowsR, CHUNK_ELEMENTS / colsR));
        for (int i = 0; i < rowsR; i += piece) {
            int len = Math.min(piece, rowsR - i);
            try {
                Native.SOMATCOPY.invokeExact(Layout.ROW_MAJOR.cblas, trans.cblas, len, colsR, alpha,
                        heap(a, aOff + i * lda), lda, heap(b, bOff + (t ? i : i * ldb)), ldb);
            } catch (Throwable e) {
                throw rethrow(e);
            }
        }
    }

    // ---------------------------------------------------------------- plumbing

    private static MemorySegment heap(float[] array, int offset) {
        return MemorySegment.ofArray(array).asSlice((long) offset * Float.BYTES);
    }

    private static void requireAvailable() {
        if (OpenBlasLibrary.symbols == null) {
            throw new IllegalStateException("OpenBLAS is not available: " + OpenBlasLibrary.failure);
        }
    }

    private static void requireNonNull(String op, Object layout, Object t1, Object t2) {
        if (layout == null || t1 == null || t2 == null) {
            throw new IllegalArgumentException(op + ": layout and transpose must not be null");
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("OpenBLAS call failed", t);
    }

    /** One handle per symbol, created on first use (after the library has loaded). */
    private static final class Native {
        static final MethodHandle SGEMM = OpenBlasLibrary.downcall("cblas_sgemm", FunctionDescriptor.ofVoid(
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_FLOAT,
                ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT), true);
        static final MethodHandle SGEMV = OpenBlasLibrary.downcall("cblas_sgemv", FunctionDescriptor.ofVoid(
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT,
                JAVA_FLOAT, ADDRESS, JAVA_INT), true);
        static final MethodHandle SAXPY = OpenBlasLibrary.downcall("cblas_saxpy", FunctionDescriptor.ofVoid(
                JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT), true);
        static final MethodHandle SDOT = OpenBlasLibrary.downcall("cblas_sdot", FunctionDescriptor.of(
                JAVA_FLOAT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT), true);
        static final MethodHandle SSCAL = OpenBlasLibrary.downcall("cblas_sscal", FunctionDescriptor.ofVoid(
                JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT), true);
        static final MethodHandle SNRM2 = OpenBlasLibrary.downcall("cblas_snrm2", FunctionDescriptor.of(
                JAVA_FLOAT, JAVA_INT, ADDRESS, JAVA_INT), true);
        static final MethodHandle SOMATCOPY = OpenBlasLibrary.downcall("cblas_somatcopy", FunctionDescriptor.ofVoid(
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT), true);
        static final MethodHandle SET_NUM_THREADS = OpenBlasLibrary.downcall("openblas_set_num_threads",
                FunctionDescriptor.ofVoid(JAVA_INT), false);
        static final MethodHandle GET_NUM_THREADS = OpenBlasLibrary.downcall("openblas_get_num_threads",
                FunctionDescriptor.of(JAVA_INT), false);
        static final MethodHandle GET_CONFIG = OpenBlasLibrary.downcall("openblas_get_config",
                FunctionDescriptor.of(ADDRESS), false);
        static final MethodHandle GET_CORENAME = OpenBlasLibrary.downcall("openblas_get_corename",
                FunctionDescriptor.of(ADDRESS), false);

        private Native() {}
    }
}
