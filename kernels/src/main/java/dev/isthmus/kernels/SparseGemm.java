package dev.isthmus.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The product of dense inputs and sparse weights with a fused epilogue,
 * {@code C = f(A * W + bias)}: A is m x k row-major, W a {@link SparseMatrix} (k x n), C m x n.
 *
 * <p>Each output is {@code acc = 0f; for each nonzero (p, v) of column j, in increasing p:
 * acc = fma(v, A[i][p], acc)}, then {@code f(acc + bias[j])}: the order {@link ScalarSparseGemm}
 * computes too, so for finite A the two agree bit for bit before the activation (and after it for
 * identity, ReLU and leaky ReLU; sigmoid, tanh and ELU use the vector intrinsics, within a few ulps).
 * The pruned weights are not multiplied at all, so unlike the dense product an infinity or NaN in A
 * only reaches the outputs whose stored weights (or the slice padding, see {@link SparseMatrix})
 * read it; an infinite input may give NaN where the reference gives an infinity.
 *
 * <p>Two kernels, chosen by the row count alone (measured against each other and against a mask
 * and expand layout, bench/RESULTS.md section 8.1):
 * <ul>
 *   <li>fewer than {@link #LANES_FROM_ROWS} rows: row by row, slice by slice, one gather of L inputs
 *   and one FMA per step into a register (no reductions);</li>
 *   <li>from {@link #LANES_FROM_ROWS} rows: L rows at a time in the vector lanes (A's rows
 *   transposed into a per-thread buffer), one broadcast weight times one vector of L rows per
 *   nonzero, four columns interleaved so that their FMA chains overlap; no gathers.</li>
 * </ul>
 * Runs on the caller's thread and, once warm, allocates nothing (the buffer of the second kernel
 * grows to the largest k and n seen, once).
 */
public final class SparseGemm {
    private static final String OP = "sparse gemm";
    private static final VectorSpecies<Float> S = Species.FLOAT;
    private static final int L = S.length();
    /**
     * From this many rows the lanes kernel runs: the gather kernel costs one gather per row and
     * step, the lanes kernel one FMA per nonzero for up to L rows (784 x 256 at 90% zeros, one JMH
     * run under load: at 4 rows gathers 31 us vs lanes 48 us, at 8 rows 48 us vs 33 us;
     * bench/RESULTS.md section 8.1).
     */
    public static final int LANES_FROM_ROWS = 8;

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    /** A's rows transposed (k x L) and C's (n x L), grown as needed and reused; one vector of sums. */
    private static final class Buffers {
        float[] a = new float[0];
        float[] c = new float[0];
        final float[] lanes = new float[L];
    }

    private SparseGemm() {}

    /**
     * Computes {@code C = f(A * W + bias)} as described in the class comment.
     *
     * @param a    m x k row-major from aOff, leading dimension lda
     * @param c    m x n row-major from cOff, leading dimension ldc; must not overlap A or the bias
     * @param bias n floats from biasOff, or null for none
     * @throws IllegalArgumentException when m is below 1, W, A, C or the activation is null, an
     *                                  array is too short for its matrix, a leading dimension is
     *                                  below its row, or C overlaps A or the bias
     */
    public static void gemm(int m, float[] a, int aOff, int lda, SparseMatrix w, float[] c, int cOff, int ldc,
                            float[] bias, int biasOff, Activation activation) {
        check(m, a, aOff, lda, w, c, cOff, ldc, bias, biasOff, activation);
        Buffers buffers = BUFFERS.get();
        if (m < LANES_FROM_ROWS) {
            for (int i = 0; i < m; i++) {
                gatherRow(a, aOff + i * lda, w, c, cOff + i * ldc, buffers.lanes);
                Activations.biasThenActivation(c, cOff + i * ldc, bias, biasOff, w.n(), activation);
            }
            return;
        }
        if (buffers.a.length < w.k() * L) {
            buffers.a = new float[w.k() * L];
        }
        if (buffers.c.length < w.n() * L) {
            buffers.c = new float[w.n() * L];
        }
        for (int i = 0; i < m; i += L) {
            int rows = Math.min(L, m - i);
            lanes(rows, a, aOff + i * lda, lda, w, buffers.a, buffers.c, c, cOff + i * ldc, ldc);
            for (int r = 0; r < rows; r++) {
                Activations.biasThenActivation(c, cOff + (i + r) * ldc, bias, biasOff, w.n(), activation);
            }
        }
    }

