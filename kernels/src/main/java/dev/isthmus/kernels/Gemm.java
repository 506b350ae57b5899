package dev.isthmus.kernels;

/**
 * Single-precision matrix product on row-major heap arrays:
 * {@code C = alpha * op(A) * op(B) + beta * C}, where op(A) is m x k, op(B) is k x n and C is
 * m x n, each at an offset with a leading dimension (elements between the starts of two rows).
 *
 * <p>As in BLAS, {@code beta == 0} overwrites C without reading it, and {@code alpha == 0} or
 * {@code k == 0} reads neither A nor B (C becomes {@code beta * C}, whatever A and B hold). Every
 * element of C is computed by one thread in a fixed order, so results are bit-identical for any
 * thread count. A product with one row runs on the caller's thread.
 */
public final class Gemm {
    private Gemm() {}

    /**
     * Computes {@code C = alpha * op(A) * op(B) + beta * C} with the Vector API kernel.
     *
     * @param transA read A as its transpose (A is then stored k x m)
     * @param transB read B as its transpose (B is then stored n x k)
     * @throws IllegalArgumentException on a negative size, a leading dimension smaller than a row,
     *                                  an array too short for its matrix, or C overlapping A or B
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        VectorGemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc,
                null, 0, Activation.IDENTITY, Parallel.threads());
    }

    /**
     * The inference form with a fused epilogue: {@code C = f(alpha * op(A) * op(B) + beta * C + bias)},
     * where {@code bias} (n floats from {@code biasOff}, or null) is added to every row and f is
     * applied to every element, by each thread on the part of C it has just computed.
     *
     * @throws IllegalArgumentException as {@link #sgemm(boolean, boolean, int, int, int, float, float[], int,
     *                                  int, float[], int, int, float, float[], int, int)}, or when bias is
     *                                  too short or the activation is null
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc,
                             float[] bias, int biasOff, Activation activation) {
        sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, bias, biasOff, activation,
                Parallel.threads());
    }

    /**
     * As the epilogue form, on at most {@code threads} threads of the pool, the caller's included:
     * 1 keeps the product on the calling thread (as an inference plan does inside its own pool
     * parts). The result does not depend on it.
     *
     * @throws IllegalArgumentException as the epilogue form, or when threads is below 1
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc,
                             float[] bias, int biasOff, Activation activation, int threads) {
        check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        checkEpilogue("sgemm", n, bias, biasOff, activation);
        biasOutsideC(m, n, bias, biasOff, c, cOff, ldc);
        checkThreads(threads);
        VectorGemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc,
                bias, biasOff, activation, threads);
    }

    /**
     * The inference form with weights packed once: {@code C = f(alpha * op(A) * B + beta * C + bias)}
     * where B is a {@link PackedMatrix} (k x n) and op(A) is m x k.
     *
     * @throws IllegalArgumentException on a null B, or as the other forms
     */
    public static void sgemm(boolean transA, int m, float alpha, float[] a, int aOff, int lda, PackedMatrix b,
                             float beta, float[] c, int cOff, int ldc,
                             float[] bias, int biasOff, Activation activation) {
        sgemm(transA, m, alpha, a, aOff, lda, b, beta, c, cOff, ldc, bias, biasOff, activation, Parallel.threads());
    }

    /** As the packed form, on at most {@code threads} threads of the pool (1 = the calling thread only). */
    public static void sgemm(boolean transA, int m, float alpha, float[] a, int aOff, int lda, PackedMatrix b,
                             float beta, float[] c, int cOff, int ldc,
                             float[] bias, int biasOff, Activation activation, int threads) {
        checkThreads(threads);
        if (b == null) {
            throw new IllegalArgumentException("sgemm: the packed B is null");
        }
        int n = b.columns();
        int k = b.rows();
        Check.size("sgemm", "m", m);
        Check.matrix("sgemm", "A", transA ? k : m, transA ? m : k, a, aOff, lda);
        Check.matrix("sgemm", "C", m, n, c, cOff, ldc);
        Check.disjoint("sgemm", "C", c, cOff, Check.span(m, n, ldc), "A", a, aOff,
                Check.span(transA ? k : m, transA ? m : k, lda));
        checkEpilogue("sgemm", n, bias, biasOff, activation);
        biasOutsideC(m, n, bias, biasOff, c, cOff, ldc);
        VectorGemm.sgemm(transA, m, alpha, a, aOff, lda, b, beta, c, cOff, ldc, bias, biasOff, activation, threads);
    }

    /** The bias is read while C is written (by several threads): it must not lie inside C. */
    private static void biasOutsideC(int m, int n, float[] bias, int biasOff, float[] c, int cOff, int ldc) {
        if (bias != null) {
            Check.disjoint("sgemm", "C", c, cOff, Check.span(m, n, ldc), "bias", bias, biasOff, n);
        }
    }

    private static void checkThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("sgemm: threads must be >= 1, got " + threads);
        }
    }

    static void checkEpilogue(String op, int n, float[] bias, int biasOff, Activation activation) {
        if (activation == null) {
            throw new IllegalArgumentException(op + ": activation must not be null (use Activation.IDENTITY)");
        }
        if (bias != null) {
            Check.vector(op, "bias", n, bias, biasOff);
        }
    }

    static void check(boolean transA, boolean transB, int m, int n, int k,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        Check.size("sgemm", "m", m);
        Check.size("sgemm", "n", n);
        Check.size("sgemm", "k", k);
        Check.matrix("sgemm", "A", transA ? k : m, transA ? m : k, a, aOff, lda);
        Check.matrix("sgemm", "B", transB ? n : k, transB ? k : n, b, bOff, ldb);
        Check.matrix("sgemm", "C", m, n, c, cOff, ldc);
        int cSpan = Check.span(m, n, ldc);
        Check.disjoint("sgemm", "C", c, cOff, cSpan, "A", a, aOff, Check.span(transA ? k : m, transA ? m : k, lda));
        Check.disjoint("sgemm", "C", c, cOff, cSpan, "B", b, bOff, Check.span(transB ? n : k, transB ? k : n, ldb));
    }
}
