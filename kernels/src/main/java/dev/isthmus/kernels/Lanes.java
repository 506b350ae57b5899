package dev.isthmus.kernels;

import jdk.incubator.vector.VectorShuffle;

/**
 * Horizontal sums in a fixed order. {@code reduceLanes(ADD)} leaves the order open: the interpreter
 * adds the lanes one after another and C2 in a tree, so the same call rounded differently before
 * and after the JIT compiled it, breaking "same inputs, same bits".
 *
 * <p>A call site stores its vector into {@link #scratch()} and calls {@link #sum()}. No vector is
 * passed to a method here on purpose: when C2 declines to inline such a method ("callee is too
 * large", which happened in the larger kernels) the vector is boxed on every call.
 */
final class Lanes {
    private static final int L = Species.FLOAT.length();
    /**
     * Rotations by 8, 4, 2 and 1 lanes, for kernels that write the same tree inline with vector
     * adds (Gemv's dot products, where the scalar tree cost a tenth of the time): constants, so
     * that C2 emits one permute each.
     */
    static final VectorShuffle<Float> BY_8 = VectorShuffle.iota(Species.FLOAT, 8 % L, 1, true);
    static final VectorShuffle<Float> BY_4 = VectorShuffle.iota(Species.FLOAT, 4 % L, 1, true);
    static final VectorShuffle<Float> BY_2 = VectorShuffle.iota(Species.FLOAT, 2 % L, 1, true);
    static final VectorShuffle<Float> BY_1 = VectorShuffle.iota(Species.FLOAT, 1 % L, 1, true);
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[L]);

    private Lanes() {}

    /** This thread's lanes, one vector long, for the vector about to be summed. */
    static float[] scratch() {
        return SCRATCH.get();
    }

    /** The sum of this thread's scratch lanes as a fixed tree: halves added until one is left. */
    static float sum() {
        float[] t = SCRATCH.get();
        for (int half = L / 2; half >= 1; half /= 2) {
            for (int i = 0; i < half; i++) {
                t[i] += t[i + half];
            }
        }
        return t[0];
    }
}
