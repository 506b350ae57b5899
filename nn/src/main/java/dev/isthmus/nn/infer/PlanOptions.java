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
 */
public record PlanOptions(Kernel kernel, int chunkSamples) {
    /** Where products run. */
    public enum Kernel { AUTO, VECTOR, BLAS }

    /** AUTO, automatic chunks. */
    public static final PlanOptions DEFAULT = new PlanOptions(Kernel.AUTO, 0);

    static final int WORKSPACE_BUDGET_FLOATS = 1 << 21;
    static final int MAX_AUTO_CHUNK = 256;

    /**
     * Rows from which OpenBLAS beats the Vector API on pre-packed weights for AUTO, measured with
     * {@code bench/jmh GemmShapesBenchmark} (packed vs openblas, one thread; bench/RESULTS.md section 6).
     */
    static final int AUTO_BLAS_FROM_ROWS = 64;

    public PlanOptions {
        if (kernel == null) {
            throw new IllegalArgumentException("PlanOptions: kernel must not be null (AUTO, VECTOR or BLAS)");
        }
        if (chunkSamples < 0) {
            throw new IllegalArgumentException("PlanOptions: chunkSamples must be >= 0 (0 = automatic), got "
                    + chunkSamples);
        }
    }

    /** These options with another kernel choice. */
    public PlanOptions withKernel(Kernel k) {
        return new PlanOptions(k, chunkSamples);
    }

    /** These options with a fixed chunk size (0 = automatic). */
    public PlanOptions withChunkSamples(int samples) {
        return new PlanOptions(kernel, samples);
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
