package dev.isthmus.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Inverted dropout with reproducible masks, on the Vector API: each mask element is 0 or
 * {@code 1 / (1 - p)}, and depends only on (seed, stream, index), never on how the array is split
 * across calls or threads.
 *
 * <p>The generator is counter-based: element {@code i} is kept when a SplitMix64 hash of
 * {@code key(seed, stream) + i * 0x9E3779B97F4A7C15} has its top 53 bits at or above
 * {@code p * 2^53}. Pass the training step (or any per-use counter) as {@code stream} so that a layer
 * gets a fresh mask each step and the same mask again when the step is replayed.
 */
public final class Dropout {
    private static final VectorSpecies<Float> S = Species.FLOAT;
    /**
     * Longs of the same shape as {@link #S}: half as many lanes, so one pair of long vectors
     * (the even and the odd elements) fills one float vector.
     */
    private static final VectorSpecies<Long> L = Species.LONG;

    private Dropout() {}

    /**
     * Fills {@code mask[maskOff + i]} for i in [0, n) with the mask of element {@code firstIndex + i}:
     * 0 with probability p, else {@code 1 / (1 - p)}; p = 0 gives all ones.
     *
     * @param stream distinguishes masks of one seed, for example the training step
     * @param firstIndex the index of the first element written, so that a range of a larger mask can be
     *                   computed on its own (for example by one thread)
     * @throws IllegalArgumentException if p is outside [0, 1), firstIndex is negative or firstIndex + n
     *                                  overflows, or the mask range is bad
     */
    public static void mask(long seed, long stream, long firstIndex, float p, float[] mask, int maskOff, int n) {
        checkMask(firstIndex, p, mask, maskOff, n);
        long key = ScalarDropout.key(seed, stream);
        long threshold = ScalarDropout.dropThreshold(p);
        float scale = ScalarDropout.keptScale(p);
        int i = maskBody(key, firstIndex, threshold, scale, mask, maskOff, n);
        // scalar tail
        ScalarDropout.maskRange(key, firstIndex, threshold, scale, mask, maskOff, i, n);
    }

    /**
     * {@code y[i] = x[i] * mask[i]} for i in [0, n): the forward pass. y may be x (in place). NaN in x
     * stays NaN even where the mask is 0.
     */
    public static void apply(float[] x, int xOff, float[] mask, int maskOff, float[] y, int yOff, int n) {
        checkMultiply("dropout", "x", x, xOff, mask, maskOff, "y", y, yOff, n);
        int i = multiplyBody(x, xOff, mask, maskOff, y, yOff, n);
        // scalar tail
        ScalarDropout.multiplyRange(x, xOff, mask, maskOff, y, yOff, i, n);
    }

    /** {@code dx[i] = dy[i] * mask[i]} for i in [0, n), with the mask of the forward pass. dx may be dy (in place). */
    public static void backward(float[] dy, int dyOff, float[] mask, int maskOff, float[] dx, int dxOff, int n) {
        checkMultiply("dropout backward", "dy", dy, dyOff, mask, maskOff, "dx", dx, dxOff, n);
        int i = multiplyBody(dy, dyOff, mask, maskOff, dx, dxOff, n);
        // scalar tail
        ScalarDropout.multiplyRange(dy, dyOff, mask, maskOff, dx, dxOff, i, n);
    }

    // Each body handles whole vectors and returns where the scalar tail starts.

    /**
     * The hash runs in long lanes: one long vector holds the even elements of a float vector's worth,
     * another the odd ones, and the two 32-bit results are packed into each long (odd in the high half)
     * so that reinterpreting the longs as floats puts every element in its own lane, in order.
     */
    private static int maskBody(long key, long firstIndex, long threshold, float scale, float[] mask, int maskOff,
                                int n) {
        int bound = S.loopBound(n);
        if (bound == 0) {
            return 0;
        }
        long scaleBits = Float.floatToRawIntBits(scale) & 0xFFFFFFFFL;
        long advance = ScalarDropout.GAMMA * S.length();
        // counter of the even element 2j of the current block: key + (firstIndex + i + 2j) * GAMMA
        LongVector even = LongVector.zero(L).addIndex(2).mul(ScalarDropout.GAMMA)
                .add(key + firstIndex * ScalarDropout.GAMMA);
        for (int i = 0; i < bound; i += S.length()) {
            LongVector odd = even.add(ScalarDropout.GAMMA);
            // SplitMix64's finalizer, lane by lane (ScalarDropout.mix)
            LongVector he = even.lanewise(VectorOperators.XOR, even.lanewise(VectorOperators.LSHR, 30))
                    .mul(0xBF58476D1CE4E5B9L);
            LongVector ho = odd.lanewise(VectorOperators.XOR, odd.lanewise(VectorOperators.LSHR, 30))
                    .mul(0xBF58476D1CE4E5B9L);
            he = he.lanewise(VectorOperators.XOR, he.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
            ho = ho.lanewise(VectorOperators.XOR, ho.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
            he = he.lanewise(VectorOperators.XOR, he.lanewise(VectorOperators.LSHR, 31));
            ho = ho.lanewise(VectorOperators.XOR, ho.lanewise(VectorOperators.LSHR, 31));
            // (top 53 bits - threshold) is negative exactly for a dropped element: its sign, spread over
            // all bits, clears the scale; no mask or compare needed
            LongVector dropE = he.lanewise(VectorOperators.LSHR, 11).sub(threshold)
                    .lanewise(VectorOperators.ASHR, 63);
            LongVector dropO = ho.lanewise(VectorOperators.LSHR, 11).sub(threshold)
                    .lanewise(VectorOperators.ASHR, 63);
            LongVector bitsE = LongVector.broadcast(L, scaleBits).lanewise(VectorOperators.AND_NOT, dropE);
            LongVector bitsO = LongVector.broadcast(L, scaleBits).lanewise(VectorOperators.AND_NOT, dropO);
            // lane reinterpretation is little-endian: the low half of long j is float lane 2j
            bitsE.or(bitsO.lanewise(VectorOperators.LSHL, 32)).reinterpretAsFloats().intoArray(mask, maskOff + i);
            even = even.add(advance);
        }
        return bound;
    }

    private static int multiplyBody(float[] x, int xOff, float[] mask, int maskOff, float[] y, int yOff, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xOff + i).mul(FloatVector.fromArray(S, mask, maskOff + i))
                    .intoArray(y, yOff + i);
        }
        return bound;
    }

    static void checkMask(long firstIndex, float p, float[] mask, int maskOff, int n) {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("dropout mask: p must be in [0, 1), got " + p);
        }
        Check.size("dropout mask", "n", n);
        Check.vector("dropout mask", "mask", n, mask, maskOff);
        if (firstIndex < 0 || firstIndex > Long.MAX_VALUE - n) {
            throw new IllegalArgumentException("dropout mask: firstIndex must be >= 0 with firstIndex + n <= 2^63 - 1, got "
                    + firstIndex + " and n " + n);
        }
    }

    static void checkMultiply(String op, String inName, float[] in, int inOff, float[] mask, int maskOff,
                              String outName, float[] out, int outOff, int n) {
        Check.size(op, "n", n);
        Check.vector(op, inName, n, in, inOff);
        Check.vector(op, "mask", n, mask, maskOff);
        Check.vector(op, outName, n, out, outOff);
        Check.sameOrDisjoint(op, outName, out, outOff, inName, in, inOff, n);
        Check.sameOrDisjoint(op, outName, out, outOff, "mask", mask, maskOff, n);
    }
}
