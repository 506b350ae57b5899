package dev.isthmus.nn.infer;

import java.util.Map;

/**
 * One operation of an {@link InferencePlan}: it maps {@code rows} samples of {@link #inSize()}
 * floats to {@code rows} samples of {@link #outSize()} floats. A step is immutable after it is
 * built (its arrays are never written again), so one step serves every thread at once; whatever a
 * call needs to write goes to the caller's output or to the scratch array of the caller's workspace.
 */
sealed interface Step permits MatmulStep, SparseMatmulStep, PoolStep, AffineStep, ActivationStep, SoftmaxStep, LayoutStep, QuantizedStep {
    /** The step's kind as the plan file and {@link InferencePlan#describe()} name it. */
    String kind();

    /** Floats per input sample. */
    int inSize();

    /** Floats per output sample. */
    int outSize();

    /** Scratch floats one sample needs (an im2col matrix), 0 for none. */
    default int scratchSize() {
        return 0;
    }

    /** Scratch bytes one sample needs (int8 activations and im2col rows of a quantized step), 0 for none. */
    default int byteScratchSize() {
        return 0;
    }

    /**
     * Computes {@code rows} samples: input at {@code x[xOff..]}, output to {@code y[yOff..]} (never the
     * same memory). {@code pooled} is true when the call runs inside a part of the shared thread pool,
     * where the step must stay on its thread and must not call OpenBLAS (whose own threads would
     * contend with the pool's).
     */
    void run(float[] x, int xOff, float[] y, int yOff, int rows, Workspace ws, boolean pooled);

    /** One line: what the step computes, what it fused and which kernel runs it. */
    String describe();

    /** Floating-point operations per sample. */
    long flops();

    /** Bytes of weights the step holds. */
    default long weightBytes() {
        return 0;
    }

    /** Sizes and options as the plan file stores them (Integer, Float, String or int[] values). */
    Map<String, Object> config();

    /** The float32 arrays the plan file stores, by name. */
    default Map<String, float[]> tensors() {
        return Map.of();
    }

    /** The int8 arrays the plan file stores, by name (names distinct from the other arrays'). */
    default Map<String, byte[]> byteTensors() {
        return Map.of();
    }

    /** The int32 arrays the plan file stores, by name (names distinct from the other arrays'). */
    default Map<String, int[]> intTensors() {
        return Map.of();
    }
}
