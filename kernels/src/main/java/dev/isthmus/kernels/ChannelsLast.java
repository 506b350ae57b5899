package dev.isthmus.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels for images stored channels-last, {@code (height, width, channels)} row-major (NHWC for a
 * batch), where a convolution is one matrix product: {@link #im2col} gives the
 * {@code (outH * outW) x (kernelH * kernelW * channels)} patch matrix, {@link #weights} the
 * {@code (kernelH * kernelW * channels) x outChannels} weight matrix, and their product (with
 * {@link Gemm}) is the output, already channels-last {@code (outH, outW, outChannels)}.
 *
 * <p>Pooling vectorizes across channels, which are contiguous here, and with stride 1 across a
 * whole output row (each window tap then reads one contiguous run). {@link #toChannelsLast} and
 * {@link #toChannelsFirst} convert to and from the NCHW layout of the rest of the library.
 * Results equal {@link ScalarChannelsLast}'s bit for bit, signed zeros included (a NaN is a NaN:
 * its payload bits are not specified). No method allocates or starts threads; outputs must not
 * overlap inputs.
 */
public final class ChannelsLast {
    private static final VectorSpecies<Float> S = Species.FLOAT;
    private static final int L = S.length();
    /** Side of the square tiles a layout transpose moves, so both arrays are walked a cache line at a time. */
    private static final int TILE = 32;

    private ChannelsLast() {}

    /**
     * Writes the patch matrix of one channels-last image x: {@code outH * outW} rows (row
     * {@code oh * outW + ow}) of {@code kernelH * kernelW * channels} columns (column
     * {@code (kh * kernelW + kw) * channels + c}), holding x at row
     * {@code oh * strideH - padH + kh * dilationH}, column {@code ow * strideW - padW + kw * dilationW},
     * channel c, or zero in the padding ({@code g.outChannels()} plays no part). Each kernel row of
     * a patch is copied as one run when the width dilation is 1, else pixel by pixel; the cost per run
     * dominates when {@code kernelW * channels} is small (a one-channel input image).
     *
     * @throws IllegalArgumentException on a null argument, an array too short for its matrix at its
     *                                  offset, or cols overlapping x
     */
    public static void im2col(ConvShape g, float[] x, int xOff, float[] cols, int colsOff) {
        checkIm2col("channels-last im2col", g, x, xOff, cols, colsOff);
        int channels = g.channels(), height = g.height(), width = g.width();
        int kernelH = g.kernelH(), kernelW = g.kernelW();
        int strideH = g.strideH(), strideW = g.strideW(), dilationH = g.dilationH(), dilationW = g.dilationW();
        int outH = g.outHeight(), outW = g.outWidth();
        int tap = kernelW * channels;
        int row = colsOff;
        for (int oh = 0; oh < outH; oh++) {
            int ih0 = oh * strideH - g.padH();
            for (int ow = 0; ow < outW; ow++, row += kernelH * tap) {
                int iw0 = ow * strideW - g.padW();
                int kwLo = firstInside(iw0, dilationW, kernelW);
                int kwHi = endInside(iw0, dilationW, width, kernelW);
                for (int kh = 0, dst = row; kh < kernelH; kh++, dst += tap) {
                    int ih = ih0 + kh * dilationH;
                    if (ih < 0 || ih >= height || kwLo >= kwHi) {
                        java.util.Arrays.fill(cols, dst, dst + tap, 0f);
                        continue;
                    }
                    int src = xOff + (ih * width + iw0 + kwLo * dilationW) * channels;
                    java.util.Arrays.fill(cols, dst, dst + kwLo * channels, 0f);
                    if (dilationW == 1) {
                        // the taps of a kernel row are neighbouring pixels: one run in x and in cols
                        System.arraycopy(x, src, cols, dst + kwLo * channels, (kwHi - kwLo) * channels);
                    } else {
                        for (int kw = kwLo; kw < kwHi; kw++, src += dilationW * channels) {
                            System.arraycopy(x, src, cols, dst + kw * channels, channels);
                        }
                    }
                    java.util.Arrays.fill(cols, dst + kwHi * channels, dst + tap, 0f);
                }
            }
        }
    }

    /**
     * Rearranges convolution weights stored {@code (outChannels, channels, kernelH, kernelW)} (as
     * {@link Convolution} takes them) into the {@code (kernelH * kernelW * channels) x outChannels}
     * matrix that multiplies {@link #im2col}'s output:
     * {@code out[((kh * kernelW + kw) * channels + c) * outChannels + oc]}
     * {@code = w[((oc * channels + c) * kernelH + kh) * kernelW + kw]}. Meant to run once, when a model
     * is compiled.
     *
     * @throws IllegalArgumentException on a null argument, a short array or out overlapping w
     */
    public static void weights(ConvShape g, float[] w, int wOff, float[] out, int outOff) {
        checkWeights("channels-last weights", g, w, wOff, out, outOff);
        int outChannels = g.outChannels(), channels = g.channels(), taps = g.kernelH() * g.kernelW();
        // reads w in order; each write lands outChannels floats after the one of the previous tap
        int src = wOff;
        for (int oc = 0; oc < outChannels; oc++) {
            for (int c = 0; c < channels; c++) {
                for (int t = 0; t < taps; t++) {
                    out[outOff + (t * channels + c) * outChannels + oc] = w[src++];
                }
            }
        }
    }

    /**
     * Max pooling of n channels-last images over {@code size x size} windows moved by stride, no
     * padding: y is {@code (n, outH, outW, channels)} with {@code outH = (height - size) / stride + 1}
     * and likewise outW. Each output is the {@link Math#max(float, float)} of its window: NaN if the
     * window holds a NaN, and {@code 0.0} above {@code -0.0}. That maximum does not depend on the
     * order of the elements. (Which NaN comes out, when NaNs of different bits meet, is not specified:
     * Java does not define it for arithmetic either.)
     *
     * @throws IllegalArgumentException on a null array, a negative count, size or stride below 1, a
     *                                  window larger than the plane, a short array or y overlapping x
     */
    public static void maxPool(float[] x, int xOff, int n, int height, int width, int channels, int size, int stride,
                               float[] y, int yOff) {
        checkPool("channels-last max pool", x, xOff, n, height, width, channels, size, stride, y, yOff);
        int outH = (height - size) / stride + 1;
        int outW = (width - size) / stride + 1;
        int rowStep = width * channels;
        int dst = yOff;
        for (int img = 0; img < n; img++) {
            int image = xOff + img * height * rowStep;
            for (int oh = 0; oh < outH; oh++) {
                int row = image + oh * stride * rowStep;
                if (stride == 1) {
                    // output pixel ow reads input pixels ow + kw: a whole output row is one run per (kh, kw)
                    maxRun(x, row, size, channels, rowStep, y, dst, outW * channels);
                    dst += outW * channels;
                } else {
                    for (int ow = 0; ow < outW; ow++, dst += channels) {
                        maxRun(x, row + ow * stride * channels, size, channels, rowStep, y, dst, channels);
                    }
                }
            }
        }
    }

    /**
     * {@code y[dst + j] = max over kh, kw < size of x[src + kh * rowStep + kw * pixelStep + j]} for j
     * in [0, len): the window maxima of len consecutive outputs.
     */
    private static void maxRun(float[] x, int src, int size, int pixelStep, int rowStep, float[] y, int dst, int len) {
        if (len < L) {
            // scalar: fewer than a vector of outputs
            for (int j = 0; j < len; j++) {
                float max = x[src + j];
                for (int kh = 0; kh < size; kh++) {
                    for (int kw = 0, p = src + kh * rowStep + j; kw < size; kw++, p += pixelStep) {
                        max = Math.max(max, x[p]);
                    }
                }
                y[dst + j] = max;
            }
            return;
        }
        for (int j = 0; ; j += L) {
            // overlapping tail: the last vector ends at len and recomputes a few outputs to the same bits
            j = Math.min(j, len - L);
            FloatVector max = FloatVector.fromArray(S, x, src + j);
            for (int kh = 0; kh < size; kh++) {
                for (int kw = kh == 0 ? 1 : 0, p = src + kh * rowStep + kw * pixelStep + j; kw < size;
                     kw++, p += pixelStep) {
                    max = max.max(FloatVector.fromArray(S, x, p));
                }
            }
            max.intoArray(y, dst + j);
            if (j == len - L) {
                return;
            }
        }
    }

    /**
     * Average pooling with the geometry of {@link #maxPool}. Each output is computed in float, in
     * this order: {@code sum} starts as the window's top-left element, the others are added row by
     * row ({@code kh} outer, {@code kw} inner, both ascending), and the output is
     * {@code sum * (1f / (size * size))}.
     *
     * @throws IllegalArgumentException as {@link #maxPool}
     */
    public static void avgPool(float[] x, int xOff, int n, int height, int width, int channels, int size, int stride,
                               float[] y, int yOff) {
        checkPool("channels-last average pool", x, xOff, n, height, width, channels, size, stride, y, yOff);
        int outH = (height - size) / stride + 1;
        int outW = (width - size) / stride + 1;
        float scale = 1f / (size * size);
        int rowStep = width * channels;
        int dst = yOff;
        for (int img = 0; img < n; img++) {
            int image = xOff + img * height * rowStep;
            for (int oh = 0; oh < outH; oh++) {
                int row = image + oh * stride * rowStep;
                if (stride == 1) {
                    meanRun(x, row, size, channels, rowStep, scale, y, dst, outW * channels);
                    dst += outW * channels;
                } else {
                    for (int ow = 0; ow < outW; ow++, dst += channels) {
                        meanRun(x, row + ow * stride * channels, size, channels, rowStep, scale, y, dst, channels);
                    }
                }
            }
        }
    }

    /** As {@link #maxRun}, with avgPool's sum in its order times scale in place of the maximum. */
    private static void meanRun(float[] x, int src, int size, int pixelStep, int rowStep, float scale,
                                float[] y, int dst, int len) {
        if (len < L) {
            // scalar: fewer than a vector of outputs
            for (int j = 0; j < len; j++) {
                float sum = x[src + j];
                for (int kh = 0; kh < size; kh++) {
                    for (int kw = kh == 0 ? 1 : 0, p = src + kh * rowStep + kw * pixelStep + j; kw < size;
                         kw++, p += pixelStep) {
                        sum += x[p];
                    }
                }
                y[dst + j] = sum * scale;
            }
            return;
        }
        for (int j = 0; ; j += L) {
            // overlapping tail, as in maxRun
            j = Math.min(j, len - L);
            FloatVector sum = FloatVector.fromArray(S, x, src + j);
            for (int kh = 0; kh < size; kh++) {
                for (int kw = kh == 0 ? 1 : 0, p = src + kh * rowStep + kw * pixelStep + j; kw < size;
                     kw++, p += pixelStep) {
                    sum = sum.add(FloatVector.fromArray(S, x, p));
                }
            }
            sum.mul(scale).intoArray(y, dst + j);
            if (j == len - L) {
                return;
            }
        }
    }

    /**
     * Copies n images from NCHW x, {@code (n, channels, height, width)}, to NHWC y,
     * {@code (n, height, width, channels)}.
     *
     * @throws IllegalArgumentException on a null array, a negative size, a short array or y overlapping x
     */
    public static void toChannelsLast(float[] x, int xOff, int n, int channels, int height, int width,
                                      float[] y, int yOff) {
        int image = checkLayout("to channels-last", x, xOff, n, channels, height, width, y, yOff);
        for (int img = 0; img < n; img++) {
            transpose(x, xOff + img * image, channels, height * width, y, yOff + img * image);
        }
    }

    /**
     * Copies n images from NHWC x, {@code (n, height, width, channels)}, to NCHW y,
     * {@code (n, channels, height, width)}: the inverse of {@link #toChannelsLast}.
     *
     * @throws IllegalArgumentException as {@link #toChannelsLast}
     */
    public static void toChannelsFirst(float[] x, int xOff, int n, int channels, int height, int width,
                                       float[] y, int yOff) {
        int image = checkLayout("to channels-first", x, xOff, n, channels, height, width, y, yOff);
        for (int img = 0; img < n; img++) {
            transpose(x, xOff + img * image, height * width, channels, y, yOff + img * image);
        }
    }

    /** {@code b[j * rows + i] = a[i * cols + j]}: a row-major rows x cols matrix into its transpose, tile by tile. */
    private static void transpose(float[] a, int aOff, int rows, int cols, float[] b, int bOff) {
        if (rows == 1 || cols == 1) {
            System.arraycopy(a, aOff, b, bOff, rows * cols);
            return;
        }
        for (int i0 = 0; i0 < rows; i0 += TILE) {
            int i1 = Math.min(rows, i0 + TILE);
            for (int j0 = 0; j0 < cols; j0 += TILE) {
                int j1 = Math.min(cols, j0 + TILE);
                for (int j = j0; j < j1; j++) {
                    for (int i = i0, src = aOff + i0 * cols + j, dst = bOff + j * rows + i0; i < i1;
                         i++, src += cols, dst++) {
                        b[dst] = a[src];
                    }
                }
            }
        }
    }

    /** The first kernel column whose input column {@code iw0 + kw * dilation} is not left of the image. */
    static int firstInside(int iw0, int dilation, int kernel) {
        // in long: -iw0 + dilation can pass 2^31 with a valid shape
        return iw0 >= 0 ? 0 : (int) Math.min(kernel, (-(long) iw0 + dilation - 1) / dilation);
    }

    /** One past the last kernel column whose input column {@code iw0 + kw * dilation} is inside the image. */
    static int endInside(int iw0, int dilation, int width, int kernel) {
        int last = width - 1 - iw0;
        return last < 0 ? 0 : Math.min(kernel, last / dilation + 1);
    }

    // Argument checks, shared with ScalarChannelsLast.

    static void checkIm2col(String op, ConvShape g, float[] x, int xOff, float[] cols, int colsOff) {
        if (g == null) {
            throw new IllegalArgumentException(op + ": the shape g is null");
        }
        Check.vector(op, "x", g.inputSize(), x, xOff);
        Check.vector(op, "cols", g.columnsSize(), cols, colsOff);
        Check.disjoint(op, "cols", cols, colsOff, g.columnsSize(), "x", x, xOff, g.inputSize());
    }

    static void checkWeights(String op, ConvShape g, float[] w, int wOff, float[] out, int outOff) {
        if (g == null) {
            throw new IllegalArgumentException(op + ": the shape g is null");
        }
        Check.vector(op, "w", g.weightsSize(), w, wOff);
        Check.vector(op, "out", g.weightsSize(), out, outOff);
        Check.disjoint(op, "out", out, outOff, g.weightsSize(), "w", w, wOff, g.weightsSize());
    }

    static void checkPool(String op, float[] x, int xOff, int n, int height, int width, int channels, int size,
                          int stride, float[] y, int yOff) {
        checkPoolGeometry(op, n, height, width, channels, size, stride);
        int inSize = n * height * width * channels;
        int outSize = n * ((height - size) / stride + 1) * ((width - size) / stride + 1) * channels;
        Check.vector(op, "x", inSize, x, xOff);
        Check.vector(op, "y", outSize, y, yOff);
        Check.disjoint(op, "y", y, yOff, outSize, "x", x, xOff, inSize);
    }

    /** The checks of a pooling that do not depend on the element type; afterwards both sizes fit an int. */
    static void checkPoolGeometry(String op, int n, int height, int width, int channels, int size, int stride) {
        Check.size(op, "n", n);
        Check.size(op, "channels", channels);
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException(op + ": height " + height + " and width " + width + " must be >= 1");
        }
        if (size < 1) {
            throw new IllegalArgumentException(op + ": size must be >= 1, got " + size);
        }
        if (stride < 1) {
            throw new IllegalArgumentException(op + ": stride must be >= 1, got " + stride);
        }
        if (size > height || size > width) {
            throw new IllegalArgumentException(op + ": the " + size + " x " + size + " window (size " + size
                    + ") is larger than the " + height + " x " + width + " plane (height x width)");
        }
        // in double: four ints can overflow a long
        double pixels = (double) n * channels;
        if (pixels * height * width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": " + n + " images of " + height + " x " + width + " x "
                    + channels + " do not fit in an array");
        }
    }

    /** Validates a layout conversion and returns the floats in one image. */
    static int checkLayout(String op, float[] x, int xOff, int n, int channels, int height, int width,
                           float[] y, int yOff) {
        Check.size(op, "n", n);
        Check.size(op, "channels", channels);
        Check.size(op, "height", height);
        Check.size(op, "width", width);
        // in double: four ints can overflow a long
        if ((double) n * channels * height * width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": " + n + " images of " + channels + " x " + height + " x "
                    + width + " do not fit in an array");
        }
        int size = n * channels * height * width;
        Check.vector(op, "x", size, x, xOff);
        Check.vector(op, "y", size, y, yOff);
        Check.disjoint(op, "y", y, yOff, size, "x", x, xOff, size);
        return channels * height * width;
    }
}
