package dev.isthmus.nn.layer;

import dev.isthmus.nn.Tensor;

import java.util.SplittableRandom;

/** Seeded test inputs shaped for the gradient checks: no value near a kink, no ties in a window. */
final class RandomTensors {
    private RandomTensors() {}

    /** Uniform in [-1, 1). */
    static Tensor uniform(long seed, int... shape) {
        Tensor t = Tensor.zeros(shape);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return t;
    }

    /**
     * Magnitudes uniform in [0.1, 1), random signs: at least ten finite-difference steps of 1e-2 from
     * zero, where ReLU and LeakyReLU have their kink.
     */
    static Tensor awayFromZero(long seed, int... shape) {
        Tensor t = Tensor.zeros(shape);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            float magnitude = (float) (0.1 + 0.9 * rng.nextDouble());
            d[i] = rng.nextBoolean() ? magnitude : -magnitude;
        }
        return t;
    }

    /**
     * The multiples of {@code gap} around zero in a shuffled order: all values distinct and at least
     * {@code gap} apart, so that moving one by less than half the gap never changes which element of
     * a pooling window is the largest.
     */
    static Tensor distinct(long seed, float gap, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        int[] order = new int[d.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int s = order[i];
            order[i] = order[j];
            order[j] = s;
        }
        for (int i = 0; i < d.length; i++) {
            d[i] = (order[i] - d.length / 2) * gap;
        }
        return t;
    }
}
