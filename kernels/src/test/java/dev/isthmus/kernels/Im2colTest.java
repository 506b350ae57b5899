package dev.isthmus.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class Im2colTest {
    static final double U = 0x1p-24;

    /** channels, height, width, kernelH, kernelW, padH, padW, strideH, strideW, dilationH, dilationW. */
    record Geometry(int c, int h, int w, int kh, int kw, int ph, int pw, int sh, int sw, int dh, int dw) {
        int outH() {
            return (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
        }

        int outW() {
            return (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        }

        int rows() {
            return c * kh * kw;
        }

        int pixels() {
            return outH() * outW();
        }

        void im2col(float[] x, int xOff, float[] cols, int colsOff) {
            Im2col.im2col(x, xOff, c, h, w, kh, kw, ph, pw, sh, sw, dh, dw, cols, colsOff);
        }

        void col2im(float[] cols, int colsOff, float[] x, int xOff) {
            Im2col.col2im(cols, colsOff, c, h, w, kh, kw, ph, pw, sh, sw, dh, dw, x, xOff);
        }

        /** The input index a column entry copies, or -1 in the padding: the direct loop. */
        int source(int row, int pixel) {
            int ch = row / (kh * kw);
            int ki = row / kw % kh;
            int kj = row % kw;
            int ih = pixel / outW() * sh - ph + ki * dh;
            int iw = pixel % outW() * sw - pw + kj * dw;
            return ih >= 0 && ih < h && iw >= 0 && iw < w ? (ch * h + ih) * w + iw : -1;
        }
    }

    static Stream<Geometry> geometries() {
        return Stream.of(
                new Geometry(1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1),
                new Geometry(3, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1),
                new Geometry(2, 11, 13, 3, 3, 1, 1, 2, 2, 1, 1),
                new Geometry(3, 13, 11, 3, 3, 2, 2, 1, 1, 2, 2),
                new Geometry(2, 17, 19, 3, 3, 1, 1, 2, 2, 2, 2),
                new Geometry(1, 5, 5, 5, 5, 0, 0, 1, 1, 1, 1),
                new Geometry(1, 3, 3, 5, 5, 2, 2, 1, 1, 1, 1),
                new Geometry(4, 6, 37, 1, 1, 0, 0, 1, 1, 1, 1),
                new Geometry(2, 9, 70, 1, 7, 0, 3, 1, 1, 1, 1),
                new Geometry(2, 31, 4, 5, 1, 2, 0, 3, 1, 1, 1),
                new Geometry(3, 10, 12, 2, 4, 1, 3, 2, 3, 3, 2),
                new Geometry(1, 28, 28, 5, 5, 2, 2, 1, 1, 1, 1),
                new Geometry(2, 4, 4, 3, 3, 3, 3, 1, 1, 1, 1),
                new Geometry(2, 8, 8, 2, 2, 0, 0, 2, 2, 1, 1));
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
    void im2colCopiesWhatTheDirectLoopReads(Geometry g) {
        float[] x = random(2 + g.c() * g.h() * g.w(), 1);
        float[] cols = new float[3 + g.rows() * g.pixels() + 2];
        Arrays.fill(cols, Float.NaN);
        g.im2col(x, 2, cols, 3);
        float[] expected = new float[cols.length];
        Arrays.fill(expected, Float.NaN);
        for (int row = 0; row < g.rows(); row++) {
            for (int p = 0; p < g.pixels(); p++) {
                int src = g.source(row, p);
                expected[3 + row * g.pixels() + p] = src < 0 ? 0f : x[2 + src];
            }
        }
        // a copy: bit-identical, padding of the array untouched
        assertArrayEquals(expected, cols);
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void col2imAddsWhatTheDirectLoopScatters(Geometry g) {
        float[] cols = random(1 + g.rows() * g.pixels(), 2);
        int size = g.c() * g.h() * g.w();
        float[] x = new float[size + 4];
        Arrays.fill(x, 42f);
        g.col2im(cols, 1, x, 3);
        double[] sums = new double[size];
        double[] magnitudes = new double[size];
        int[] counts = new int[size];
        for (int row = 0; row < g.rows(); row++) {
            for (int p = 0; p < g.pixels(); p++) {
                int dst = g.source(row, p);
                if (dst >= 0) {
                    sums[dst] += cols[1 + row * g.pixels() + p];
                    magnitudes[dst] += Math.abs(cols[1 + row * g.pixels() + p]);
                    counts[dst]++;
                }
            }
        }
        for (int i = 0; i < size; i++) {
            // a float sum of counts[i] terms: at most that many roundings of the running sum
            assertEquals(sums[i], x[3 + i], counts[i] * U * magnitudes[i], "x[" + i + "]");
        }
        assertEquals(42f, x[0]);
        assertEquals(42f, x[size + 3]);
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void col2imIsTheAdjointOfIm2col(Geometry g) {
        int size = g.c() * g.h() * g.w();
        float[] x = random(size, 3);
        float[] c = random(g.rows() * g.pixels(), 4);
        float[] cols = new float[c.length];
        g.im2col(x, 0, cols, 0);
        float[] back = new float[size];
        g.col2im(c, 0, back, 0);
        double left = 0;
        double magnitude = 0;
        for (int i = 0; i < c.length; i++) {
            left += (double) cols[i] * c[i];
            magnitude += Math.abs((double) cols[i] * c[i]);
        }
        double right = 0;
        for (int i = 0; i < size; i++) {
            right += (double) x[i] * back[i];
        }
        // col2im's float sums are the only rounding: kernelH * kernelW terms per element at most
        assertEquals(left, right, g.kh() * g.kw() * U * magnitude + 1e-12);
    }

    @Test
    void badGeometriesNameTheValues() {
        float[] x = new float[100];
        float[] cols = new float[1000];
        assertMessage("stride 0", () -> Im2col.im2col(x, 0, 1, 5, 5, 3, 3, 0, 0, 0, 1, 1, 1, cols, 0));
        assertMessage("dilation -1", () -> Im2col.col2im(cols, 0, 1, 5, 5, 3, 3, 0, 0, 1, 1, 1, -1, x, 0));
        assertMessage("kernel 0", () -> Im2col.im2col(x, 0, 1, 5, 5, 0, 3, 0, 0, 1, 1, 1, 1, cols, 0));
        assertMessage("padding -2", () -> Im2col.im2col(x, 0, 1, 5, 5, 3, 3, -2, 0, 1, 1, 1, 1, cols, 0));
        // a 3x3 kernel with dilation 3 spans 7 > 5: no output
        assertMessage("spans 7", () -> Im2col.im2col(x, 0, 1, 5, 5, 3, 3, 0, 0, 1, 1, 3, 1, cols, 0), "height 5");
        assertMessage("channels must be >= 0, got -1",
                () -> Im2col.im2col(x, 0, -1, 5, 5, 3, 3, 0, 0, 1, 1, 1, 1, cols, 0));
        assertMessage("cols needs 225", () -> Im2col.im2col(x, 0, 1, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, new float[224], 0));
        assertMessage("x needs 25", () -> Im2col.col2im(cols, 0, 1, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, new float[24], 0));
        float[] shared = new float[300];
        assertMessage("overlaps", () -> Im2col.im2col(shared, 0, 1, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, shared, 20));
        assertMessage("x is null", () -> Im2col.im2col(null, 0, 1, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, cols, 0));
    }

    @Test
    void zeroChannelsTouchNothing() {
        float[] cols = {5f};
        Im2col.im2col(new float[0], 0, 0, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, cols, 0);
        Im2col.col2im(new float[0], 0, 0, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, cols, 0);
        assertArrayEquals(new float[] {5f}, cols);
    }

    static void assertMessage(String expected, Runnable call, String... more) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        for (String s : more) {
            assertTrue(e.getMessage().contains(s), e.getMessage());
        }
    }

    /** Padding plus stride past 2^31 with valid dimensions: computed in long, no out-of-range read. */
    @Test
    void hugeStrideAndPaddingReadOnlyPadding() {
        float[] cols = {5f, 5f};
        Im2col.im2col(new float[] {7f}, 0, 1, 1, 1, 1, 1, 0, 1_000_000_000, 1, 2_000_000_000, 1, 1, cols, 0);
        assertArrayEquals(new float[] {0f, 0f}, cols);
    }
}
