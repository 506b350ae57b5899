package dev.isthmus.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GemvTest {

    static Stream<Arguments> shapes() {
        int[][] mn = {{1, 1}, {1, 17}, {3, 13}, {13, 3}, {17, 31}, {31, 17}, {207, 1021}, {1021, 207}, {256, 784},
                      {784, 256}, {10, 128}, {4098, 3}, {5, 4098}, {1021, 300}};
        List<Arguments> out = new ArrayList<>();
        for (int[] s : mn) {
            out.add(Arguments.of(s[0], s[1], false));
            out.add(Arguments.of(s[0], s[1], true));
        }
        return out.stream();
    }

    private static float[] random(int length, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextDouble(-1, 1);
        }
        return v;
    }

    /** y = alpha * op(A) x + beta * y with double accumulation: the oracle. */
    private static void reference(boolean trans, int m, int n, float alpha, float[] a, int aOff, int lda,
                                  float[] x, int xOff, float beta, float[] y, int yOff) {
        int yLen = trans ? n : m;
        int xLen = trans ? m : n;
        for (int i = 0; i < yLen; i++) {
            double dot = 0;
            for (int j = 0; j < xLen; j++) {
                dot += (double) (trans ? a[aOff + j * lda + i] : a[aOff + i * lda + j]) * x[xOff + j];
            }
            y[yOff + i] = (float) (alpha * dot + (beta == 0 ? 0 : (double) beta * y[yOff + i]));
        }
    }

    @ParameterizedTest(name = "m={0} n={1} trans={2}")
    @MethodSource("shapes")
    void matchesReferenceWithOffsetsAndPadding(int m, int n, boolean trans) {
        int lda = n + 3;
        float[] a = random(2 + m * lda, m * 31L + n);
        int xLen = trans ? m : n;
        int yLen = trans ? n : m;
        float[] x = random(xLen + 1, 5);
        for (float[] ab : new float[][] {{1f, 0f}, {0.5f, -1.25f}}) {
            float[] ref = random(yLen + 4, 9);
            float[] got = ref.clone();
            reference(trans, m, n, ab[0], a, 2, lda, x, 1, ab[1], ref, 3);
            Gemv.sgemv(trans, m, n, ab[0], a, 2, lda, x, 1, ab[1], got, 3);
            float tolerance = 4e-7f * (trans ? m : n) * 2 + 1e-6f;
            for (int i = 0; i < got.length; i++) {
                boolean inside = i >= 3 && i < 3 + yLen;
                assertEquals(ref[i], got[i], inside ? tolerance : 0f, "y[" + i + "]");
            }
        }
    }

    /**
     * The same call gives the same bits before and after C2 compiles it: horizontal sums go
     * through a fixed tree, not reduceLanes, whose order differs between interpreter and C2.
     */
    @Test
    void givesTheSameBitsBeforeAndAfterTheJit() {
        int m = 64;
        int n = 300;
        float[] a = random(m * n, 1);
        float[] x = random(n, 2);
        float[] first = new float[m];
        Gemv.sgemv(false, m, n, 1f, a, 0, n, x, 0, 0f, first, 0);
        float[] y = new float[m];
        for (int call = 1; call <= 20_000; call++) {
            Gemv.sgemv(false, m, n, 1f, a, 0, n, x, 0, 0f, y, 0);
            if (!java.util.Arrays.equals(first, y)) {
                assertArrayEquals(first, y, "call " + call);
            }
        }
    }

    @Test
    void betaZeroOverwritesNaNAndEmptyInnerDimensionScales() {
        float[] y = {Float.NaN, Float.NaN};
        Gemv.sgemv(false, 2, 2, 1f, new float[] {1, 2, 3, 4}, 0, 2, new float[] {1, 1}, 0, 0f, y, 0);
        assertArrayEquals(new float[] {3, 7}, y);
        float[] z = {2, 4};
        Gemv.sgemv(false, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 0.5f, z, 0);
        assertArrayEquals(new float[] {1, 2}, z);
        float[] w = {2, 4};
        Gemv.sgemv(true, 0, 2, 1f, new float[0], 0, 2, new float[0], 0, 0.5f, w, 0);
        assertArrayEquals(new float[] {1, 2}, w);
    }

    @Test
    void badArgumentsNameTheValues() {
        float[] a = new float[6];
        var e = assertThrows(IllegalArgumentException.class,
                () -> Gemv.sgemv(false, 2, 3, 1f, a, 0, 3, new float[2], 0, 0f, new float[2], 0));
        assertTrue(e.getMessage().contains("x") && e.getMessage().contains("3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemv.sgemv(true, 2, 3, 1f, a, 0, 3, new float[2], 0, 0f, new float[2], 0));
        assertTrue(e.getMessage().contains("y"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemv.sgemv(false, -1, 3, 1f, a, 0, 3, new float[3], 0, 0f, new float[2], 0));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        float[] shared = new float[10];
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemv.sgemv(false, 2, 2, 1f, shared, 0, 2, shared, 4, 0f, shared, 5));
        assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
    }

    @ParameterizedTest(name = "trans={0}")
    @MethodSource("epilogueCases")
    void epilogueEqualsProductThenBiasThenActivation(boolean trans) {
        int m = 1021;
        int n = 300;
        float[] a = random(m * n, 3);
        float[] x = random(trans ? m : n, 4);
        float[] bias = random((trans ? n : m) + 2, 6);
        float[] plain = new float[trans ? n : m];
        float[] fused = new float[plain.length];
        Gemv.sgemv(trans, m, n, 1f, a, 0, n, x, 0, 0f, plain, 0);
        for (int i = 0; i < plain.length; i++) {
            plain[i] = ScalarActivations.value(Activation.TANH, plain[i] + bias[2 + i]);
        }
        Gemv.sgemv(trans, m, n, 1f, a, 0, n, x, 0, 0f, fused, 0, bias, 2, Activation.TANH);
        for (int i = 0; i < plain.length; i++) {
            assertEquals(plain[i], fused[i], 4 * Math.ulp(plain[i]) + 1e-7f, "y[" + i + "]");
        }
    }

    static Stream<Arguments> epilogueCases() {
        return Stream.of(Arguments.of(false), Arguments.of(true));
    }

    @Test
    void biasInsideYIsRejected() {
        float[] shared = new float[8];
        var e = assertThrows(IllegalArgumentException.class, () -> Gemv.sgemv(false, 2, 2, 1f, new float[4], 0, 2,
                new float[2], 0, 0f, shared, 0, shared, 1, Activation.IDENTITY));
        assertTrue(e.getMessage().contains("bias"), e.getMessage());
    }
}
