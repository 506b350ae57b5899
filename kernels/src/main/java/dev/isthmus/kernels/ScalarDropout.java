package dev.isthmus.kernels;

/**
 * The plain reference for {@link Dropout}: the counter-based generator one element at a time. It
 * gives exactly the same masks as the vector kernel.
 */
public final class ScalarDropout {
    /** The Weyl increment of SplitMix64 (2^64 divided by the golden ratio, odd). */
    static final long GAMMA = 0x9E3779B97F4A7C15L;
    /** Digits of pi: the finalizer maps 0 to 0, and seed 0 should not start from a key of 0. */
    private static final long SEED_SALT = 0x243F6A8885A308D3L;
    /** An odd multiplier unrelated to GAMMA, so that neighbouring streams start far apart in the sequence. */
    private static final long STREAM_GAMMA = 0xD1B54A32D192ED03L;

    private ScalarDropout() {}

    /** Same arguments and checks as {@link Dropout#mask}. */
    public static void mask(long seed, long stream, long firstIndex, float p, float[] mask, int maskOff, int n) {
        Dropout.checkMask(firstIndex, p, mask, maskOff, n);
        maskRange(key(seed, stream), firstIndex, dropThreshold(p), keptScale(p), mask, maskOff, 0, n);
    }

    /** Same arguments and checks as {@link Dropout#apply}. */
    public static void apply(float[] x, int xOff, float[] mask, int maskOff, float[] y, int yOff, int n) {
        Dropout.checkMultiply("dropout", "x", x, xOff, mask, maskOff, "y", y, yOff, n);
        multiplyRange(x, xOff, mask, maskOff, y, yOff, 0, n);
    }

    /** Same arguments and checks as {@link Dropout#backward}. */
    public static void backward(float[] dy, int dyOff, float[] mask, int maskOff, float[] dx, int dxOff, int n) {
        Dropout.checkMultiply("dropout backward", "dy", dy, dyOff, mask, maskOff, "dx", dx, dxOff, n);
        multiplyRange(dy, dyOff, mask, maskOff, dx, dxOff, 0, n);
    }

    /**
     * The SplitMix64 finalizer (Stafford's "Mix13" constants): a bijection on 64 bits in which every
     * input bit affects every output bit, so consecutive counters give independent-looking outputs.
     */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The start of the Weyl sequence for (seed, stream); element i hashes {@code key + i * GAMMA}. */
    static long key(long seed, long stream) {
        return mix(mix(seed ^ SEED_SALT) + stream * STREAM_GAMMA);
    }

    /** An element is dropped when the top 53 bits of its hash, as an integer, are below this: probability p. */
    static long dropThreshold(float p) {
        return (long) (p * 0x1p53);
    }

    /** Kept elements are scaled by 1 / (1 - p) so that the expected output equals the input (inverted dropout). */
    static float keptScale(float p) {
        return (float) (1 / (1 - (double) p));
    }

    static void maskRange(long key, long firstIndex, long threshold, float scale, float[] mask, int maskOff,
                          int from, int n) {
        for (int i = from; i < n; i++) {
            long hash = mix(key + (firstIndex + i) * GAMMA);
            mask[maskOff + i] = (hash >>> 11) >= threshold ? scale : 0f;
        }
    }

    static void multiplyRange(float[] x, int xOff, float[] mask, int maskOff, float[] y, int yOff, int from, int n) {
        for (int i = from; i < n; i++) {
            y[yOff + i] = x[xOff + i] * mask[maskOff + i];
        }
    }
}