    static void check(int m, float[] a, int aOff, int lda, SparseMatrix w, float[] c, int cOff, int ldc,
                      float[] bias, int biasOff, Activation activation) {
        if (w == null) {
            throw new IllegalArgumentException(OP + ": the sparse W is null");
        }
        Int8Matrix.positive(OP, "m", m);
        int k = w.k();
        int n = w.n();
        Check.matrix(OP, "A", m, k, a, aOff, lda);
        Check.matrix(OP, "C", m, n, c, cOff, ldc);
        int span = Check.span(m, n, ldc);
        Check.disjoint(OP, "C", c, cOff, span, "A", a, aOff, Check.span(m, k, lda));
        Gemm.checkEpilogue(OP, n, bias, biasOff, activation);
        if (bias != null) {
            Check.disjoint(OP, "C", c, cOff, span, "bias", bias, biasOff, n);
        }
    }

    /**
     * One row of A times W, slice by slice, the sums (no bias) into {@code c[cRow..cRow + n)}; a
     * partial last slice goes through {@code lanes} (a masked store allocated a mask per call in
     * some compiles).
     */
    private static void gatherRow(float[] a, int aRow, SparseMatrix w, float[] c, int cRow, float[] lanes) {
        int[] starts = w.sliceStarts;
        int[] index = w.sliceIndices;
        float[] value = w.sliceValues;
        int n = w.n();
        int full = n / L;
        for (int s = 0; s < starts.length - 1; s++) {
            FloatVector acc = FloatVector.zero(S);
            for (int at = starts[s]; at < starts[s + 1]; at += L) {
                FloatVector x = FloatVector.fromArray(S, a, aRow, index, at);
                acc = FloatVector.fromArray(S, value, at).fma(x, acc);
            }
            if (s < full) {
                acc.intoArray(c, cRow + s * L);
            } else {
                // the last, partial slice: its padding lanes are not outputs
                acc.intoArray(lanes, 0);
                System.arraycopy(lanes, 0, c, cRow + s * L, n - s * L);
            }
        }
    }

    /**
     * {@code rows} (at most L) rows of A times W, the sums (no bias) into those rows of C: A's rows
     * go into the lanes of {@code at} (k x L; lanes past rows keep whatever they held and are never
     * stored), each column's sums into {@code ct} (n x L), then back into C's rows.
     */
    private static void lanes(int rows, float[] a, int aOff, int lda, SparseMatrix w, float[] at, float[] ct,
                              float[] c, int cOff, int ldc) {
        int k = w.k();
        int n = w.n();
        for (int r = 0; r < rows; r++) {
            int row = aOff + r * lda;
            for (int p = 0; p < k; p++) {
                at[p * L + r] = a[row + p];
            }
        }
        int[] starts = w.columnStarts;
        int[] index = w.rowIndices;
        float[] value = w.values;
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            int p0 = starts[j];
            int p1 = starts[j + 1];
            int p2 = starts[j + 2];
            int p3 = starts[j + 3];
            int end = starts[j + 4];
            int common = Math.min(Math.min(p1 - p0, p2 - p1), Math.min(p3 - p2, end - p3));
            FloatVector c0 = FloatVector.zero(S);
            FloatVector c1 = c0;
            FloatVector c2 = c0;
            FloatVector c3 = c0;
            for (int t = 0; t < common; t++) {
                c0 = FloatVector.fromArray(S, at, index[p0 + t] * L).fma(FloatVector.broadcast(S, value[p0 + t]), c0);
                c1 = FloatVector.fromArray(S, at, index[p1 + t] * L).fma(FloatVector.broadcast(S, value[p1 + t]), c1);
                c2 = FloatVector.fromArray(S, at, index[p2 + t] * L).fma(FloatVector.broadcast(S, value[p2 + t]), c2);
                c3 = FloatVector.fromArray(S, at, index[p3 + t] * L).fma(FloatVector.broadcast(S, value[p3 + t]), c3);
            }
            // each column's remaining nonzeros, in order
            c0 = column(at, index, value, p0 + common, p1, c0);
            c1 = column(at, index, value, p1 + common, p2, c1);
            c2 = column(at, index, value, p2 + common, p3, c2);
            c3 = column(at, index, value, p3 + common, end, c3);
            c0.intoArray(ct, j * L);
            c1.intoArray(ct, (j + 1) * L);
            c2.intoArray(ct, (j + 2) * L);
            c3.intoArray(ct, (j + 3) * L);
        }
        // remaining columns
        for (; j < n; j++) {
            column(at, index, value, starts[j], starts[j + 1], FloatVector.zero(S)).intoArray(ct, j * L);
        }
        for (int r = 0; r < rows; r++) {
            int row = cOff + r * ldc;
            for (int q = 0; q < n; q++) {
                c[row + q] = ct[q * L + r];
            }
        }
    }

    /** acc plus the nonzeros {@code [from, to)} of one column times the transposed rows of A, in order. */
    private static FloatVector column(float[] at, int[] index, float[] value, int from, int to, FloatVector acc) {
        for (int p = from; p < to; p++) {
            acc = FloatVector.fromArray(S, at, index[p] * L).fma(FloatVector.broadcast(S, value[p]), acc);
        }
        return acc;
    }
}
