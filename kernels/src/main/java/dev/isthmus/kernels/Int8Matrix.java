package dev.isthmus.kernels;

/**
 * Int8 weights B (k x n: row p is input feature p, column j is output channel j), packed once for
 * {@link Int8Gemm}, with their column sums, which a caller needs to correct for the activations'
 * zero point. Weights are symmetric per output column, so B itself has no zero point.
 *
 * <p>Layout: B row-major as given ({@code data[p * n + j] = B[p][j]}). The copy is independent of
 * the source array. Immutable and safe to share between threads.
 */
public final class Int8Matrix {
    private final int k;
    private final int n;
    final byte[] data;
    private final int[] columnSums;

    private Int8Matrix(int k, int n, byte[] data, int[] columnSums) {
        this.k = k;
        this.n = n;
        this.data = data;
        this.columnSums = columnSums;
    }

    /**
     * Packs B, k x n row-major at {@code bOff} with leading dimension {@code ldb}.
     *
     * @throws IllegalArgumentException on a size below 1, a null or short array or a leading
     *                                  dimension below n
     */
    public static Int8Matrix pack(int k, int n, byte[] b, int bOff, int ldb) {
        positive("int8 pack", "k", k);
        positive("int8 pack", "n", n);
        Check.matrix("int8 pack", "B", k, n, b, bOff, ldb);
        if ((long) k * n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("int8 pack: a " + k + "x" + n + " matrix has " + (long) k * n
                    + " bytes, more than a Java array holds");
        }
        byte[] data = new byte[k * n];
        int[] sums = new int[n];
        for (int p = 0; p < k; p++) {
            System.arraycopy(b, bOff + p * ldb, data, p * n, n);
            for (int j = 0; j < n; j++) {
                sums[j] += b[bOff + p * ldb + j];
            }
        }
        return new Int8Matrix(k, n, data, sums);
    }

    /** Rows of B: the inputs, the shared dimension of the product. */
    public int k() {
        return k;
    }

    /** Columns of B: the outputs. */
    public int n() {
        return n;
    }

    /** Bytes of weights held (column sums and the object itself not counted). */
    public long bytes() {
        return data.length;
    }

    /** A fresh copy of the column sums {@code sum over p of B[p][j]}, n ints. */
    public int[] columnSums() {
        return columnSums.clone();
    }

    /**
     * {@code B[p][j]}.
     *
     * @throws IllegalArgumentException when p or j is outside the matrix
     */
    public byte get(int p, int j) {
        if (p < 0 || p >= k || j < 0 || j >= n) {
            throw new IllegalArgumentException("int8 matrix: (" + p + ", " + j + ") is outside the " + k + "x" + n
                    + " matrix");
        }
        return data[p * n + j];
    }

    /**
     * Writes B back, k x n row-major from {@code dst[off]} (to save a model).
     *
     * @throws IllegalArgumentException on a null or short array
     */
    public void unpack(byte[] dst, int off) {
        Check.vector("int8 unpack", "dst", k * n, dst, off);
        System.arraycopy(data, 0, dst, off, k * n);
    }

    static void positive(String op, String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(op + ": " + name + " must be >= 1, got " + value);
        }
    }
}
