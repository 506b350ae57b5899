package dev.isthmus.nn.infer;

import dev.isthmus.blas.Blas;

/**
 * How {@link InferencePlan#compile} builds a plan.
 *
 * @param kernel       which products may run on OpenBLAS: {@link Kernel#AUTO} chooses per layer from
 *                     the measured crossover, {@link Kernel#VECTOR} never, {@link Kernel#BLAS} always
 *                     (when OpenBLAS is loaded and the call is not inside a pool part)
 * @param chunkSamples samples one thread carries through all steps at a time; a larger batch is cut
 *                     into chunks spread over the thread pool. 0 chooses from the plan's widest
 *                     step so a workspace stays near {@value #WORKSPACE_BUDGET_FLOATS} floats, at most
 *                     {@value #MAX_AUTO_CHUNK} samples; a plan of dense products on OpenBLAS is not
 *                     capped, so its batches reach OpenBLAS's own threads whole.
 * @param sparse       whether dense layers run on their nonzero weights only (batches below
 *                     64 samples): {@link Sparse#AUTO} when at least 85% of the (folded)
 *                     weights are zero, or 70% for weights beyond L2 (2 MB), as measured;
 *                     {@link Sparse#NEVER}; or {@link Sparse#ALWAYS}; convolutions always stay dense
 */
public record PlanOptions(Kernel kernel, int chunkSamples, Sparse sparse) {
    /** Where products run. */
    public enum Kernel { AUTO, VECTOR, BLAS }

    /** Whether a dense layer's product runs on the sparse kernel (for batches below 64 samples). */
    public enum Sparse { AUTO, NEVER, ALWAYS }

    /** AUTO, automatic chunks, sparse where measured faster. */
    public static final PlanOptions DEFAULT = new PlanOptions(Kernel.AUTO, 0, Sparse.AUTO);

    static final int WORKSPACE_BUDGET_FLOATS = 1 << 21;
    static final int MAX_AUTO_CHUNK = 256;

    /**
     * Rows from which OpenBLAS beats the Vector API on pre-packed weights for AUTO, measured with
     * {@code bench/jmh GemmShapesBenchmark} (packed vs openblas, one thread; bench/RESULTS.md section 6).
     */
    static final int AUTO_BLAS_FROM_ROWS = 64;

    /**
     * The fraction of zero weights from which {@link Sparse#AUTO} gives a dense layer whose weights
     * fit in L2 (at most {@link #SPARSE_L2_WEIGHTS}) the sparse kernel. SparseGemmBenchmark (dense =
     * the Vector API few-row kernel on the weights as stored, sparse = SparseGemm, one thread)
     * measured the sparse kernel slower at 80% zeros and faster at 85% at batch 1 for 784 x 256 and
     * 256 x 128 (faster from 70-80% at batch 16); bench/RESULTS.md section 8.1, command
     * {@code bench/jmh SparseGemm -f 1 -wi 3 -w 1s -i 5 -r 1s}.
     */
    static final double AUTO_SPARSE_FROM_ZEROS = 0.85;

    /**
     * As {@link #AUTO_SPARSE_FROM_ZEROS} for weights beyond L2, where the dense product streams them
     * from memory: 1024 x 1024 measured the sparse kernel 2.0x faster at 70% zeros at batch 1 and
     * 1.9x at batch 16, 0.84x at 50% at batch 1 (bench/RESULTS.md section 8.1).
     */
    static final double AUTO_SPARSE_FROM_ZEROS_BEYOND_L2 = 0.7;

    /** Weights (floats) that fit the 2 MB L2 of this machine's cores: 512 Ki floats. */
    static final long SPARSE_L2_WEIGHTS = 512 * 1024;

    /**
     * Batches (product rows) from which a sparse step runs its dense twin instead: at 16 rows the
     * sparse kernel measured faster for every shape from 70-80% zeros, at 64 rows it was mixed
     * (0.78x at 784 x 256 with 80% zeros, 1.24-1.59x with 90%), and from 64 rows AUTO runs dense
     * products on OpenBLAS (bench/RESULTS.md section 8.1). The row count alone decides, so a batch
     * size always gives the same bits.
     */
    static final int SPARSE_BELOW_ROWS = 64;

    /** Options with the sparse choice left to AUTO. */
    public PlanOptions(Kernel kernel, int chunkSamples) {
        this(kernel, chunkSamples, Sparse.AUTO);
    }

    public PlanOptions {
        if (kernel == null) {
            throw new IllegalArgumentException("PlanOptions: kernel must not be null (AUTO, VECTOR or BLAS)");
        }
        if (sparse == null) {
            throw new IllegalArgumentException("PlanOptions: sparse must not be null (AUTO, NEVER or ALWAYS)");
        }
        if (chunkSamples < 0) {
            throw new IllegalArgumentException("PlanOptions: chunkSamples must be >= 0 (0 = automatic), got "
                    + chunkSamples);
        }
    }

    /** These options with another kernel choice. */
    public PlanOptions withKernel(Kernel k) {
        return new PlanOptions(k, chunkSamples, sparse);
    }

    /** These options with a fixed chunk size (0 = automatic). */
    public PlanOptions withChunkSamples(int samples) {
        return new PlanOptions(kernel, samples, sparse);
    }

    /** These options with another sparse choice. */
    public PlanOptions withSparse(Sparse s) {
        return new PlanOptions(kernel, chunkSamples, s);
    }

    /** Whether a dense layer ({@code k x n} weights, {@code zeros} of them zero) runs on the sparse kernel. */
    boolean sparse(long zeros, int k, int n) {
        return switch (sparse) {
            case NEVER -> false;
            case ALWAYS -> true;
            case AUTO -> zeros >= ((long) k * n <= SPARSE_L2_WEIGHTS ? AUTO_SPARSE_FROM_ZEROS
                    : AUTO_SPARSE_FROM_ZEROS_BEYOND_L2) * k * n;
        };
    }

    /** The product-row count from which a product runs on OpenBLAS (the measured crossover holds for every layer shape). */
    int blasFromRows() {
        return switch (kernel) {
            case VECTOR -> Integer.MAX_VALUE;
            case BLAS -> Blas.available() ? 1 : Integer.MAX_VALUE;
            case AUTO -> Blas.available() ? AUTO_BLAS_FROM_ROWS : Integer.MAX_VALUE;
        };
    }
}
