package dev.isthmus.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConvolutionTest {
    static final double U = 0x1p-24;

    static ConvShape shape(int c, int h, int w, int o, int kh, int kw, int s, int p, int d) {
        return new ConvShape(c, h, w, o, kh, kw, s, s, p, p, d, d);
    }

    static Stream<Arguments> cases() {
        List<ConvShape> shapes = List.of(
                shape(1, 1, 1, 1, 1, 1, 1, 0, 1),
                shape(3, 7, 9, 4, 3, 3, 1, 1, 1),
                shape(2, 11, 13, 5, 3, 3, 2, 1, 1),
                shape(3, 13, 11, 2, 3, 3, 1, 2, 2),
                shape(2, 17, 15, 3, 3, 3, 2, 1, 2),
                shape(7, 5, 6, 3, 1, 1, 1, 0, 1),
                shape(4, 9, 9, 6, 1, 1, 2, 0, 1),
                shape(1, 28, 28, 8, 5, 5, 1, 0, 1),
                shape(5, 6, 6, 17, 3, 3, 1, 1, 1),
                new ConvShape(3, 10, 12, 4, 2, 4, 2, 3, 1, 3, 3, 2),
                new ConvShape(2, 9, 31, 3, 1, 7, 1, 1, 0, 3, 1, 1));
        List<Arguments> out = new ArrayList<>();
        for (ConvShape s : shapes) {
            for (int n : new int[] {0, 1, 3}) {
                out.add(Arguments.of(s, n));
            }
        }
        return out.stream();
    }

    static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextDouble(-1, 1);
        }
        return a;
    }

    /**
     * GEMM sums {@code terms} products of values in [-1, 1] in float, as GemmTest bounds it: a few
     * ulps of 1 per term, which a wrong index or a missing kernel tap (an error of order 1) exceeds.
     */
    static double tolerance(int terms) {
        return 16 * U * (terms + 2);
    }

    static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance, what + "[" + i + "]");
        }
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("cases")
    void forwardMatchesTheDirectLoop(ConvShape s, int n) {
        float[] x = random(4 + n * s.inputSize(), 1);
        float[] w = random(s.weightsSize() + 1, 2);
        float[] bias = random(s.outChannels() + 2, 3);
        for (boolean withBias : new boolean[] {false, true}) {
            float[] expected = new float[3 + n * s.outputSize() + 2];
            Arrays.fill(expected, 42f);
            float[] got = expected.clone();
            float[] b = withBias ? bias : null;
            ScalarConvolution.forward(s, n, x, 4, w, 1, b, 2, expected, 3, null);
            // Workspace contents must not matter. Exactly columnsSize() floats, like the one forward
            // allocates: Gemm's few-row path sums in an order that depends on how far B's array
            // extends past the matrix, so a longer workspace may change the last bit.
            float[] workspace = new float[s.columnsSize()];
            Arrays.fill(workspace, Float.NaN);
            Convolution.forward(s, n, x, 4, w, 1, b, 2, got, 3, workspace);
            assertClose(expected, got, tolerance(s.kernelSize()), "y");
            float[] again = new float[got.length];
            Arrays.fill(again, 42f);
            Convolution.forward(s, n, x, 4, w, 1, b, 2, again, 3, null);
            assertArrayEquals(got, again, "an allocated workspace gives the same bits");
        }
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("cases")
    void backwardDataMatchesTheReferenceAndIsTheAdjoint(ConvShape s, int n) {
        float[] dy = random(n * s.outputSize() + 1, 4);
        float[] w = random(s.weightsSize(), 5);
        float[] expected = new float[n * s.inputSize() + 2];
        Arrays.fill(expected, 42f);
        float[] got = expected.clone();
        ScalarConvolution.backwardData(s, n, dy, 1, w, 0, expected, 2, null);
        float[] workspace = new float[s.columnsSize()];
        Arrays.fill(workspace, Float.NaN);
        Convolution.backwardData(s, n, dy, 1, w, 0, got, 2, workspace);
        // each dx element sums at most outChannels * kernelH * kernelW products
        assertClose(expected, got, tolerance(s.outChannels() * s.kernelH() * s.kernelW()), "dx");

        // <conv(x), dy> == <x, backwardData(dy)>
        float[] x = random(n * s.inputSize(), 6);
        float[] y = new float[n * s.outputSize()];
        Convolution.forward(s, n, x, 0, w, 0, null, 0, y, 0, workspace);
        double left = 0;
        double magnitude = 0;
        for (int i = 0; i < y.length; i++) {
            left += (double) y[i] * dy[1 + i];
            magnitude += Math.abs((double) y[i] * dy[1 + i]);
        }
        double right = 0;
        for (int i = 0; i < x.length; i++) {
            right += (double) x[i] * got[2 + i];
        }
        assertEquals(left, right, tolerance(s.kernelSize() + s.outChannels() * s.kernelH() * s.kernelW())
                * (magnitude + 1));
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("cases")
    void backwardWeightsMatchesTheReference(ConvShape s, int n) {
        float[] x = random(n * s.inputSize(), 7);
        float[] dy = random(3 + n * s.outputSize(), 8);
        float[] expectedW = random(s.weightsSize() + 2, 9);
        float[] gotW = expectedW.clone();
        float[] expectedB = random(s.outChannels() + 1, 10);
        float[] gotB = expectedB.clone();
        ScalarConvolution.backwardWeights(s, n, x, 0, dy, 3, expectedW, 1, expectedB, 1, null);
        Convolution.backwardWeights(s, n, x, 0, dy, 3, gotW, 1, gotB, 1, new float[s.columnsSize()]);
        int pixels = s.outHeight() * s.outWidth();
        // each gradient sums n * outH * outW products (fewer where the kernel tap falls in padding)
        assertClose(expectedW, gotW, tolerance(n * pixels), "dweights");
        assertClose(expectedB, gotB, tolerance(n * pixels), "dbias");
        if (n == 0) {
            for (int i = 1; i <= s.weightsSize(); i++) {
                assertEquals(0f, gotW[i], "an empty batch has zero gradient");
            }
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesOfTheReference() {
        ConvShape s = new ConvShape(2, 7, 6, 3, 3, 3, 2, 1, 1, 1, 2, 1);
        int n = 2;
        float[] x = random(n * s.inputSize(), 11);
        float[] w = random(s.weightsSize(), 12);
        float[] bias = random(s.outChannels(), 13);
        float[] dy = random(n * s.outputSize(), 14);
        float[] dx = new float[x.length];
        float[] dw = new float[w.length];
        float[] db = new float[bias.length];
        ScalarConvolution.backwardData(s, n, dy, 0, w, 0, dx, 0, null);
        ScalarConvolution.backwardWeights(s, n, x, 0, dy, 0, dw, 0, db, 0, null);
        double h = 1e-2;
        for (int i = 0; i < x.length; i++) {
            assertEquals(difference(s, n, x, w, bias, dy, x, i, h), dx[i], 1e-3, "dx[" + i + "]");
        }
        for (int i = 0; i < w.length; i++) {
            assertEquals(difference(s, n, x, w, bias, dy, w, i, h), dw[i], 1e-3, "dweights[" + i + "]");
        }
        for (int i = 0; i < bias.length; i++) {
            assertEquals(difference(s, n, x, w, bias, dy, bias, i, h), db[i], 1e-3, "dbias[" + i + "]");
        }
    }

    /** Central difference of {@code sum(dy * conv(x, w) + bias)} with respect to {@code array[i]}. */
    private static double difference(ConvShape s, int n, float[] x, float[] w, float[] bias, float[] dy,
                                     float[] array, int i, double h) {
        float saved = array[i];
        array[i] = (float) (saved + h);
        double up = loss(s, n, x, w, bias, dy);
        double step = array[i] - (double) saved;
        array[i] = (float) (saved - h);
        double down = loss(s, n, x, w, bias, dy);
        step += saved - (double) array[i];
        array[i] = saved;
        return (up - down) / step;
    }

    private static double loss(ConvShape s, int n, float[] x, float[] w, float[] bias, float[] dy) {
        float[] y = new float[dy.length];
        ScalarConvolution.forward(s, n, x, 0, w, 0, bias, 0, y, 0, null);
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += (double) dy[i] * y[i];
        }
        return sum;
    }

    @Test
    void shapeDerivesItsSizes() {
        ConvShape s = new ConvShape(3, 32, 30, 16, 3, 5, 2, 1, 1, 2, 1, 2);
        assertEquals(16, s.outHeight());  // (32 + 2 - 2 - 1) / 2 + 1
        assertEquals(26, s.outWidth());   // (30 + 4 - 8 - 1) / 1 + 1
        assertEquals(45, s.kernelSize());
        assertEquals(3 * 32 * 30, s.inputSize());
        assertEquals(16 * 16 * 26, s.outputSize());
        assertEquals(16 * 45, s.weightsSize());
        assertEquals(45 * 16 * 26, s.columnsSize());
    }

    @Test
    void badArgumentsNameTheValues() {
        Im2colTest.assertMessage("stride 0", () -> new ConvShape(3, 8, 8, 4, 3, 3, 0, 1, 1, 1, 1, 1));
        Im2colTest.assertMessage("outChannels 0", () -> new ConvShape(3, 8, 8, 0, 3, 3, 1, 1, 1, 1, 1, 1));
        Im2colTest.assertMessage("spans 9", () -> new ConvShape(3, 8, 8, 4, 5, 3, 1, 1, 0, 0, 2, 1), "height 8");
        Im2colTest.assertMessage("does not fit", () -> new ConvShape(1 << 20, 64, 64, 4, 3, 3, 1, 1, 1, 1, 1, 1));
        ConvShape s = shape(2, 5, 5, 3, 3, 3, 1, 1, 1);
        float[] x = new float[2 * 50];
        float[] w = new float[54];
        float[] y = new float[2 * 75];
        Im2colTest.assertMessage("workspace has 449", () -> Convolution.forward(s, 2, x, 0, w, 0, null, 0, y, 0,
                new float[449]), "450");
        Im2colTest.assertMessage("shape is null", () -> Convolution.forward(null, 2, x, 0, w, 0, null, 0, y, 0, null));
        Im2colTest.assertMessage("weights needs 54", () -> Convolution.backwardData(s, 2, y, 0, new float[53], 0, x, 0,
                null));
        Im2colTest.assertMessage("bias needs 3", () -> ScalarConvolution.forward(s, 2, x, 0, w, 0, new float[2], 0,
                y, 0, null));
        Im2colTest.assertMessage("n must be >= 0, got -1", () -> Convolution.backwardWeights(s, -1, x, 0, y, 0, w, 0,
                null, 0, null));
        float[] shared = new float[400];
        Im2colTest.assertMessage("y [50, 200) overlaps x", () -> Convolution.forward(s, 2, shared, 0, w, 0, null, 0,
                shared, 50, null));
        float[] big = new float[500];
        Im2colTest.assertMessage("workspace [0, 450) overlaps dx", () -> Convolution.backwardData(s, 2, y, 0, w, 0,
                big, 0, big));
    }

    /** im2col writes the workspace before the weights are read: sharing them must be an error. */
    @Test
    void workspaceSharingWeightsOrBiasIsRejected() {
        ConvShape s = new ConvShape(1, 4, 4, 2, 3, 3, 1, 1, 1, 1, 1, 1);
        float[] buf = new float[Math.max(s.columnsSize(), s.weightsSize()) + s.outChannels()];
        float[] x = new float[s.inputSize()];
        float[] y = new float[s.outputSize()];
        var e = assertThrows(IllegalArgumentException.class,
                () -> Convolution.forward(s, 1, x, 0, buf, 0, null, 0, y, 0, buf));
        assertTrue(e.getMessage().contains("weights"), e.getMessage());
        float[] weights = new float[s.weightsSize()];
        e = assertThrows(IllegalArgumentException.class,
                () -> Convolution.forward(s, 1, x, 0, weights, 0, buf, 0, y, 0, buf));
        assertTrue(e.getMessage().contains("bias"), e.getMessage());
    }
}
