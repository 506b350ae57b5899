package dev.isthmus.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ActivationsTest {
    static final int[] SIZES = {0, 1, 3, 13, 17, 31, 207, 1021, 4098};
    static final List<Activation> ALL = List.of(Activation.IDENTITY, Activation.RELU, Activation.leakyRelu(0.01f),
            Activation.leakyRelu(0.3f), Activation.elu(1f), Activation.elu(0.5f), Activation.SIGMOID, Activation.TANH);

    static Stream<Arguments> cases() {
        return ALL.stream().flatMap(f -> java.util.Arrays.stream(SIZES).mapToObj(n -> Arguments.of(f, n)));
    }

    /** Random values with the awkward ones mixed in: zeros of both signs, large magnitudes, NaN, infinities. */
    static float[] values(int n, long seed) {
        float[] special = {0f, -0f, 1e4f, -1e4f, 100f, -100f, 88.8f, -88.8f, Float.NaN,
                           Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e-30f, -1e-30f};
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n + 5];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextInt(8) == 0 ? special[r.nextInt(special.length)] : (float) r.nextDouble(-6, 6);
        }
        return v;
    }

    static void assertNear(float expected, float actual, String where) {
        if (Float.isNaN(expected)) {
            assertTrue(Float.isNaN(actual), where + ": expected NaN, got " + actual);
            return;
        }
        float tolerance = 4 * Math.ulp(expected) + 1e-7f;
        assertEquals(expected, actual, tolerance, where);
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("cases")
    void forwardMatchesReferenceAndLeavesTheRestAlone(Activation f, int n) {
        float[] x = values(n, n);
        float[] ref = new float[n + 7];
        float[] got = new float[n + 7];
        java.util.Arrays.fill(ref, 42f);
        java.util.Arrays.fill(got, 42f);
        ScalarActivations.forward(f, x, 5, ref, 2, n);
        Activations.forward(f, x, 5, got, 2, n);
        for (int i = 0; i < got.length; i++) {
            assertNear(ref[i], got[i], f + " y[" + i + "] for x=" + (i >= 2 && i < n + 2 ? x[i + 3] : "-"));
        }
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("cases")
    void backwardMatchesReference(Activation f, int n) {
        float[] x = values(n, 3L * n + 1);
        float[] y = new float[x.length];
        ScalarActivations.forward(f, x, 0, y, 0, x.length);
        float[] dy = values(n, 7L * n + 2);
        float[] ref = new float[n];
        float[] got = new float[n];
        ScalarActivations.backward(f, x, 1, y, 1, dy, 2, ref, 0, n);
        Activations.backward(f, x, 1, y, 1, dy, 2, got, 0, n);
        for (int i = 0; i < n; i++) {
            assertNear(ref[i], got[i], f + " dx[" + i + "]");
        }
    }

    @Test
    void inPlaceForwardAndBackwardAgreeWithOutOfPlace() {
        for (Activation f : ALL) {
            float[] x = values(100, 11);
            float[] out = new float[x.length];
            Activations.forward(f, x, 0, out, 0, x.length);
            float[] inPlace = x.clone();
            Activations.forward(f, inPlace, 0, inPlace, 0, inPlace.length);
            assertEquals(java.util.Arrays.toString(out), java.util.Arrays.toString(inPlace), f.toString());
        }
    }

    @Test
    void derivativesMatchFiniteDifferences() {
        double h = 1e-3;
        for (Activation f : ALL) {
            for (double x = -3.05; x < 3; x += 0.1) {
                double numeric = (ScalarActivations.value(f, (float) (x + h)) - ScalarActivations.value(f, (float) (x - h)))
                        / (2 * h);
                float y = ScalarActivations.value(f, (float) x);
                assertEquals(numeric, ScalarActivations.derivative(f, (float) x, y), 2e-3, f + " at " + x);
            }
        }
    }

    @Test
    void sigmoidSaturatesWithoutOverflow() {
        float[] x = new float[32];
        java.util.Arrays.fill(x, 0, 16, -1e4f);
        java.util.Arrays.fill(x, 16, 32, 1e4f);
        float[] y = new float[32];
        Activations.forward(Activation.SIGMOID, x, 0, y, 0, 32);
        for (int i = 0; i < 32; i++) {
            assertEquals(i < 16 ? 0f : 1f, y[i], 0f);
        }
    }

    @Test
    void badArgumentsNameTheProblem() {
        float[] a = new float[10];
        var e = assertThrows(IllegalArgumentException.class, () -> Activations.forward(Activation.RELU, a, 0, a, 3, 5));
        assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Activations.forward(Activation.RELU, a, 6, a, 0, 5));
        assertTrue(e.getMessage().contains("offset 6"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Activations.forward(null, a, 0, a, 0, 5));
        assertTrue(e.getMessage().contains("null"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Activation.elu(Float.NaN));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Activations.backward(Activation.TANH, a, 0, a, 0, a, 0, new float[4], 0, 5));
        assertTrue(e.getMessage().contains("dx"), e.getMessage());
    }
}
