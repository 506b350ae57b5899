package dev.isthmus.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Horizontal sums in a fixed order. {@code reduceLanes(ADD)} leaves the order open: the interpreter
 * adds the lanes one after another and C2 in a tree, so the same call rounded differently before
 * and after the JIT compiled it, breaking "same inputs, same bits".
 */
final class Lanes {
    private static final VectorSpecies<Float> S = Species.FLOAT;
    private static final int L = S.length();
    // Rotations by half, a quarter, ... of the lanes; constants, so that C2 emits one permute each
    // (a slice built its shuffle per call and boxed).
    private static final VectorShuffle<Float> BY_8 = VectorShuffle.iota(S, 8 % L, 1, true);
    private static final VectorShuffle<Float> BY_4 = VectorShuffle.iota(S, 4 % L, 1, true);
    private static final VectorShuffle<Float> BY_2 = VectorShuffle.iota(S, 2 % L, 1, true);
    private static final VectorShuffle<Float> BY_1 = VectorShuffle.iota(S, 1 % L, 1, true);

    private Lanes() {}

    /** The sum of v's lanes as a fixed tree: v + v rotated by half the lanes, and so on down to one. */
    static float sum(FloatVector v) {
        if (L >= 16) {
            v = v.add(v.rearrange(BY_8));
        }
        if (L >= 8) {
            v = v.add(v.rearrange(BY_4));
        }
        v = v.add(v.rearrange(BY_2));
        v = v.add(v.rearrange(BY_1));
        return v.lane(0);
    }
}
