package dev.isthmus.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class OptimizersTest {
    static final int[] SIZES = {0, 1, 3, 13, 17, 31, 207, 1021, 4098};
    // Each array at its own offset, so that a kernel mixing up offsets fails.
    static final int PARAM_OFF = 3;
    static final int GRAD_OFF = 1;
    static final int STATE1_OFF = 2;
    static final int STATE2_OFF = 5;
    static final int MARGIN = 8;

    /** The optimizers under test, each with the hyperparameters of the hand-computed values below. */
    enum Kind { SGD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADAM, ADAMW }

    /**
     * One update by the vector kernel or the reference. state1 is the velocity, sum or mean of squares,
     * or Adam's m; state2 is Adam's v.
     */
    static void update(Kind kind, boolean vector, float[] param, float[] grad, float[] state1, float[] state2, int n,
                       long step) {
        switch (kind) {
            case SGD -> sgd(vector, param, grad, null, n, 0.1f, 0f, 0.01f, false);
            case MOMENTUM -> sgd(vector, param, grad, state1, n, 0.1f, 0.9f, 0.01f, false);
            case NESTEROV -> sgd(vector, param, grad, state1, n, 0.1f, 0.9f, 0.01f, true);
            case ADAGRAD -> {
                if (vector) {
                    Optimizers.adagrad(param, PARAM_OFF, grad, GRAD_OFF, state1, STATE1_OFF, n, 0.1f, 1e-10f, 0.01f);
                } else {
                    ScalarOptimizers.adagrad(param, PARAM_OFF, grad, GRAD_OFF, state1, STATE1_OFF, n, 0.1f, 1e-10f,
                            0.01f);
                }
            }
            case RMSPROP -> {
                if (vector) {
                    Optimizers.rmsprop(param, PARAM_OFF, grad, GRAD_OFF, state1, STATE1_OFF, n, 0.01f, 0.9f, 1e-8f,
                            0.01f);
                } else {
                    ScalarOptimizers.rmsprop(param, PARAM_OFF, grad, GRAD_OFF, state1, STATE1_OFF, n, 0.01f, 0.9f,
                            1e-8f, 0.01f);
                }
            }
            case ADAM, ADAMW -> {
                boolean decoupled = kind == Kind.ADAMW;
                if (vector) {
                    Optimizers.adam(param, PARAM_OFF, grad, GRAD_OFF, state1, STATE1_OFF, state2, STATE2_OFF, n,
                            0.01f, 0.9f, 0.999f, 1e-8f, step, 0.1f, decoupled);
                } else {
                    ScalarOptimizers.adam(param, PARAM_OFF, grad, GRAD_OFF, state1, STATE1_OFF, state2, STATE2_OFF,
                            n, 0.01f, 0.9f, 0.999f, 1e-8f, step, 0.1f, decoupled);
                }
            }
        }
    }

    private static void sgd(boolean vector, float[] param, float[] grad, float[] velocity, int n, float lr,
                            float momentum, float weightDecay, boolean nesterov) {
        if (vector) {
            Optimizers.sgd(param, PARAM_OFF, grad, GRAD_OFF, velocity, STATE1_OFF, n, lr, momentum, weightDecay,
                    nesterov);
        } else {
            ScalarOptimizers.sgd(param, PARAM_OFF, grad, GRAD_OFF, velocity, STATE1_OFF, n, lr, momentum, weightDecay,
                    nesterov);
        }
    }

    static Stream<Arguments> kindsAndSizes() {
        return Arrays.stream(Kind.values())
                .flatMap(k -> Arrays.stream(SIZES).mapToObj(n -> Arguments.of(k, n)));
    }

    /** Random values with awkward ones mixed in: zeros of both signs, large and tiny magnitudes, and optionally NaN and infinities. */
    static float[] values(int length, long seed, boolean nonFinite) {
        float[] special = {0f, -0f, 1e4f, -1e4f, 1e-30f, -1e-30f, Float.NaN, Float.POSITIVE_INFINITY,
                           Float.NEGATIVE_INFINITY};
        int specials = nonFinite ? special.length : 6;
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[length];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextInt(8) == 0 ? special[r.nextInt(specials)] : (float) r.nextDouble(-3, 3);
        }
        return v;
    }

    static float[] nonNegative(float[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.abs(v[i]);
        }
        return v;
    }

    /**
     * The kernels do the same IEEE operations in the same order as the reference (Java never contracts
     * a * b + c into an FMA), so they agree exactly today; 4 ulps leaves room for a reordering while any
     * formula slip (a wrong coefficient, a missing term) is far larger.
     */
    static void assertNear(float expected, float actual, String where) {
        if (Float.isNaN(expected)) {
            assertTrue(Float.isNaN(actual), where + ": expected NaN, got " + actual);
            return;
        }
        assertEquals(expected, actual, 4 * Math.ulp(expected), where);
    }

    static void assertAllNear(float[] expected, float[] actual, String where) {
        for (int i = 0; i < expected.length; i++) {
            assertNear(expected[i], actual[i], where + "[" + i + "]");
        }
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("kindsAndSizes")
    void vectorMatchesReferenceOverSteps(Kind kind, int n) {
        int length = n + MARGIN;
        float[] param = values(length, 31L * n + kind.ordinal(), true);
        float[] state1 = values(length, 37L * n + 1, false);
        float[] state2 = nonNegative(values(length, 41L * n + 2, false));
        if (kind == Kind.ADAGRAD || kind == Kind.RMSPROP) {
            nonNegative(state1);
        }
        float[] refParam = param.clone();
        float[] refState1 = state1.clone();
        float[] refState2 = state2.clone();
        for (int step = 1; step <= 3; step++) {
            float[] grad = values(length, 43L * n + step, true);
            update(kind, true, param, grad, state1, state2, n, step);
            update(kind, false, refParam, grad, refState1, refState2, n, step);
            String where = kind + " n=" + n + " step " + step + " ";
            assertAllNear(refParam, param, where + "param");
            assertAllNear(refState1, state1, where + "state1");
            assertAllNear(refState2, state2, where + "state2");
        }
    }

    /**
     * Parameter and state after each of three updates of one element from param = 1, zero state, with
     * gradients 0.5, -0.25, 2 and the hyperparameters of {@link #update}: computed in double from the
     * textbook formulas (for Adam: bias-corrected m-hat and v-hat, {@code p -= lr * mHat / (sqrt(vHat) + eps)}),
     * not from the kernels. For example SGD's first step: g = 0.5 + 0.01 * 1 = 0.51, p = 1 - 0.1 * 0.51 = 0.949;
     * AdamW's: p = 1 - 0.01 * 0.1 * 1 = 0.999, then mHat / sqrt(vHat) = 1, p = 0.999 - 0.01 = 0.989.
     */
    static double[][] handComputed(Kind kind) {
        return switch (kind) {
            // {param, velocity} (velocity unused without momentum)
            case SGD -> new double[][] {{0.948999999, 0}, {0.973051, 0}, {0.772077946, 0}};
            case MOMENTUM -> new double[][] {{0.948999999, 0.51}, {0.927151, 0.218489987}, {0.706559748, 2.20591249}};
            case NESTEROV -> new double[][] {{0.9031, 0.51}, {0.907574112, 0.218030987}, {0.508189211, 2.20530362}};
            // {param, sum of squares}
            case ADAGRAD -> new double[][] {{0.899999999, 0.2601}, {0.942724788, 0.318181}, {0.846446266, 4.35597886}};
            // {param, mean square}
            case RMSPROP -> new double[][] {{0.96837723, 0.0260100062}, {0.98244448, 0.0291841953},
                                            {0.95180226, 0.430205301}};
            // {param, m, v}
            case ADAM -> new double[][] {{0.99, 0.0600000145, 0.000359995367},
                                         {0.9853192, 0.0389000081, 0.000382436082},
                                         {0.978169034, 0.244863249, 0.00478583318}};
            case ADAMW -> new double[][] {{0.989, 0.0500000119, 0.000249996781},
                                          {0.98534763, 0.0200000036, 0.000312245983},
                                          {0.977655806, 0.21800005, 0.00431188224}};
        };
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void matchesHandComputedValuesOverThreeSteps(Kind kind) {
        // enough copies of the element for whole vectors and a scalar tail
        int n = 2 * Species.FLOAT.length() + 3;
        float[] gradients = {0.5f, -0.25f, 2f};
        for (boolean vector : new boolean[] {true, false}) {
            float[] param = new float[n + MARGIN];
            Arrays.fill(param, 1f);
            float[] state1 = new float[n + MARGIN];
            float[] state2 = new float[n + MARGIN];
            for (int step = 1; step <= 3; step++) {
                float[] grad = new float[n + MARGIN];
                Arrays.fill(grad, gradients[step - 1]);
                update(kind, vector, param, grad, state1, state2, n, step);
                double[] expected = handComputed(kind)[step - 1];
                for (int i = 0; i < n; i++) {
                    String where = kind + (vector ? " vector" : " scalar") + " step " + step + " element " + i;
                    // about 30 float operations, each off by at most 2^-24 relative: 1e-6 relative covers
                    // them, while dropping a bias correction or misplacing weight decay moves the
                    // results by more than 1e-3
                    assertEquals(expected[0], param[PARAM_OFF + i], 1e-6 * Math.abs(expected[0]), where + " param");
                    if (kind != Kind.SGD) {
                        assertEquals(expected[1], state1[STATE1_OFF + i], 1e-6 * Math.abs(expected[1]),
                                where + " state1");
                    }
                    if (kind == Kind.ADAM || kind == Kind.ADAMW) {
                        assertEquals(expected[2], state2[STATE2_OFF + i], 1e-6 * Math.abs(expected[2]),
                                where + " v");
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void nanGradientMakesTheParameterNan(Kind kind) {
        int n = 2 * Species.FLOAT.length() + 3;
        int[] nanAt = {1, n - 1}; // one in a vector body, one in the scalar tail
        for (boolean vector : new boolean[] {true, false}) {
            float[] param = new float[n + MARGIN];
            Arrays.fill(param, 0.5f);
            float[] grad = new float[n + MARGIN];
            Arrays.fill(grad, 0.25f);
            for (int i : nanAt) {
                grad[GRAD_OFF + i] = Float.NaN;
            }
            update(kind, vector, param, grad, new float[n + MARGIN], new float[n + MARGIN], n, 1);
            for (int i = 0; i < n; i++) {
                boolean expectNan = i == nanAt[0] || i == nanAt[1];
                assertEquals(expectNan, Float.isNaN(param[PARAM_OFF + i]),
                        kind + (vector ? " vector" : " scalar") + " param[" + i + "] = " + param[PARAM_OFF + i]);
            }
        }
    }

    @Test
    void decayingStateThatTurnsSubnormalIsStoredAsZero() {
        // a weight with zero gradient: Adam's moments and the momentum only decay, into subnormals
        int n = 37;
        float tiny = Float.MIN_NORMAL * 1.05f;
        float[] p = new float[n];
        float[] g = new float[n];
        float[] m = new float[n];
        float[] v = new float[n];
        float[] velocity = new float[n];
        Arrays.fill(p, 0.5f);
        Arrays.fill(m, tiny);
        Arrays.fill(v, Float.MIN_NORMAL * 1.0005f);
        Arrays.fill(velocity, -tiny);
        Optimizers.adam(p, 0, g, 0, m, 0, v, 0, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 5, 0f, false);
        Optimizers.sgd(p, 0, g, 0, velocity, 0, n, 0.1f, 0.9f, 0f, false);
        for (int i = 0; i < n; i++) {
            assertEquals(0f, m[i], "m[" + i + "]");
            assertEquals(0f, v[i], "v[" + i + "]");
            assertEquals(0f, velocity[i], "velocity[" + i + "]");
            assertEquals(0.5f, p[i], "p[" + i + "]");
        }
        // the smallest normal value itself is kept
        float[] m2 = {Float.MIN_NORMAL / 0.9f * 1.0001f};
        Optimizers.adam(new float[1], 0, new float[1], 0, m2, 0, new float[1], 0, 1, 1e-3f, 0.9f, 0.999f, 1e-8f, 1,
                0f, false);
        assertTrue(m2[0] >= Float.MIN_NORMAL, "normal m kept: " + m2[0]);
    }

    @Test
    void withoutMomentumVelocityIsNeitherNeededNorTouched() {
        float[] param = {1f, 2f, -3f};
        float[] grad = {0.5f, -1f, 0f};
        float[] velocity = {7f, 7f, 7f};
        Optimizers.sgd(param, 0, grad, 0, null, 0, 3, 0.5f, 0f, 0f, false);
        assertEquals("[0.75, 2.5, -3.0]", Arrays.toString(param));
        Optimizers.sgd(param, 0, grad, 0, velocity, 0, 3, 0.5f, 0f, 0f, false);
        assertEquals("[7.0, 7.0, 7.0]", Arrays.toString(velocity));
    }

    @Test
    void decoupledAndCoupledWeightDecayDiffer() {
        // With a gradient of 0, L2 decay feeds weightDecay * param through Adam's normalization (a full
        // lr-sized step), while AdamW only shrinks the parameter by lr * weightDecay.
        float[] l2 = {1f};
        float[] decoupled = {1f};
        float[] grad = {0f};
        Optimizers.adam(l2, 0, grad, 0, new float[1], 0, new float[1], 0, 1, 0.01f, 0.9f, 0.999f, 1e-8f, 1, 0.1f,
                false);
        Optimizers.adam(decoupled, 0, grad, 0, new float[1], 0, new float[1], 0, 1, 0.01f, 0.9f, 0.999f, 1e-8f, 1,
                0.1f, true);
        assertEquals(0.99f, l2[0], 1e-6f);
        assertEquals(0.999f, decoupled[0], 1e-6f);
    }

    static void assertRejects(String expectedInMessage, Executable call) {
        var e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expectedInMessage), e.getMessage());
    }

    @Test
    void badArgumentsNameTheValue() {
        float[] p = new float[10];
        float[] g = new float[10];
        float[] s = new float[10];
        float[] v = new float[10];
        assertRejects("nesterov", () -> Optimizers.sgd(p, 0, g, 0, s, 0, 10, 0.1f, 0f, 0f, true));
        assertRejects("momentum 0.0", () -> ScalarOptimizers.sgd(p, 0, g, 0, s, 0, 10, 0.1f, 0f, 0f, true));
        assertRejects("velocity is null", () -> Optimizers.sgd(p, 0, g, 0, null, 0, 10, 0.1f, 0.9f, 0f, false));
        assertRejects("-0.5", () -> Optimizers.sgd(p, 0, g, 0, s, 0, 10, -0.5f, 0.9f, 0f, false));
        assertRejects("momentum must be in [0, 1), got 1.5",
                () -> Optimizers.sgd(p, 0, g, 0, s, 0, 10, 0.1f, 1.5f, 0f, false));
        assertRejects("weightDecay must be finite and >= 0, got NaN",
                () -> Optimizers.sgd(p, 0, g, 0, s, 0, 10, 0.1f, 0.9f, Float.NaN, false));
        assertRejects("n must be >= 0, got -1", () -> Optimizers.sgd(p, 0, g, 0, s, 0, -1, 0.1f, 0.9f, 0f, false));
        assertRejects("param needs 10 floats from offset 1",
                () -> Optimizers.sgd(p, 1, g, 0, s, 0, 10, 0.1f, 0.9f, 0f, false));
        assertRejects("grad is null", () -> Optimizers.adagrad(p, 0, null, 0, s, 0, 10, 0.1f, 1e-10f, 0f));
        assertRejects("eps must be finite and > 0, got 0.0",
                () -> Optimizers.adagrad(p, 0, g, 0, s, 0, 10, 0.1f, 0f, 0f));
        assertRejects("lr must be finite and >= 0, got Infinity",
                () -> Optimizers.adagrad(p, 0, g, 0, s, 0, 10, Float.POSITIVE_INFINITY, 1e-10f, 0f));
        assertRejects("rho must be in [0, 1), got 1.0",
                () -> Optimizers.rmsprop(p, 0, g, 0, s, 0, 10, 0.01f, 1f, 1e-8f, 0f));
        assertRejects("step counts updates from 1, got 0",
                () -> Optimizers.adam(p, 0, g, 0, s, 0, v, 0, 10, 0.01f, 0.9f, 0.999f, 1e-8f, 0, 0f, true));
        assertRejects("beta1 must be in [0, 1), got 1.0",
                () -> Optimizers.adam(p, 0, g, 0, s, 0, v, 0, 10, 0.01f, 1f, 0.999f, 1e-8f, 1, 0f, true));
        assertRejects("beta2 must be in [0, 1), got -0.1",
                () -> ScalarOptimizers.adam(p, 0, g, 0, s, 0, v, 0, 10, 0.01f, 0.9f, -0.1f, 1e-8f, 1, 0f, true));
        assertRejects("lr must be finite and >= 0, got -0.01",
                () -> Optimizers.adam(p, 0, g, 0, s, 0, v, 0, 10, -0.01f, 0.9f, 0.999f, 1e-8f, 1, 0f, true));
        // outputs sharing elements with each other or with the gradient
        float[] shared = new float[20];
        assertRejects("v [0, 10) overlaps m [0, 10)",
                () -> Optimizers.adam(p, 0, g, 0, shared, 0, shared, 0, 10, 0.01f, 0.9f, 0.999f, 1e-8f, 1, 0f, true));
        assertRejects("param [0, 10) overlaps grad [5, 15)",
                () -> Optimizers.sgd(shared, 0, shared, 5, null, 0, 10, 0.1f, 0f, 0f, false));
        assertRejects("sumSquares [10, 20) overlaps param [5, 15)",
                () -> Optimizers.adagrad(shared, 5, g, 0, shared, 10, 10, 0.1f, 1e-10f, 0f));
    }

    @Test
    void disjointRangesOfOneArrayAreFine() {
        // param, grad, m and v packed side by side in one buffer, as a flat optimizer state might be
        float[] buffer = new float[40];
        Arrays.fill(buffer, 0, 10, 1f);
        Arrays.fill(buffer, 10, 20, 0.5f);
        Optimizers.adam(buffer, 0, buffer, 10, buffer, 20, buffer, 30, 10, 0.01f, 0.9f, 0.999f, 1e-8f, 1, 0f, false);
        for (int i = 0; i < 10; i++) {
            assertEquals(0.99f, buffer[i], 1e-6f);
            assertFalse(Float.isNaN(buffer[30 + i]));
        }
    }
}
