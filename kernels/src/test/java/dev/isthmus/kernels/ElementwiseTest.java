package dev.isthmus.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ElementwiseTest {
    static Stream<Arguments> sizes() {
        return IntStream.of(ActivationsTest.SIZES).mapToObj(Arguments::of);
    }

    /** The elementwise interface both implementations share, so each case runs the same call on both. */
    private interface Kernel {
        void run(boolean vector, float[] a, float[] b, float[] out, int n);
    }

    private static final float ALPHA = -1.37f;
    private static final float LO = -2.5f;
    private static final float HI = 3f;

    // operands at offsets 3 (a), 1 (b) and 2 (out), so no two start at the same place
    private static final Kernel ADD = (v, a, b, out, n) -> {
        if (v) {
            Elementwise.add(a, 3, b, 1, out, 2, n);
        } else {
            ScalarElementwise.add(a, 3, b, 1, out, 2, n);
        }
    };
    private static final Kernel MULTIPLY = (v, a, b, out, n) -> {
        if (v) {
            Elementwise.multiply(a, 3, b, 1, out, 2, n);
        } else {
            ScalarElementwise.multiply(a, 3, b, 1, out, 2, n);
        }
    };
    private static final Kernel SCALE = (v, a, b, out, n) -> {
        if (v) {
            Elementwise.scale(ALPHA, a, 3, out, 2, n);
        } else {
            ScalarElementwise.scale(ALPHA, a, 3, out, 2, n);
        }
    };
    private static final Kernel CLAMP = (v, a, b, out, n) -> {
        if (v) {
            Elementwise.clamp(LO, HI, a, 3, out, 2, n);
        } else {
            ScalarElementwise.clamp(LO, HI, a, 3, out, 2, n);
        }
    };

    /** Random values with the awkward ones mixed in: zeros of both signs, large magnitudes, NaN, infinities. */
    static float[] values(int n, long seed) {
        float[] special = {0f, -0f, 1e4f, -1e4f, 3e38f, -3e38f, 1e-40f, Float.NaN,
                           Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, LO, HI};
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n + 6];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextInt(6) == 0 ? special[r.nextInt(special.length)] : (float) r.nextDouble(-6, 6);
        }
        return v;
    }

    /** One rounding in both implementations: the results must be the same floats, padding untouched. */
    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void singleRoundingOperationsMatchTheReferenceExactly(int n) {
        String[] names = {"add", "multiply", "scale", "clamp"};
        Kernel[] kernels = {ADD, MULTIPLY, SCALE, CLAMP};
        for (int k = 0; k < kernels.length; k++) {
            float[] a = values(n, 31L * n + k);
            float[] b = values(n, 17L * n + k + 1);
            float[] ref = new float[n + 5];
            float[] got = new float[n + 5];
            Arrays.fill(ref, 42f);
            Arrays.fill(got, 42f);
            kernels[k].run(false, a, b, ref, n);
            kernels[k].run(true, a, b, got, n);
            for (int i = 0; i < got.length; i++) {
                assertEquals(ref[i], got[i], 0f, names[k] + " out[" + i + "]");
            }
        }
    }

    /** axpy fuses the multiply-add (one rounding); the reference rounds the double result, at most 1 ulp away. */
    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void axpyMatchesTheReferenceWithinOneUlp(int n) {
        float[] x = values(n, 5L * n + 3);
        float[] y0 = values(n, 11L * n + 4);
        float[] ref = y0.clone();
        float[] got = y0.clone();
        ScalarElementwise.axpy(ALPHA, x, 1, ref, 4, n);
        Elementwise.axpy(ALPHA, x, 1, got, 4, n);
        for (int i = 0; i < got.length; i++) {
            float ulp = Float.isFinite(ref[i]) ? Math.ulp(ref[i]) : 0f;
            Tolerance.assertClose(ref[i], got[i], ulp, "axpy y[" + i + "]");
            if (i < 4 || i >= n + 4) {
                assertEquals(y0[i], got[i], 0f, "axpy wrote outside y at " + i);
            }
        }
    }

    @Test
    void axpyIsFused() {
        // 1 + 2^-12 squared is 1 + 2^-11 + 2^-24: the last term survives only without a rounding in between
        float a = 1f + 0x1p-12f;
        float[] x = new float[33];
        float[] y = new float[33];
        Arrays.fill(x, a);
        Arrays.fill(y, -(1f + 0x1p-11f));
        Elementwise.axpy(a, x, 0, y, 0, 33);
        for (float v : y) {
            assertEquals(0x1p-24f, v, 0f);
        }
    }

    @Test
    void inPlaceAgreesWithOutOfPlace() {
        int n = 207;
        float[] a = values(n, 1);
        float[] b = values(n, 2);
        float[] expected = new float[n];
        Elementwise.add(a, 0, b, 0, expected, 0, n);
        float[] inA = a.clone();
        Elementwise.add(inA, 0, b, 0, inA, 0, n);
        float[] inB = b.clone();
        Elementwise.add(a, 0, inB, 0, inB, 0, n);
        assertEquals(Arrays.toString(expected), Arrays.toString(Arrays.copyOf(inA, n)));
        assertEquals(Arrays.toString(expected), Arrays.toString(Arrays.copyOf(inB, n)));

        Elementwise.multiply(a, 0, a, 0, expected, 0, n);
        float[] square = a.clone();
        Elementwise.multiply(square, 0, square, 0, square, 0, n);
        assertEquals(Arrays.toString(expected), Arrays.toString(Arrays.copyOf(square, n)));

        Elementwise.scale(ALPHA, a, 0, expected, 0, n);
        float[] scaled = a.clone();
        Elementwise.scale(ALPHA, scaled, 0, scaled, 0, n);
        assertEquals(Arrays.toString(expected), Arrays.toString(Arrays.copyOf(scaled, n)));

        Elementwise.clamp(LO, HI, a, 0, expected, 0, n);
        float[] clamped = a.clone();
        Elementwise.clamp(LO, HI, clamped, 0, clamped, 0, n);
        assertEquals(Arrays.toString(expected), Arrays.toString(Arrays.copyOf(clamped, n)));

        // y += alpha * y is 1 + alpha times y
        float[] y = a.clone();
        float[] twice = a.clone();
        Elementwise.axpy(1f, y, 0, y, 0, n);
        Elementwise.scale(2f, twice, 0, twice, 0, n);
        assertEquals(Arrays.toString(twice), Arrays.toString(y));
    }

    @Test
    void clampKeepsNaNAndSaturatesInfinities() {
        float[] x = new float[40];
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (i % 4) {
                case 0 -> Float.NaN;
                case 1 -> Float.POSITIVE_INFINITY;
                case 2 -> Float.NEGATIVE_INFINITY;
                default -> 0.5f;
            };
        }
        float[] y = new float[40];
        Elementwise.clamp(-1f, 1f, x, 0, y, 0, 40);
        for (int i = 0; i < 40; i++) {
            float expected = switch (i % 4) {
                case 0 -> Float.NaN;
                case 1 -> 1f;
                case 2 -> -1f;
                default -> 0.5f;
            };
            assertEquals(expected, y[i], 0f, "y[" + i + "] for " + x[i]);
        }
    }

    @Test
    void badArgumentsNameTheProblem() {
        float[] a = new float[10];
        var e = assertThrows(IllegalArgumentException.class, () -> Elementwise.clamp(2f, 1f, a, 0, a, 0, 5));
        assertTrue(e.getMessage().contains("lo=2.0") && e.getMessage().contains("hi=1.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Elementwise.clamp(Float.NaN, 1f, a, 0, a, 0, 5));
        assertTrue(e.getMessage().contains("lo=NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Elementwise.add(a, 0, a, 0, a, 3, 5));
        assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Elementwise.multiply(a, 0, null, 0, a, 0, 5));
        assertTrue(e.getMessage().contains("multiply: b is null"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Elementwise.scale(1f, a, 7, new float[5], 0, 5));
        assertTrue(e.getMessage().contains("offset 7"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Elementwise.axpy(1f, a, 0, a, 0, -1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ScalarElementwise.axpy(1f, a, 0, a, 2, 5));
        assertTrue(e.getMessage().contains("axpy: y [2, 7) partly overlaps x [0, 5)"), e.getMessage());
    }
}
