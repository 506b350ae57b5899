package dev.isthmus.kernels;

/**
 * The plain reference for {@link SparseGemm}: one output at a time, each column's nonzeros in
 * increasing input order with {@link Math#fma}, then bias and {@link ScalarActivations#value}.
 * The oracle the vector kernels are tested against, not something to run in a model.
 */
public final class ScalarSparseGemm {
    private ScalarSparseGemm() {}

    /** Same arguments and checks as {@link SparseGemm#gemm}. */
    public static void gemm(int m, float[] a, int aOff, int lda, SparseMatrix w, float[] c, int cOff, int ldc,
                            float[] bias, int biasOff, Activation activation) {
        SparseGemm.check(m, a, aOff, lda, w, c, cOff, ldc, bias, biasOff, activation);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < w.n(); j++) {
                float acc = 0f;
                for (int at = w.columnStarts[j]; at < w.columnStarts[j + 1]; at++) {
                    acc = Math.fma(w.values[at], a[aOff + i * lda + w.rowIndices[at]], acc);
                }
                if (bias != null) {
                    acc += bias[biasOff + j];
                }
                c[cOff + i * ldc + j] = ScalarActivations.value(activation, acc);
            }
        }
    }
}
