package dev.isthmus.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PoolingTest {
    static final double U = 0x1p-24;

    record Geometry(int n, int c, int h, int w, int k, int s, int p) {
        int outH() {
            return (h + 2 * p - k) / s + 1;
        }

        int outW() {
            return (w + 2 * p - k) / s + 1;
        }

        int inSize() {
            return n * c * h * w;
        }

        int outSize() {
            return n * c * outH() * outW();
        }
    }

    static Stream<Geometry> geometries() {
        return Stream.of(
                new Geometry(1, 1, 1, 1, 1, 1, 0),
                new Geometry(0, 3, 4, 4, 2, 2, 0),
                new Geometry(2, 3, 7, 9, 2, 2, 0),
                new Geometry(1, 2, 13, 17, 3, 1, 1),
                new Geometry(2, 2, 31, 31, 3, 2, 1),
                new Geometry(1, 3, 28, 28, 2, 2, 0),
                new Geometry(2, 2, 17, 207, 3, 3, 1),
                new Geometry(1, 2, 12, 40, 5, 4, 2),
                new Geometry(1, 1, 9, 50, 5, 5, 2),
                new Geometry(1, 2, 6, 33, 4, 1, 2),
                new Geometry(1, 1, 3, 1021, 3, 1, 0),
                new Geometry(3, 1, 5, 70, 1, 1, 0),
                new Geometry(1, 2, 2, 3, 2, 1, 1));
    }

    /** Small integers, so that windows hold ties; -inf and, when asked, NaN mixed in. */
    static float[] values(int n, long seed, boolean nan) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            int pick = r.nextInt(40);
            a[i] = pick == 0 ? Float.NEGATIVE_INFINITY : nan && pick == 1 ? Float.NaN : r.nextInt(-4, 5);
        }
        return a;
    }

    static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextDouble(-1, 1);
        }
        return a;
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void maxPoolForwardMatchesTheReferenceExactly(Geometry g) {
        for (boolean nan : new boolean[] {false, true}) {
            float[] x = values(g.inSize() + 3, g.w() + (nan ? 1 : 0), nan);
            float[] refY = new float[g.outSize() + 2];
            float[] gotY = new float[g.outSize() + 2];
            int[] refA = new int[g.outSize() + 1];
            int[] gotA = new int[g.outSize() + 1];
            Arrays.fill(gotY, 42f);
            Arrays.fill(refY, 42f);
            Arrays.fill(gotA, -7);
            Arrays.fill(refA, -7);
            ScalarPooling.maxPoolForward(x, 3, g.n(), g.c(), g.h(), g.w(), g.k(), g.s(), g.p(), refY, 2, refA, 1);
            Pooling.maxPoolForward(x, 3, g.n(), g.c(), g.h(), g.w(), g.k(), g.s(), g.p(), gotY, 2, gotA, 1);
            // the maximum is a copy and the index a choice: both exact
            assertArrayEquals(refA, gotA, "argmax");
            assertArrayEquals(refY, gotY, "y");
        }
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void maxPoolBackwardMatchesTheReference(Geometry g) {
        float[] x = values(g.inSize(), 5, false);
        float[] y = new float[g.outSize()];
        int[] argmax = new int[g.outSize()];
        Pooling.maxPoolForward(x, 0, g.n(), g.c(), g.h(), g.w(), g.k(), g.s(), g.p(), y, 0, argmax, 0);
        float[] dy = random(g.outSize() + 1, 6);
        float[] ref = new float[g.inSize() + 1];
        float[] got = new float[g.inSize() + 1];
        Arrays.fill(got, 42f);
        Arrays.fill(ref, 42f);
        ScalarPooling.maxPoolBackward(dy, 1, argmax, 0, g.n(), g.c(), g.h(), g.w(), g.k(), g.s(), g.p(), ref, 0);
        Pooling.maxPoolBackward(dy, 1, argmax, 0, g.n(), g.c(), g.h(), g.w(), g.k(), g.s(), g.p(), got, 0);
        // an element collects dy in [-1, 1] from at most kernel^2 windows: that many float roundings of at most kernel^2
        double tolerance = Math.pow(g.k(), 4) * U;
        for (int i = 0; i < ref.length; i++) {
            assertEquals(ref[i], got[i], tolerance, "dx[" + i + "]");
        }
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void averagePoolMatchesTheReference(Geometry g) {
        float[] x = random(g.inSize() + 1, 7);
        float[] ref = new float[g.outSize()];
        float[] got = new float[g.outSize()];
        ScalarPooling.avgPoolForward(x, 1, g.n(), g.c(), g.h(), g.w(), g.k(), g.s(), g.p(), ref, 0);
        Pooling.avgPoolForward(x, 1, g.n(), g.c(), g.h(), g.w(), g.k(), g.s(), g.p(), got, 0);
        // a float sum of at most kernel^2 values in [-1, 1], then a division
        double tolerance = (g.k() * g.k() + 1) * U;
        for (int i = 0; i < ref.length; i++) {
            assertEquals(ref[i], got[i], tolerance, "y[" + i + "]");
        }
        float[] dy = random(g.outSize(), 8);
        float[] refDx = new float[g.inSize()];
        float[] gotDx = new float[g.inSize()];
        Arrays.fill(gotDx, Float.NaN);
        ScalarPooling.avgPoolBackward(dy, 0, g.n(), g.c(), g.h(), g.w(), g.k(), g.s(), g.p(), refDx, 0);
        Pooling.avgPoolBackward(dy, 0, g.n(), g.c(), g.h(), g.w(), g.k(), g.s(), g.p(), gotDx, 0);
        // at most kernel^2 shares, each at most 1, added in float
        tolerance = Math.pow(g.k(), 4) * U;
        for (int i = 0; i < refDx.length; i++) {
            assertEquals(refDx[i], gotDx[i], tolerance, "dx[" + i + "]");
        }
    }

    @Test
    void backwardPassesMatchFiniteDifferencesOfTheReference() {
        Geometry g = new Geometry(2, 2, 7, 8, 3, 2, 1);
        // distinct values, so that a small step never changes which element is the maximum
        float[] x = new float[g.inSize()];
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (i * 0.37 % 5 + 0.01 * r.nextDouble());
        }
        float[] dy = random(g.outSize(), 10);
        float[] y = new float[g.outSize()];
        int[] argmax = new int[g.outSize()];
        ScalarPooling.maxPoolForward(x, 0, g.n(), g.c(), g.h(), g.w(), g.k(), g.s(), g.p(), y, 0, argmax, 0);
        float[] maxDx = new float[x.length];
        float[] avgDx = new float[x.length];
        ScalarPooling.maxPoolBackward(dy, 0, argmax, 0, g.n(), g.c(), g.h(), g.w(), g.k(), g.s(), g.p(), maxDx, 0);
        ScalarPooling.avgPoolBackward(dy, 0, g.n(), g.c(), g.h(), g.w(), g.k(), g.s(), g.p(), avgDx, 0);
        double h = 1e-3;
        for (int i = 0; i < x.length; i++) {
            float saved = x[i];
            x[i] = (float) (saved + h);
            double maxUp = loss(g, x, dy, true);
            double avgUp = loss(g, x, dy, false);
            double step = x[i] - (double) saved;
            x[i] = (float) (saved - h);
            double maxDown = loss(g, x, dy, true);
            double avgDown = loss(g, x, dy, false);
            step += saved - (double) x[i];
            x[i] = saved;
            assertEquals((maxUp - maxDown) / step, maxDx[i], 1e-3, "max pool dx[" + i + "]");
            assertEquals((avgUp - avgDown) / step, avgDx[i], 1e-3, "average pool dx[" + i + "]");
        }
    }

    private static double loss(Geometry g, float[] x, float[] dy, boolean max) {
        float[] y = new float[g.outSize()];
        if (max) {
            ScalarPooling.maxPoolForward(x, 0, g.n(), g.c(), g.h(), g.w(), g.k(), g.s(), g.p(), y, 0,
                    new int[g.outSize()], 0);
        } else {
            ScalarPooling.avgPoolForward(x, 0, g.n(), g.c(), g.h(), g.w(), g.k(), g.s(), g.p(), y, 0);
        }
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += (double) dy[i] * y[i];
        }
        return sum;
    }

    @Test
    void averageExcludesThePaddingFromTheCount() {
        // all ones with padding 1: counting the padding would give 4/9 in the corners and 6/9 on the edges
        float[] x = new float[40 * 40];
        Arrays.fill(x, 1f);
        float[] y = new float[40 * 40];
        Pooling.avgPoolForward(x, 0, 1, 1, 40, 40, 3, 1, 1, y, 0);
        for (float v : y) {
            assertEquals(1f, v, 1e-7f);
        }
        float[] dx = new float[x.length];
        Pooling.avgPoolBackward(y, 0, 1, 1, 40, 40, 3, 1, 1, dx, 0);
        // the corner element is in windows of 4, 6, 6 and 9 real elements
        assertEquals(1 / 4.0 + 2 / 6.0 + 1 / 9.0, dx[0], 1e-6);
    }

    @Test
    void tiesGoToTheFirstIndexAndNaNWins() {
        int h = 6, w = 40;
        float[] x = new float[h * w];
        Arrays.fill(x, 2f);
        x[3 * w + 21] = Float.NaN;
        x[3 * w + 22] = Float.NaN;
        float[] y = new float[3 * 20];
        int[] argmax = new int[3 * 20];
        Pooling.maxPoolForward(x, 0, 1, 1, h, w, 2, 2, 0, y, 0, argmax, 0);
        for (int oh = 0; oh < 3; oh++) {
            for (int ow = 0; ow < 20; ow++) {
                int at = oh * 20 + ow;
                if (oh == 1 && (ow == 10 || ow == 11)) {
                    assertTrue(Float.isNaN(y[at]), "window (1, " + ow + ") holds a NaN");
                    assertEquals(3 * w + 21 + (ow - 10), argmax[at], "the first NaN");
                } else {
                    assertEquals(2f, y[at]);
                    assertEquals(2 * oh * w + 2 * ow, argmax[at], "the window's top-left element");
                }
            }
        }
    }

    @Test
    void badArgumentsNameTheValues() {
        float[] x = new float[64];
        float[] y = new float[64];
        int[] argmax = new int[64];
        Im2colTest.assertMessage("padding 2 must be at most half the kernel 3",
                () -> Pooling.maxPoolForward(x, 0, 1, 1, 8, 8, 3, 1, 2, y, 0, argmax, 0));
        Im2colTest.assertMessage("stride 0", () -> Pooling.avgPoolForward(x, 0, 1, 1, 8, 8, 2, 0, 0, y, 0));
        Im2colTest.assertMessage("spans 9", () -> ScalarPooling.avgPoolForward(x, 0, 1, 1, 8, 8, 9, 1, 0, y, 0));
        Im2colTest.assertMessage("argmax needs 16", () -> Pooling.maxPoolForward(x, 0, 1, 1, 8, 8, 2, 2, 0, y, 0,
                new int[15], 0));
        Im2colTest.assertMessage("y needs 16", () -> Pooling.avgPoolForward(x, 0, 1, 1, 8, 8, 2, 2, 0, new float[15], 0));
        Im2colTest.assertMessage("overlaps", () -> Pooling.avgPoolForward(x, 0, 1, 1, 8, 8, 2, 2, 0, x, 10));
        int[] bad = new int[16];
        bad[3] = 64;
        Im2colTest.assertMessage("argmax[3] = 64", () -> Pooling.maxPoolBackward(y, 0, bad, 0, 1, 1, 8, 8, 2, 2, 0,
                x, 0), "8 x 8");
        Im2colTest.assertMessage("n must be >= 0, got -2", () -> Pooling.avgPoolBackward(y, 0, -2, 1, 8, 8, 2, 2, 0,
                x, 0));
    }
}
