package dev.isthmus.kernels;

/**
 * An immutable sparse copy of a {@code k x n} weight matrix W (row p is input feature p, column j
 * is output j, as dense layers store it), holding only its nonzeros, for {@link SparseGemm}.
 *
 * <p>The stored form, which a model file keeps and {@link #ofColumns} rebuilds, is compressed
 * sparse columns: for output j, its nonzeros are entries {@code [columnStarts[j], columnStarts[j + 1])}
 * of {@code rowIndices} (their input p, increasing) and {@code values}. From it the matrix also
 * lays out, once, the slices the batch-1 kernel reads: {@code L} output columns per slice (L = the
 * float lanes of {@link Species#FLOAT}, 16 with AVX-512), and per step of a slice L values and L
 * input indices, one per column, so one gather of the input and one FMA advance L sums at once.
 * A slice is as long as its longest column; shorter columns are padded with value 0 at their own
 * last input index (input 0 for an empty column), so a padded step adds an exact zero to a finite sum.
 *
 * <p>Values are kept as given (NaN and infinities included); only exact zeros are left out.
 * Safe to share between threads.
 */
public final class SparseMatrix {
    private static final int L = Species.FLOAT.length();
    private final int k;
    private final int n;
    final int[] columnStarts;
    final int[] rowIndices;
    final float[] values;
    /** Where slice s starts in {@link #sliceIndices} and {@link #sliceValues}; slices + 1 entries. */
    final int[] sliceStarts;
    final int[] sliceIndices;
    final float[] sliceValues;

    private SparseMatrix(int k, int n, int[] columnStarts, int[] rowIndices, float[] values) {
        this.k = k;
        this.n = n;
        this.columnStarts = columnStarts;
        this.rowIndices = rowIndices;
        this.values = values;
        int slices = (n + L - 1) / L;
        this.sliceStarts = new int[slices + 1];
        long size = 0;
        for (int s = 0; s < slices; s++) {
            int longest = 0;
            for (int j = s * L; j < Math.min(n, (s + 1) * L); j++) {
                longest = Math.max(longest, columnStarts[j + 1] - columnStarts[j]);
            }
            size += (long) longest * L;
            if (size > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("sparse matrix: the " + k + "x" + n + " matrix's slices need "
                        + size + " entries, more than a Java array holds");
            }
            sliceStarts[s + 1] = (int) size;
        }
        this.sliceIndices = new int[(int) size];
        this.sliceValues = new float[(int) size];
        for (int s = 0; s < slices; s++) {
            int steps = (sliceStarts[s + 1] - sliceStarts[s]) / L;
            for (int lane = 0; lane < L; lane++) {
                int j = s * L + lane;
                int from = j < n ? columnStarts[j] : 0;
                int count = j < n ? columnStarts[j + 1] - from : 0;
                int pad = count > 0 ? rowIndices[from + count - 1] : 0;
                for (int t = 0; t < steps; t++) {
                    int at = sliceStarts[s] + t * L + lane;
                    sliceIndices[at] = t < count ? rowIndices[from + t] : pad;
                    sliceValues[at] = t < count ? values[from + t] : 0f;
                }
            }
        }
    }

    /**
     * The nonzeros of W, {@code k x n} row-major in {@code w} from {@code off} (leading dimension n).
     *
     * @throws IllegalArgumentException when k or n is below 1, w is null, or w holds fewer than
     *                                  {@code off + k * n} floats
     */
    public static SparseMatrix of(int k, int n, float[] w, int off) {
        checkShape(k, n);
        Check.matrix("sparse matrix", "W", k, n, w, off, n);
        int[] starts = new int[n + 1];
        for (int j = 0; j < n; j++) {
            int count = 0;
            for (int p = 0; p < k; p++) {
                if (w[off + p * n + j] != 0f) {
                    count++;
                }
            }
            starts[j + 1] = starts[j] + count;
        }
        int[] rows = new int[starts[n]];
        float[] vals = new float[starts[n]];
        for (int j = 0; j < n; j++) {
            int at = starts[j];
            for (int p = 0; p < k; p++) {
                float v = w[off + p * n + j];
                if (v != 0f) {
                    rows[at] = p;
                    vals[at++] = v;
                }
            }
        }
        return new SparseMatrix(k, n, starts, rows, vals);
    }

