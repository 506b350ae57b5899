package dev.isthmus.nn.data;

import java.util.SplittableRandom;

/** The one seeded permutation that {@link Dataset#split} and {@link Batches} share. */
final class Shuffle {
    // Spreads consecutive epochs apart before SplittableRandom mixes the seed again.
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private Shuffle() {}

    /** Fills {@code order} with a permutation of [0, order.length) that depends only on seed and stream. */
    static void permutation(int[] order, long seed, long stream) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed + stream * GOLDEN_GAMMA);
        // Fisher-Yates, from the end
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
}
