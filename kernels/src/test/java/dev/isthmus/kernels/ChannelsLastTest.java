package dev.isthmus.kernels;

import static dev.isthmus.kernels.Im2colTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ChannelsLastTest {
    static final double U = 0x1p-24;
    /** Written around every output; a kernel writing outside its range changes it. */
    static final float SENTINEL = 1234.5f;
    static final int[] CHANNELS = {1, 3, 16, 17, 33};
    static final int[] SIDES = {1, 5, 7, 28};

    /** Hand-picked shapes, then a seeded sample of channels x sides x kernels x strides x padding x dilation. */
    static Stream<ConvShape> convolutions() {
        List<ConvShape> out = new ArrayList<>(List.of(
                new ConvShape(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1),
                new ConvShape(1, 28, 28, 8, 5, 5, 1, 1, 2, 2, 1, 1),
                new ConvShape(3, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1),
                new ConvShape(16, 7, 7, 17, 3, 3, 2, 2, 1, 1, 1, 1),
                new ConvShape(17, 5, 7, 3, 3, 5, 1, 2, 2, 1, 2, 1),
                new ConvShape(33, 5, 5, 4, 1, 1, 1, 1, 0, 0, 1, 1),
                new ConvShape(3, 1, 28, 5, 1, 5, 1, 2, 0, 2, 1, 2),
                new ConvShape(1, 5, 5, 2, 5, 5, 1, 1, 2, 2, 1, 1),
                // a window that only fits with the padding: some rows are all padding
                new ConvShape(3, 1, 1, 2, 5, 5, 1, 1, 2, 2, 1, 1),
                new ConvShape(16, 7, 28, 5, 3, 3, 2, 2, 2, 2, 2, 2)));
        SplittableRandom r = new SplittableRandom(20);
        while (out.size() < 50) {
            int kh = pick(r, 1, 3, 5), kw = pick(r, 1, 3, 5);
            int ph = r.nextInt(3), pw = r.nextInt(3), dh = r.nextInt(1, 3), dw = r.nextInt(1, 3);
            int h = pick(r, SIDES), w = pick(r, SIDES);
            if (h + 2 * ph < dh * (kh - 1) + 1 || w + 2 * pw < dw * (kw - 1) + 1) {
                continue;
            }
            out.add(new ConvShape(pick(r, CHANNELS), h, w, r.nextInt(1, 20), kh, kw, r.nextInt(1, 3), r.nextInt(1, 3),
                    ph, pw, dh, dw));
        }
        return out.stream();
    }

    /** n, height, width, channels, size, stride of a pooling. */
    record Pool(int n, int h, int w, int c, int size, int stride) {
        int outH() {
            return (h - size) / stride + 1;
        }

        int outW() {
            return (w - size) / stride + 1;
        }

        int inSize() {
            return n * h * w * c;
        }

        int outSize() {
            return n * outH() * outW() * c;
        }
    }

    static Stream<Pool> pools() {
        List<Pool> out = new ArrayList<>(List.of(
                new Pool(1, 1, 1, 1, 1, 1),
                new Pool(0, 5, 5, 3, 2, 2),
                new Pool(2, 28, 28, 16, 2, 2),
                new Pool(1, 28, 28, 33, 3, 2),
                new Pool(2, 7, 5, 17, 5, 1),
                new Pool(1, 5, 7, 3, 3, 3),
                new Pool(3, 28, 7, 1, 2, 1),
                new Pool(1, 7, 7, 64, 7, 1)));
        SplittableRandom r = new SplittableRandom(21);
        while (out.size() < 40) {
            int h = pick(r, SIDES), w = pick(r, SIDES), size = pick(r, 1, 2, 3, 5);
            if (size <= Math.min(h, w)) {
                out.add(new Pool(r.nextInt(1, 3), h, w, pick(r, CHANNELS), size, r.nextInt(1, 4)));
            }
        }
        return out.stream();
    }

    static int pick(SplittableRandom r, int... values) {
        return values[r.nextInt(values.length)];
    }

    static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextDouble(-1, 1);
        }
        return a;
    }

    /** Small integers (so windows hold ties), signed zeros, infinities and, when asked, NaN. */
    static float[] special(int n, long seed, boolean nan) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = switch (r.nextInt(12)) {
                case 0 -> -0f;
                case 1 -> 0f;
                case 2 -> Float.NEGATIVE_INFINITY;
                case 3 -> Float.POSITIVE_INFINITY;
                case 4 -> nan && r.nextInt(4) == 0 ? Float.NaN : -0f;
                default -> r.nextInt(-3, 4) * 0.25f;
            };
        }
        return a;
    }

    static float[] sentinels(int n) {
        float[] a = new float[n];
        Arrays.fill(a, SENTINEL);
        return a;
    }

    /**
     * Bit-identical, signed zeros included; any NaN matches any NaN. C2 may swap the operands of a
     * float add (and x86 keeps the first operand's NaN, or makes 0xffc00000 from inf - inf), so NaN
     * payloads differ between runs of the same Java code; Java leaves them unspecified.
     */
    static void assertBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                fail(what + "[" + i + "]: expected " + expected[i] + " (0x" + Integer.toHexString(
                        Float.floatToRawIntBits(expected[i])) + "), got " + actual[i] + " (0x"
                        + Integer.toHexString(Float.floatToRawIntBits(actual[i])) + ")");
            }
        }
    }

    /** The first {@code off} and the last {@code after} floats still hold the sentinel. */
    static void assertUntouched(float[] a, int off, int after, String what) {
        for (int i = 0; i < off; i++) {
            assertEquals(SENTINEL, a[i], what + "[" + i + "] before the output");
        }
        for (int i = a.length - after; i < a.length; i++) {
            assertEquals(SENTINEL, a[i], what + "[" + i + "] after the output");
        }
    }

    // Fast against the reference, bit for bit.

    @ParameterizedTest
    @MethodSource("convolutions")
    void im2colMatchesTheReference(ConvShape g) {
        float[] x = random(3 + g.inputSize(), 1);
        float[] expected = sentinels(5 + g.columnsSize() + 4);
        float[] got = expected.clone();
        // stale values where the padding goes: im2col must write its zeros
        Arrays.fill(got, 5, 5 + g.columnsSize(), Float.NaN);
        ScalarChannelsLast.im2col(g, x, 3, expected, 5);
        ChannelsLast.im2col(g, x, 3, got, 5);
        assertBits(expected, got, "cols");
        assertUntouched(got, 5, 4, "cols");
    }

    @ParameterizedTest
    @MethodSource("convolutions")
    void weightsMatchTheReferenceAndTheFormula(ConvShape g) {
        float[] w = random(2 + g.weightsSize(), 2);
        float[] expected = sentinels(1 + g.weightsSize() + 3);
        float[] got = expected.clone();
        ScalarChannelsLast.weights(g, w, 2, expected, 1);
        ChannelsLast.weights(g, w, 2, got, 1);
        assertBits(expected, got, "weights");
        assertUntouched(got, 1, 3, "weights");
        int kw = g.kernelW(), c = g.channels(), o = g.outChannels();
        for (int oc = 0; oc < o; oc++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < g.kernelH(); i++) {
                    for (int j = 0; j < kw; j++) {
                        assertEquals(w[2 + ((oc * c + ch) * g.kernelH() + i) * kw + j],
                                got[1 + ((i * kw + j) * c + ch) * o + oc]);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("pools")
    void poolingMatchesTheReferenceOnSpecialValues(Pool p) {
        for (boolean nan : new boolean[] {false, true}) {
            float[] x = special(2 + p.inSize(), p.c() * 31 + p.w() + (nan ? 1 : 0), nan);
            float[] expected = sentinels(3 + p.outSize() + 2);
            float[] got = expected.clone();
            ScalarChannelsLast.maxPool(x, 2, p.n(), p.h(), p.w(), p.c(), p.size(), p.stride(), expected, 3);
            ChannelsLast.maxPool(x, 2, p.n(), p.h(), p.w(), p.c(), p.size(), p.stride(), got, 3);
            assertBits(expected, got, "max");
            assertUntouched(got, 3, 2, "max");

            expected = sentinels(3 + p.outSize() + 2);
            got = expected.clone();
            ScalarChannelsLast.avgPool(x, 2, p.n(), p.h(), p.w(), p.c(), p.size(), p.stride(), expected, 3);
            ChannelsLast.avgPool(x, 2, p.n(), p.h(), p.w(), p.c(), p.size(), p.stride(), got, 3);
            assertBits(expected, got, "average");
            assertUntouched(got, 3, 2, "average");
        }
    }

    @ParameterizedTest
    @MethodSource("pools")
    void layoutConversionsMatchTheReferenceAndInvert(Pool p) {
        int size = p.inSize();
        float[] x = random(1 + size, 3);
        float[] expected = sentinels(4 + size + 2);
        float[] got = expected.clone();
        ScalarChannelsLast.toChannelsLast(x, 1, p.n(), p.c(), p.h(), p.w(), expected, 4);
        ChannelsLast.toChannelsLast(x, 1, p.n(), p.c(), p.h(), p.w(), got, 4);
        assertBits(expected, got, "channels-last");
        assertUntouched(got, 4, 2, "channels-last");

        float[] back = sentinels(size + 3);
        float[] reference = back.clone();
        ScalarChannelsLast.toChannelsFirst(got, 4, p.n(), p.c(), p.h(), p.w(), reference, 0);
        ChannelsLast.toChannelsFirst(got, 4, p.n(), p.c(), p.h(), p.w(), back, 0);
        assertBits(reference, back, "channels-first");
        assertBits(Arrays.copyOfRange(x, 1, 1 + size), Arrays.copyOf(back, size), "round trip");
        assertUntouched(back, 0, 3, "channels-first");
    }

    /** Large enough for the tiles of the transpose to have ragged edges both ways. */
    @Test
    void layoutConversionsOfLargePlanes() {
        int n = 2, c = 70, h = 9, w = 11;
        float[] x = random(n * c * h * w, 4);
        float[] expected = new float[x.length];
        float[] got = new float[x.length];
        ScalarChannelsLast.toChannelsLast(x, 0, n, c, h, w, expected, 0);
        ChannelsLast.toChannelsLast(x, 0, n, c, h, w, got, 0);
        assertBits(expected, got, "channels-last");
        ChannelsLast.toChannelsFirst(got, 0, n, c, h, w, expected, 0);
        assertBits(x, expected, "round trip");
    }

    // Against the NCHW kernels of the rest of the library.

    /** im2col times the weight matrix, plus bias, is the convolution ScalarConvolution computes. */
    @ParameterizedTest
    @MethodSource("convolutions")
    void im2colTimesWeightsIsTheConvolution(ConvShape g) {
        int n = 2;
        float[] x = random(n * g.inputSize(), 5);
        float[] w = random(g.weightsSize(), 6);
        float[] bias = random(g.outChannels(), 7);
        float[] expected = new float[n * g.outputSize()];
        ScalarConvolution.forward(g, n, x, 0, w, 0, bias, 0, expected, 0, null);

        float[] image = new float[n * g.inputSize()];
        ChannelsLast.toChannelsLast(x, 0, n, g.channels(), g.height(), g.width(), image, 0);
        float[] matrix = new float[g.weightsSize()];
        ChannelsLast.weights(g, w, 0, matrix, 0);
        int pixels = g.outHeight() * g.outWidth();
        float[] cols = new float[g.columnsSize()];
        float[] y = new float[n * g.outputSize()];
        for (int img = 0; img < n; img++) {
            ChannelsLast.im2col(g, image, img * g.inputSize(), cols, 0);
            Gemm.sgemm(false, false, pixels, g.outChannels(), g.kernelSize(), 1f, cols, 0, g.kernelSize(),
                    matrix, 0, g.outChannels(), 0f, y, img * g.outputSize(), g.outChannels(),
                    bias, 0, Activation.IDENTITY);
        }
        float[] got = new float[y.length];
        ChannelsLast.toChannelsFirst(y, 0, n, g.outChannels(), g.outHeight(), g.outWidth(), got, 0);
        double tolerance = ConvolutionTest.tolerance(g.kernelSize());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], tolerance, "y[" + i + "] of " + g);
        }
    }

    @ParameterizedTest
    @MethodSource("pools")
    void poolingIsThePoolingOfTheNchwKernels(Pool p) {
        // distinct random values: Pooling breaks ties between -0.0 and 0.0 by position, Math.max by sign
        float[] x = random(p.inSize(), 8);
        float[] image = new float[x.length];
        ChannelsLast.toChannelsLast(x, 0, p.n(), p.c(), p.h(), p.w(), image, 0);
        float[] y = new float[p.outSize()];
        float[] got = new float[p.outSize()];
        float[] expected = new float[p.outSize()];

        ChannelsLast.maxPool(image, 0, p.n(), p.h(), p.w(), p.c(), p.size(), p.stride(), y, 0);
        ChannelsLast.toChannelsFirst(y, 0, p.n(), p.c(), p.outH(), p.outW(), got, 0);
        ScalarPooling.maxPoolForward(x, 0, p.n(), p.c(), p.h(), p.w(), p.size(), p.stride(), 0, expected, 0,
                new int[p.outSize()], 0);
        assertBits(expected, got, "max");

        ChannelsLast.avgPool(image, 0, p.n(), p.h(), p.w(), p.c(), p.size(), p.stride(), y, 0);
        ChannelsLast.toChannelsFirst(y, 0, p.n(), p.c(), p.outH(), p.outW(), got, 0);
        ScalarPooling.avgPoolForward(x, 0, p.n(), p.c(), p.h(), p.w(), p.size(), p.stride(), 0, expected, 0);
        // a float sum of size^2 values in [-1, 1], then a rounded reciprocal and a product
        double tolerance = (p.size() * p.size() + 2) * U;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], tolerance, "average[" + i + "]");
        }
    }

    /** The semantics the javadoc promises, on every lane of a full vector and of the masked tail. */
    @Test
    void maxPoolPropagatesNaNAndPrefersPositiveZero() {
        int c = Species.FLOAT.length() + 3;
        float[][] windows = {
                {1f, Float.NaN, 3f, 2f},
                {Float.NaN, 1f, 1f, 1f},
                {-0f, 0f, -0f, -0f},
                {0f, -0f, -0f, -0f},
                {-0f, -0f, -0f, -0f},
                {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY},
                {-1f, Float.POSITIVE_INFINITY, 2f, Float.NaN},
                {-5f, -2f, -7f, -3f}};
        float[] maxima = {Float.NaN, Float.NaN, 0f, 0f, -0f, Float.NEGATIVE_INFINITY, Float.NaN, -2f};
        float[] means = {Float.NaN, Float.NaN, 0f, 0f, -0f, Float.NEGATIVE_INFINITY, Float.NaN, -4.25f};
        for (int k = 0; k < windows.length; k++) {
            // one 2 x 2 image, every channel holding the window
            float[] x = new float[4 * c];
            for (int i = 0; i < 4; i++) {
                Arrays.fill(x, i * c, (i + 1) * c, windows[k][i]);
            }
            float[] y = new float[c];
            float[] expected = new float[c];
            ChannelsLast.maxPool(x, 0, 1, 2, 2, c, 2, 1, y, 0);
            Arrays.fill(expected, maxima[k]);
            assertBits(expected, y, "max of window " + k);
            ChannelsLast.avgPool(x, 0, 1, 2, 2, c, 2, 1, y, 0);
            Arrays.fill(expected, means[k]);
            assertBits(expected, y, "mean of window " + k);
        }
    }

    // Bad arguments.

    @Test
    void badArgumentsNameTheArgument() {
        ConvShape g = new ConvShape(3, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1);
        float[] x = new float[g.inputSize()];
        float[] cols = new float[g.columnsSize()];
        assertMessage("g is null", () -> ChannelsLast.im2col(null, x, 0, cols, 0));
        assertMessage("x is null", () -> ChannelsLast.im2col(g, null, 0, cols, 0));
        assertMessage("cols is null", () -> ScalarChannelsLast.im2col(g, x, 0, null, 0));
        assertMessage("x needs 75 floats from offset -1", () -> ChannelsLast.im2col(g, x, -1, cols, 0));
        assertMessage("x needs 75 floats from offset 1", () -> ChannelsLast.im2col(g, x, 1, cols, 0), "has 75");
        assertMessage("cols needs 675 floats from offset 0", () -> ChannelsLast.im2col(g, x, 0, new float[674], 0),
                "has 674");
        float[] shared = new float[800];
        assertMessage("cols [10, 685) overlaps x [0, 75)", () -> ChannelsLast.im2col(g, shared, 0, shared, 10));

        float[] w = new float[g.weightsSize()];
        assertMessage("w needs 108", () -> ChannelsLast.weights(g, new float[107], 0, w, 0));
        assertMessage("out needs 108", () -> ScalarChannelsLast.weights(g, w, 0, new float[107], 0));
        assertMessage("out is null", () -> ChannelsLast.weights(g, w, 0, null, 0));
        assertMessage("overlaps", () -> ChannelsLast.weights(g, shared, 0, shared, 100));
        assertMessage("g is null", () -> ChannelsLast.weights(null, w, 0, w, 0));

        float[] image = new float[2 * 5 * 7 * 3];
        float[] y = new float[100];
        assertMessage("size must be >= 1, got 0", () -> ChannelsLast.maxPool(image, 0, 2, 5, 7, 3, 0, 1, y, 0));
        assertMessage("stride must be >= 1, got 0", () -> ChannelsLast.avgPool(image, 0, 2, 5, 7, 3, 2, 0, y, 0));
        assertMessage("size 6", () -> ChannelsLast.maxPool(image, 0, 2, 5, 7, 3, 6, 1, y, 0), "5 x 7 plane");
        assertMessage("size 8", () -> ScalarChannelsLast.avgPool(image, 0, 2, 5, 7, 3, 8, 1, y, 0), "5 x 7 plane");
        assertMessage("n must be >= 0, got -1", () -> ChannelsLast.maxPool(image, 0, -1, 5, 7, 3, 2, 1, y, 0));
        assertMessage("channels must be >= 0, got -3", () -> ChannelsLast.maxPool(image, 0, 2, 5, 7, -3, 2, 1, y, 0));
        assertMessage("height 0", () -> ChannelsLast.avgPool(image, 0, 2, 0, 7, 3, 1, 1, y, 0));
        assertMessage("x needs 210", () -> ChannelsLast.maxPool(image, 1, 2, 5, 7, 3, 2, 1, y, 0));
        assertMessage("x is null", () -> ChannelsLast.maxPool(null, 0, 2, 5, 7, 3, 2, 1, y, 0));
        // 2 x 4 x 6 x 3 outputs
        assertMessage("y needs 144", () -> ChannelsLast.maxPool(image, 0, 2, 5, 7, 3, 2, 1, new float[143], 0));
        assertMessage("y needs 144 floats from offset -2", () -> ChannelsLast.avgPool(image, 0, 2, 5, 7, 3, 2, 1,
                new float[200], -2));
        float[] both = new float[400];
        assertMessage("y [200, 344) overlaps x [0, 210)", () -> ChannelsLast.maxPool(both, 0, 2, 5, 7, 3, 2, 1,
                both, 200));

        assertMessage("channels must be >= 0, got -1",
                () -> ChannelsLast.toChannelsLast(image, 0, 1, -1, 5, 7, y, 0));
        assertMessage("width must be >= 0, got -7",
                () -> ChannelsLast.toChannelsFirst(image, 0, 1, 3, 5, -7, y, 0));
        assertMessage("y needs 210", () -> ChannelsLast.toChannelsLast(image, 0, 2, 3, 5, 7, y, 0));
        assertMessage("x needs 210", () -> ScalarChannelsLast.toChannelsFirst(image, 1, 2, 3, 5, 7, new float[210], 0));
        assertMessage("overlaps", () -> ChannelsLast.toChannelsFirst(both, 0, 1, 3, 5, 7, both, 104));
        assertMessage("do not fit in an array",
                () -> ChannelsLast.toChannelsLast(image, 0, 1 << 16, 1 << 16, 1, 1, y, 0));
    }

    @Test
    void emptyBatchesTouchNothing() {
        float[] y = {SENTINEL};
        ChannelsLast.maxPool(new float[0], 0, 0, 5, 5, 3, 2, 2, y, 0);
        ChannelsLast.avgPool(new float[0], 0, 2, 5, 5, 0, 2, 2, y, 0);
        ChannelsLast.toChannelsLast(new float[0], 0, 0, 3, 5, 5, y, 0);
        ChannelsLast.toChannelsFirst(new float[0], 0, 3, 3, 0, 5, y, 0);
        assertEquals(SENTINEL, y[0]);
    }

    // Allocation.

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static long allocatedBy(Runnable call, int times) {
        long id = Thread.currentThread().threadId();
        long before = THREADS.getThreadAllocatedBytes(id);
        for (int i = 0; i < times; i++) {
            call.run();
        }
        return THREADS.getThreadAllocatedBytes(id) - before;
    }

    /**
     * An inference plan calls these per image: once compiled they must not allocate. The inputs hold
     * NaN and signed zeros, so the check afterwards also covers the compiled code's max semantics.
     */
    @Test
    void warmCallsAllocateNothing() {
        ConvShape g = new ConvShape(17, 9, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1);
        float[] x = special(g.inputSize(), 11, true);
        float[] cols = new float[g.columnsSize()];
        float[] pooled = new float[4 * 4 * 17];
        float[] averaged = new float[pooled.length];
        Runnable calls = () -> {
            ChannelsLast.im2col(g, x, 0, cols, 0);
            ChannelsLast.maxPool(x, 0, 1, 9, 9, 17, 2, 2, pooled, 0);
            ChannelsLast.avgPool(x, 0, 1, 9, 9, 17, 3, 2, averaged, 0);
        };
        // as AllocationTest: interpreted Vector API code allocates boxes until C2 has compiled it
        long bytes = -1;
        for (int round = 0; round < 5 && bytes != 0; round++) {
            allocatedBy(calls, 20_000);
            bytes = allocatedBy(calls, 2_000);
        }
        assertEquals(0, bytes, "bytes allocated by 2000 warm calls");

        float[] expected = new float[pooled.length];
        ScalarChannelsLast.maxPool(x, 0, 1, 9, 9, 17, 2, 2, expected, 0);
        assertBits(expected, pooled, "compiled max");
        ScalarChannelsLast.avgPool(x, 0, 1, 9, 9, 17, 3, 2, expected, 0);
        assertBits(expected, averaged, "compiled average");
        float[] reference = new float[cols.length];
        ScalarChannelsLast.im2col(g, x, 0, reference, 0);
        assertBits(reference, cols, "compiled im2col");
        assertTrue(hasNaN(pooled), "the test input puts a NaN in some window");
    }

    private static boolean hasNaN(float[] a) {
        for (float v : a) {
            if (Float.isNaN(v)) {
                return true;
            }
        }
        return false;
    }
}