    /**
     * Rebuilds a matrix from its stored form ({@link #columnStarts()}, {@link #rowIndices()},
     * {@link #values()}), for example as read from a file, after checking all of it; the arrays are
     * copied.
     *
     * @param columnStarts n + 1 ints: 0, then non-decreasing, ending at the number of nonzeros
     * @param rowIndices   per nonzero its input p, in [0, k) and strictly increasing within a column
     * @param values       per nonzero its value, as many as rowIndices
     * @throws IllegalArgumentException when k or n is below 1 or k x n exceeds a Java array, an
     *                                  array is null or of the wrong length, or an index or start is
     *                                  out of order or range (the message names the first bad entry)
     */
    public static SparseMatrix ofColumns(int k, int n, int[] columnStarts, int[] rowIndices, float[] values) {
        String op = "sparse matrix";
        checkShape(k, n);
        if (columnStarts == null || rowIndices == null || values == null) {
            throw new IllegalArgumentException(op + ": columnStarts, rowIndices and values must not be null");
        }
        if (columnStarts.length != n + 1) {
            throw new IllegalArgumentException(op + ": columnStarts must hold n + 1 = " + (n + 1) + " ints, got "
                    + columnStarts.length);
        }
        if (rowIndices.length != values.length) {
            throw new IllegalArgumentException(op + ": rowIndices has " + rowIndices.length + " entries but values has "
                    + values.length);
        }
        if (columnStarts[0] != 0 || columnStarts[n] != rowIndices.length) {
            throw new IllegalArgumentException(op + ": columnStarts must run from 0 to the " + rowIndices.length
                    + " nonzeros, got " + columnStarts[0] + " to " + columnStarts[n]);
        }
        for (int j = 0; j < n; j++) {
            int from = columnStarts[j];
            int to = columnStarts[j + 1];
            if (to < from || to - from > k) {
                throw new IllegalArgumentException(op + ": column " + j + " runs from " + from + " to " + to
                        + ": starts must not decrease and a column holds at most k = " + k + " nonzeros");
            }
            for (int at = from; at < to; at++) {
                int p = rowIndices[at];
                if (p < 0 || p >= k || (at > from && p <= rowIndices[at - 1])) {
                    throw new IllegalArgumentException(op + ": row index " + p + " at " + at + " (column " + j
                            + ") must be in [0, " + k + ") and above the column's previous index");
                }
            }
        }
        return new SparseMatrix(k, n, columnStarts.clone(), rowIndices.clone(), values.clone());
    }

    /** k and n at least 1, and k x n small enough for {@link #toDense} to fill one Java array. */
    private static void checkShape(int k, int n) {
        Int8Matrix.positive("sparse matrix", "k", k);
        Int8Matrix.positive("sparse matrix", "n", n);
        if ((long) k * n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("sparse matrix: a " + k + "x" + n + " matrix has " + (long) k * n
                    + " entries, more than a Java array holds");
        }
    }

    /** Rows of W: the inputs, the shared dimension of the product. */
    public int k() {
        return k;
    }

    /** Columns of W: the outputs. */
    public int n() {
        return n;
    }

    /** Entries held (the nonzeros of the source matrix). */
    public int nonZeros() {
        return values.length;
    }

    /** {@code nonZeros() / (k * n)}, in [0, 1]. */
    public double density() {
        return values.length / ((double) k * n);
    }

    /** Bytes of the stored form: a float and an int per nonzero plus n + 1 column starts. */
    public long bytes() {
        return 8L * values.length + 4L * columnStarts.length;
    }

    /** A fresh copy of the column starts, n + 1 ints (see the class comment). */
    public int[] columnStarts() {
        return columnStarts.clone();
    }

    /** A fresh copy of each nonzero's input index p, column by column. */
    public int[] rowIndices() {
        return rowIndices.clone();
    }

    /** A fresh copy of the nonzero values, column by column. */
    public float[] values() {
        return values.clone();
    }

    /**
     * Writes W back as a dense {@code k x n} row-major matrix from {@code dst[off]}, zeros included.
     *
     * @throws IllegalArgumentException on a null or short array
     */
    public void toDense(float[] dst, int off) {
        Check.vector("sparse matrix", "dst", k * n, dst, off);
        java.util.Arrays.fill(dst, off, off + k * n, 0f);
        for (int j = 0; j < n; j++) {
            for (int at = columnStarts[j]; at < columnStarts[j + 1]; at++) {
                dst[off + rowIndices[at] * n + j] = values[at];
            }
        }
    }
}
