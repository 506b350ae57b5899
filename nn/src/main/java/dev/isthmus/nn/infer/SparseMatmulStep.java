package dev.isthmus.nn.infer;

import dev.isthmus.kernels.Activation;
import dev.isthmus.kernels.SparseGemm;
import dev.isthmus.kernels.SparseMatrix;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A dense layer whose weights are mostly zero (pruned), as {@code Y = f(X * W + bias)} on W's
 * nonzeros only ({@link SparseGemm}): W is {@code k x n}, batch normalization folded in and rows
 * permuted to channels-last input order exactly as {@link MatmulStep} gets them. Convolutions are
 * never compiled to this step (their products have many rows per sample, where the dense packed
 * GEMM is hard to beat, and their kernels are small); they stay {@link MatmulStep}s.
 *
 * <p>Batches of fewer than {@code denseFromRows} samples run the sparse kernel on the caller's
 * thread; larger ones run the dense twin, a {@link MatmulStep} on the same weights with their
 * zeros, where the dense kernels measured faster. The row count alone decides, so a batch size
 * always gives the same bits. The plan file stores only the nonzeros (compressed columns); the twin
 * is rebuilt from them.
 */
final class SparseMatmulStep implements Step {
    private final SparseMatrix weights;
    private final MatmulStep dense;
    private final int denseFromRows;

    private SparseMatmulStep(SparseMatrix weights, MatmulStep dense, int denseFromRows) {
        if (dense.conv() != null) {
            throw new IllegalArgumentException("sparse matmul step: convolutions stay dense, got " + dense.conv());
        }
        if (denseFromRows < 1) {
            throw new IllegalArgumentException("sparse matmul step: denseFromRows must be >= 1, got " + denseFromRows);
        }
        this.weights = weights;
        this.dense = dense;
        this.denseFromRows = denseFromRows;
    }

    /** The sparse form of a dense layer's product step; its twin is rebuilt from the nonzeros. */
    static SparseMatmulStep of(MatmulStep dense, int denseFromRows) {
        SparseMatrix w = SparseMatrix.of(dense.k(), dense.n(), dense.weights(), 0);
        return build(w, dense.bias(), dense.activation(), dense.blasFromRows(), dense.folded(), denseFromRows);
    }

    /**
     * The step from its stored form (see {@link SparseMatrix#ofColumns}), checked fully.
     *
     * @throws IllegalArgumentException on a bad index, start, size or option
     */
    static SparseMatmulStep ofColumns(int k, int n, int[] columnStarts, int[] rowIndices, float[] values, float[] bias,
                                      Activation activation, int blasFromRows, String folded, int denseFromRows) {
        return build(SparseMatrix.ofColumns(k, n, columnStarts, rowIndices, values), bias, activation, blasFromRows,
                folded, denseFromRows);
    }

    private static SparseMatmulStep build(SparseMatrix w, float[] bias, Activation activation, int blasFromRows,
                                          String folded, int denseFromRows) {
        // the twin takes the weights back from the nonzeros, so a compiled and a loaded plan hold the same twin
        float[] full = new float[w.k() * w.n()];
        w.toDense(full, 0);
        return new SparseMatmulStep(w, new MatmulStep(null, w.k(), w.n(), full, bias, activation, blasFromRows, folded),
                denseFromRows);
    }

    /** The same product on the weights with their zeros: what quantization and large batches use. */
    MatmulStep dense() {
        return dense;
    }

    @Override
    public String kind() {
        return "sparse_dense";
    }

    @Override
    public int inSize() {
        return weights.k();
    }

    @Override
    public int outSize() {
        return weights.n();
    }

    @Override
    public void run(float[] x, int xOff, float[] y, int yOff, int rows, Workspace ws, boolean pooled) {
        if (rows >= denseFromRows) {
            dense.run(x, xOff, y, yOff, rows, ws, pooled);
            return;
        }
        SparseGemm.gemm(rows, x, xOff, weights.k(), weights, y, yOff, weights.n(), dense.bias(), 0, dense.activation());
    }

    @Override
    public String describe() {
        String product = dense.describe().split(";")[0];
        return String.format(Locale.ROOT, "%s; sparse Vector API kernel on %d of %d weights (density %.1f%%; gathers "
                        + "below %d rows, rows in vector lanes from there), dense twin from %d rows", product,
                weights.nonZeros(), (long) weights.k() * weights.n(), 100 * weights.density(),
                SparseGemm.LANES_FROM_ROWS, denseFromRows);
    }

    /** The multiply-adds of the nonzeros, twice. */
    @Override
    public long flops() {
        return 2L * weights.nonZeros();
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("k", weights.k());
        c.put("n", weights.n());
        c.put("nonzeros", weights.nonZeros());
        c.put("activation", dense.activation().kind().name().toLowerCase(Locale.ROOT));
        c.put("alpha", dense.activation().alpha());
        c.put("blas_from_rows", dense.blasFromRows());
        c.put("dense_from_rows", denseFromRows);
        c.put("folded", dense.folded());
        return c;
    }

    @Override
    public Map<String, float[]> tensors() {
        Map<String, float[]> t = new LinkedHashMap<>();
        t.put("values", weights.values());
        t.put("bias", dense.bias());
        return t;
    }

    @Override
    public Map<String, int[]> intTensors() {
        Map<String, int[]> t = new LinkedHashMap<>();
        t.put("column_starts", weights.columnStarts());
        t.put("row_indices", weights.rowIndices());
        return t;
    }

    /** Bytes as stored: the nonzeros with their indices and column starts, and the bias (the dense twin not counted). */
    @Override
    public long weightBytes() {
        return weights.bytes() + 4L * weights.n();
    }
}
