package dev.isthmus.bench;

import java.util.SplittableRandom;

/** Benchmark operands: reproducible, uniform in [-1, 1), never denormal or special. */
final class Inputs {
    private Inputs() {}

    static float[] uniform(int length, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[length];
        for (int i = 0; i < length; i++) {
            v[i] = (float) random.nextDouble(-1, 1);
        }
        return v;
    }
}
