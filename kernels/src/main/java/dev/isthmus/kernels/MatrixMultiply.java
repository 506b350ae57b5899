package dev.isthmus.kernels;

/**
 * A single-precision matrix product with {@link Gemm#sgemm(boolean, boolean, int, int, int, float,
 * float[], int, int, float[], int, int, float, float[], int, int)}'s contract, so that composite
 * kernels such as {@link Convolution} can run their products on another implementation (OpenBLAS,
 * bound in {@code native-bindings}, which this module does not know). {@link #VECTOR} is the Vector
 * API kernel.
 */
@FunctionalInterface
public interface MatrixMultiply {
    /** {@link Gemm#sgemm}, the Vector API kernel. */
    MatrixMultiply VECTOR = Gemm::sgemm;

    /** Computes {@code C = alpha * op(A) * op(B) + beta * C}, row-major, as {@link Gemm#sgemm} documents. */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
               float beta, float[] c, int cOff, int ldc);
}
