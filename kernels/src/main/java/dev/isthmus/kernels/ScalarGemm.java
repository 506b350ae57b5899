package dev.isthmus.kernels;

/**
 * The plain reference for {@link Gemm}: row-major {@code C = alpha * op(A) * op(B) + beta * C}
 * with a double-precision dot product per element. Readable and slow; it is the oracle the fast
 * kernels are tested against, not something to run in a model.
 */
public final class ScalarGemm {
    private ScalarGemm() {}

    /** Same arguments and checks as {@link Gemm#sgemm}. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        Gemm.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (alpha == 0) {
            // as BLAS: A and B are not read, so NaN in them does not reach C
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int ci = cOff + i * ldc + j;
                    c[ci] = beta == 0 ? 0f : beta * c[ci];
                }
            }
            return;
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double dot = 0;
                for (int p = 0; p < k; p++) {
                    float aip = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bpj = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    dot += (double) aip * bpj;
                }
                int ci = cOff + i * ldc + j;
                // beta == 0 overwrites C, as BLAS does: NaN in an uninitialised C must not leak through.
                c[ci] = (float) (alpha * dot + (beta == 0 ? 0 : (double) beta * c[ci]));
            }
        }
    }
}
