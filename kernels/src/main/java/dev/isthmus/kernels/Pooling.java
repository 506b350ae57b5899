package dev.isthmus.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Max and average pooling over square windows of NCHW images, forward and backward, on the Vector
 * API.
 *
 * <p>Each of the {@code n * channels} planes of {@code height x width} pools to
 * {@code outH x outW}, {@code outH = (height + 2 * padding - kernel) / stride + 1}. Padding may be
 * at most half the kernel, so every window holds at least one real element. Max pooling keeps, per
 * output, the index {@code ih * width + iw} of its maximum within the input plane; on ties the
 * first in row-major order wins, and a NaN in a window wins over numbers (the first NaN).
 * Average pooling divides by the number of real elements in the window: padding is not counted
 * (PyTorch's {@code count_include_pad=False}). Backward passes overwrite dx. Outputs must not
 * overlap inputs.
 *
 * <p>Vectors run across output columns whose windows lie fully inside the row: unit stride loads
 * contiguous lanes and strides up to {@value #MAX_VECTOR_STRIDE} gather them; border columns and
 * larger strides go element by element.
 */
public final class Pooling {
    private static final VectorSpecies<Float> S = Species.FLOAT;
    private static final VectorSpecies<Integer> I = Species.INT;
    private static final int L = S.length();
    static final int MAX_VECTOR_STRIDE = 4;
    /** {@code LANE_OFFSETS[s][j] = j * s}: the gather map of stride s, and the argmax lane offsets. */
    private static final int[][] LANE_OFFSETS = new int[MAX_VECTOR_STRIDE + 1][L];

    static {
        for (int s = 0; s <= MAX_VECTOR_STRIDE; s++) {
            for (int j = 0; j < L; j++) {
                LANE_OFFSETS[s][j] = j * s;
            }
        }
    }

    private Pooling() {}

    /** Writes each window's maximum to y and its index within the input plane to argmax. */
    public static void maxPoolForward(float[] x, int xOff, int n, int channels, int height, int width,
                                      int kernel, int stride, int padding, float[] y, int yOff,
                                      int[] argmax, int argmaxOff) {
        String op = "max pool forward";
        int outH = checkGeometry(op, n, channels, height, width, kernel, stride, padding);
        int outW = outputSize(op, "width", width, kernel, stride, padding);
        int planes = n * channels;
        checkForward(op, planes, height * width, outH * outW, x, xOff, y, yOff);
        checkIndexes(op, planes * outH * outW, argmax, argmaxOff);
        for (int plane = 0; plane < planes; plane++) {
            maxPlaneBody(x, xOff + plane * height * width, height, width, kernel, stride, padding, outH, outW,
                    y, yOff + plane * outH * outW, argmax, argmaxOff + plane * outH * outW);
        }
    }

    /**
     * Overwrites dx with the gradient of {@link #maxPoolForward}: zero everywhere, plus each
     * {@code dy} added at its window's argmax.
     *
     * @throws IllegalArgumentException also when an argmax index lies outside the input plane
     */
    public static void maxPoolBackward(float[] dy, int dyOff, int[] argmax, int argmaxOff, int n, int channels,
                                       int height, int width, int kernel, int stride, int padding,
                                       float[] dx, int dxOff) {
        String op = "max pool backward";
        checkMaxBackward(op, dy, dyOff, argmax, argmaxOff, n, channels, height, width, kernel, stride, padding,
                dx, dxOff);
        int outPlane = outputSize(op, "height", height, kernel, stride, padding)
                * outputSize(op, "width", width, kernel, stride, padding);
        int inPlane = height * width;
        int planes = n * channels;
        java.util.Arrays.fill(dx, dxOff, dxOff + planes * inPlane, 0f);
        // a scatter: no vector form
        for (int plane = 0; plane < planes; plane++) {
            int d = dxOff + plane * inPlane;
            int o = plane * outPlane;
            for (int i = 0; i < outPlane; i++) {
                dx[d + argmax[argmaxOff + o + i]] += dy[dyOff + o + i];
            }
        }
    }

    /** Writes each window's mean over its real (unpadded) elements to y. */
    public static void avgPoolForward(float[] x, int xOff, int n, int channels, int height, int width,
                                      int kernel, int stride, int padding, float[] y, int yOff) {
        String op = "average pool forward";
        int outH = checkGeometry(op, n, channels, height, width, kernel, stride, padding);
        int outW = outputSize(op, "width", width, kernel, stride, padding);
        int planes = n * channels;
        checkForward(op, planes, height * width, outH * outW, x, xOff, y, yOff);
        for (int plane = 0; plane < planes; plane++) {
            avgPlaneBody(x, xOff + plane * height * width, height, width, kernel, stride, padding, outH, outW,
                    y, yOff + plane * outH * outW);
        }
    }

    /**
     * Overwrites dx with the gradient of {@link #avgPoolForward}: each {@code dy} divided by its
     * window's count of real elements and added to each of them.
     */
    public static void avgPoolBackward(float[] dy, int dyOff, int n, int channels, int height, int width,
                                       int kernel, int stride, int padding, float[] dx, int dxOff) {
        String op = "average pool backward";
        int outH = checkGeometry(op, n, channels, height, width, kernel, stride, padding);
        int outW = outputSize(op, "width", width, kernel, stride, padding);
        int planes = n * channels;
        checkBackward(op, planes, height * width, outH * outW, dy, dyOff, dx, dxOff);
        java.util.Arrays.fill(dx, dxOff, dxOff + planes * height * width, 0f);
        for (int plane = 0; plane < planes; plane++) {
            avgBackwardPlaneBody(dy, dyOff + plane * outH * outW, height, width, kernel, stride, padding, outH, outW,
                    dx, dxOff + plane * height * width);
        }
    }

    // Plane bodies: border columns element by element, the columns whose windows lie inside the row
    // in whole vectors.

    private static void maxPlaneBody(float[] x, int xp, int height, int width, int kernel, int stride, int padding,
                                     int outH, int outW, float[] y, int yp, int[] argmax, int ap) {
        int owLo = firstInterior(stride, padding, outW);
        int owHi = endInterior(width, kernel, stride, padding, outW, owLo);
        boolean vectors = stride <= MAX_VECTOR_STRIDE;
        int[] map = LANE_OFFSETS[Math.min(stride, MAX_VECTOR_STRIDE)];
        IntVector lanes = IntVector.fromArray(I, map, 0);
        for (int oh = 0; oh < outH; oh++) {
            int ih0 = oh * stride - padding;
            int kiLo = Math.max(0, -ih0);
            int kiHi = Math.min(kernel, height - ih0);
            int yRow = yp + oh * outW;
            int aRow = ap + oh * outW;
            int ow = 0;
            for (; ow < owLo; ow++) {
                int best = maxAt(x, xp, width, kernel, ih0, ow * stride - padding, kiLo, kiHi);
                y[yRow + ow] = x[xp + best];
                argmax[aRow + ow] = best;
            }
            for (; vectors && ow + L <= owHi; ow += L) {
                int first = (ih0 + kiLo) * width + ow * stride - padding;
                FloatVector max = stride == 1
                        ? FloatVector.fromArray(S, x, xp + first)
                        : FloatVector.fromArray(S, x, xp + first, map, 0);
                IntVector index = lanes.add(first);
                for (int ki = kiLo; ki < kiHi; ki++) {
                    for (int kj = ki == kiLo ? 1 : 0; kj < kernel; kj++) {
                        int pos = (ih0 + ki) * width + ow * stride - padding + kj;
                        FloatVector v = stride == 1
                                ? FloatVector.fromArray(S, x, xp + pos)
                                : FloatVector.fromArray(S, x, xp + pos, map, 0);
                        // larger, or NaN over a number; ties keep the earlier index
                        VectorMask<Float> take = v.compare(VectorOperators.LE, max).not()
                                .and(max.compare(VectorOperators.EQ, max));
                        max = max.blend(v, take);
                        index = index.blend(lanes.add(pos), take.cast(I));
                    }
                }
                max.intoArray(y, yRow + ow);
                index.intoArray(argmax, aRow + ow);
            }
            // scalar tail
            for (; ow < outW; ow++) {
                int best = maxAt(x, xp, width, kernel, ih0, ow * stride - padding, kiLo, kiHi);
                y[yRow + ow] = x[xp + best];
                argmax[aRow + ow] = best;
            }
        }
    }

    /** The plane index of the maximum of rows [kiLo, kiHi) of the window at (ih0, iw0), columns clipped to the row. */
    private static int maxAt(float[] x, int xp, int width, int kernel, int ih0, int iw0, int kiLo, int kiHi) {
        int kjLo = Math.max(0, -iw0);
        int kjHi = Math.min(kernel, width - iw0);
        int best = (ih0 + kiLo) * width + iw0 + kjLo;
        float max = x[xp + best];
        for (int ki = kiLo; ki < kiHi; ki++) {
            for (int kj = ki == kiLo ? kjLo + 1 : kjLo; kj < kjHi; kj++) {
                int pos = (ih0 + ki) * width + iw0 + kj;
                float v = x[xp + pos];
                if (!(v <= max) && max == max) {
                    max = v;
                    best = pos;
                }
            }
        }
        return best;
    }

    private static void avgPlaneBody(float[] x, int xp, int height, int width, int kernel, int stride, int padding,
                                     int outH, int outW, float[] y, int yp) {
        int owLo = firstInterior(stride, padding, outW);
        int owHi = endInterior(width, kernel, stride, padding, outW, owLo);
        boolean vectors = stride <= MAX_VECTOR_STRIDE;
        int[] map = LANE_OFFSETS[Math.min(stride, MAX_VECTOR_STRIDE)];
        for (int oh = 0; oh < outH; oh++) {
            int ih0 = oh * stride - padding;
            int kiLo = Math.max(0, -ih0);
            int kiHi = Math.min(kernel, height - ih0);
            int yRow = yp + oh * outW;
            int ow = 0;
            for (; ow < owLo; ow++) {
                y[yRow + ow] = avgAt(x, xp, width, kernel, ih0, ow * stride - padding, kiLo, kiHi);
            }
            float count = (kiHi - kiLo) * kernel;
            for (; vectors && ow + L <= owHi; ow += L) {
                FloatVector sum = FloatVector.zero(S);
                for (int ki = kiLo; ki < kiHi; ki++) {
                    for (int kj = 0; kj < kernel; kj++) {
                        int pos = (ih0 + ki) * width + ow * stride - padding + kj;
                        sum = sum.add(stride == 1
                                ? FloatVector.fromArray(S, x, xp + pos)
                                : FloatVector.fromArray(S, x, xp + pos, map, 0));
                    }
                }
                sum.div(count).intoArray(y, yRow + ow);
            }
            // scalar tail
            for (; ow < outW; ow++) {
                y[yRow + ow] = avgAt(x, xp, width, kernel, ih0, ow * stride - padding, kiLo, kiHi);
            }
        }
    }

    /** The mean of rows [kiLo, kiHi) of the window at (ih0, iw0), columns clipped to the row. */
    private static float avgAt(float[] x, int xp, int width, int kernel, int ih0, int iw0, int kiLo, int kiHi) {
        int kjLo = Math.max(0, -iw0);
        int kjHi = Math.min(kernel, width - iw0);
        float sum = 0;
        for (int ki = kiLo; ki < kiHi; ki++) {
            for (int kj = kjLo; kj < kjHi; kj++) {
                sum += x[xp + (ih0 + ki) * width + iw0 + kj];
            }
        }
        return sum / ((kiHi - kiLo) * (kjHi - kjLo));
    }

    private static void avgBackwardPlaneBody(float[] dy, int dyp, int height, int width, int kernel, int stride,
                                             int padding, int outH, int outW, float[] dx, int dxp) {
        int owLo = firstInterior(stride, padding, outW);
        int owHi = endInterior(width, kernel, stride, padding, outW, owLo);
        for (int oh = 0; oh < outH; oh++) {
            int ih0 = oh * stride - padding;
            int kiLo = Math.max(0, -ih0);
            int kiHi = Math.min(kernel, height - ih0);
            int dyRow = dyp + oh * outW;
            int ow = 0;
            for (; ow < owLo; ow++) {
                spread(dy[dyRow + ow], dx, dxp, width, kernel, ih0, ow * stride - padding, kiLo, kiHi);
            }
            // a scatter for other strides, which the Vector API emulates slowly without AVX-512
            float count = (kiHi - kiLo) * kernel;
            for (; stride == 1 && ow + L <= owHi; ow += L) {
                FloatVector g = FloatVector.fromArray(S, dy, dyRow + ow).div(count);
                for (int ki = kiLo; ki < kiHi; ki++) {
                    for (int kj = 0; kj < kernel; kj++) {
                        int pos = dxp + (ih0 + ki) * width + ow - padding + kj;
                        FloatVector.fromArray(S, dx, pos).add(g).intoArray(dx, pos);
                    }
                }
            }
            // scalar tail
            for (; ow < outW; ow++) {
                spread(dy[dyRow + ow], dx, dxp, width, kernel, ih0, ow * stride - padding, kiLo, kiHi);
            }
        }
    }

    /** Adds g / count to each real element of the window at (ih0, iw0). */
    private static void spread(float g, float[] dx, int dxp, int width, int kernel, int ih0, int iw0,
                               int kiLo, int kiHi) {
        int kjLo = Math.max(0, -iw0);
        int kjHi = Math.min(kernel, width - iw0);
        float share = g / ((kiHi - kiLo) * (kjHi - kjLo));
        for (int ki = kiLo; ki < kiHi; ki++) {
            for (int kj = kjLo; kj < kjHi; kj++) {
                dx[dxp + (ih0 + ki) * width + iw0 + kj] += share;
            }
        }
    }

    /** The first output column whose window does not start in the left padding. */
    private static int firstInterior(int stride, int padding, int outW) {
        return Math.min(outW, (padding + stride - 1) / stride);
    }

    /** One past the last output column whose window ends inside the row (at least owLo). */
    private static int endInterior(int width, int kernel, int stride, int padding, int outW, int owLo) {
        int lastStart = width - kernel + padding;
        return lastStart < 0 ? owLo : Math.max(owLo, Math.min(outW, lastStart / stride + 1));
    }

    // Argument checks, shared with ScalarPooling.

    /** Validates sizes and window and returns the output height. */
    static int checkGeometry(String op, int n, int channels, int height, int width, int kernel, int stride,
                             int padding) {
        Check.size(op, "n", n);
        Check.size(op, "channels", channels);
        int outH = outputSize(op, "height", height, kernel, stride, padding);
        int outW = outputSize(op, "width", width, kernel, stride, padding);
        if (2L * padding > kernel) {
            throw new IllegalArgumentException(op + ": padding " + padding + " must be at most half the kernel "
                    + kernel + ", or a window could hold only padding");
        }
        double planes = (double) n * channels;
        if (planes * height * width > Integer.MAX_VALUE || planes * outH * outW > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": " + n + " x " + channels + " planes of " + height + " x "
                    + width + " do not fit in an array");
        }
        return outH;
    }

    static int outputSize(String op, String dimension, int size, int kernel, int stride, int padding) {
        return Im2col.outputSize(op, dimension, size, kernel, padding, stride, 1);
    }

    static void checkForward(String op, int planes, int inPlane, int outPlane, float[] x, int xOff, float[] y, int yOff) {
        Check.vector(op, "x", planes * inPlane, x, xOff);
        Check.vector(op, "y", planes * outPlane, y, yOff);
        Check.disjoint(op, "y", y, yOff, planes * outPlane, "x", x, xOff, planes * inPlane);
    }

    static void checkBackward(String op, int planes, int inPlane, int outPlane, float[] dy, int dyOff,
                              float[] dx, int dxOff) {
        Check.vector(op, "dy", planes * outPlane, dy, dyOff);
        Check.vector(op, "dx", planes * inPlane, dx, dxOff);
        Check.disjoint(op, "dx", dx, dxOff, planes * inPlane, "dy", dy, dyOff, planes * outPlane);
    }

    static void checkIndexes(String op, int n, int[] argmax, int off) {
        if (argmax == null) {
            throw new IllegalArgumentException(op + ": argmax is null");
        }
        if (off < 0 || off + (long) n > argmax.length) {
            throw new IllegalArgumentException(op + ": argmax needs " + n + " ints from offset " + off
                    + ", but the array has " + argmax.length);
        }
    }

    static void checkMaxBackward(String op, float[] dy, int dyOff, int[] argmax, int argmaxOff, int n, int channels,
                                 int height, int width, int kernel, int stride, int padding, float[] dx, int dxOff) {
        int outH = checkGeometry(op, n, channels, height, width, kernel, stride, padding);
        int outW = outputSize(op, "width", width, kernel, stride, padding);
        int planes = n * channels;
        checkBackward(op, planes, height * width, outH * outW, dy, dyOff, dx, dxOff);
        checkIndexes(op, planes * outH * outW, argmax, argmaxOff);
        int inPlane = height * width;
        for (int i = 0; i < planes * outH * outW; i++) {
            int index = argmax[argmaxOff + i];
            if (index < 0 || index >= inPlane) {
                throw new IllegalArgumentException(op + ": argmax[" + i + "] = " + index + " is outside the "
                        + height + " x " + width + " input plane");
            }
        }
    }
}
