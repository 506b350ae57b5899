package dev.isthmus.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The int8 counterparts of {@link ChannelsLast}'s im2col and max pooling, for quantized
 * convolutions: the same layouts and checks, on bytes. Results equal {@link ScalarInt8}'s. No
 * method allocates; outputs must not overlap inputs.
 */
public final class Int8ChannelsLast {
    private static final VectorSpecies<Byte> S = Species.BYTE;
    private static final int L = S.length();
    /** Runs shorter than this are copied in a loop: System.arraycopy's call costs more for a few bytes. */
    private static final int SHORT_RUN = 32;

    private Int8ChannelsLast() {}

    /**
     * The patch matrix of one channels-last int8 image, laid out as {@link ChannelsLast#im2col}'s,
     * with {@code pad} (the activations' zero point, the quantized 0.0) in the padding.
     *
     * @throws IllegalArgumentException on a null argument, an array too short for its matrix at its
     *                                  offset, or cols overlapping x
     */
    public static void im2col(ConvShape g, byte[] x, int xOff, byte[] cols, int colsOff, byte pad) {
        checkIm2col(g, x, xOff, cols, colsOff);
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
                int kwLo = ChannelsLast.firstInside(iw0, dilationW, kernelW);
                int kwHi = ChannelsLast.endInside(iw0, dilationW, width, kernelW);
                for (int kh = 0, dst = row; kh < kernelH; kh++, dst += tap) {
                    int ih = ih0 + kh * dilationH;
                    if (ih < 0 || ih >= height || kwLo >= kwHi) {
                        fill(cols, dst, tap, pad);
                        continue;
                    }
                    int src = xOff + (ih * width + iw0 + kwLo * dilationW) * channels;
                    fill(cols, dst, kwLo * channels, pad);
                    if (dilationW == 1) {
                        // one run; with one channel only kernelW bytes, so short runs skip arraycopy
                        copy(x, src, cols, dst + kwLo * channels, (kwHi - kwLo) * channels);
                    } else {
                        for (int kw = kwLo; kw < kwHi; kw++, src += dilationW * channels) {
                            copy(x, src, cols, dst + kw * channels, channels);
                        }
                    }
                    fill(cols, dst + kwHi * channels, tap - kwHi * channels, pad);
                }
            }
        }
    }

    private static void copy(byte[] x, int src, byte[] cols, int dst, int len) {
        if (len < SHORT_RUN) {
            for (int i = 0; i < len; i++) {
                cols[dst + i] = x[src + i];
            }
        } else {
            System.arraycopy(x, src, cols, dst, len);
        }
    }

    private static void fill(byte[] cols, int dst, int len, byte pad) {
        if (len < SHORT_RUN) {
            for (int i = 0; i < len; i++) {
                cols[dst + i] = pad;
            }
        } else {
            java.util.Arrays.fill(cols, dst, dst + len, pad);
        }
    }

    /**
     * Max pooling of n channels-last int8 images (signed compare), with {@link ChannelsLast#maxPool}'s
     * geometry: {@code size x size} windows moved by stride, no padding.
     *
     * @throws IllegalArgumentException as {@link ChannelsLast#maxPool}
     */
    public static void maxPool(byte[] x, int xOff, int n, int height, int width, int channels, int size, int stride,
                               byte[] y, int yOff) {
        checkPool(x, xOff, n, height, width, channels, size, stride, y, yOff);
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

    /** As ChannelsLast's maxRun on bytes: the window maxima of len consecutive outputs. */
    private static void maxRun(byte[] x, int src, int size, int pixelStep, int rowStep, byte[] y, int dst, int len) {
        if (len < L) {
            // scalar: fewer than a vector of outputs
            for (int j = 0; j < len; j++) {
                int max = x[src + j];
                for (int kh = 0; kh < size; kh++) {
                    for (int kw = 0, p = src + kh * rowStep + j; kw < size; kw++, p += pixelStep) {
                        max = Math.max(max, x[p]);
                    }
                }
                y[dst + j] = (byte) max;
            }
            return;
        }
        for (int j = 0; ; j += L) {
            // overlapping tail: the last vector ends at len and recomputes a few outputs
            j = Math.min(j, len - L);
            ByteVector max = ByteVector.fromArray(S, x, src + j);
            for (int kh = 0; kh < size; kh++) {
                for (int kw = kh == 0 ? 1 : 0, p = src + kh * rowStep + kw * pixelStep + j; kw < size;
                     kw++, p += pixelStep) {
                    max = max.max(ByteVector.fromArray(S, x, p));
                }
            }
            max.intoArray(y, dst + j);
            if (j == len - L) {
                return;
            }
        }
    }

    static void checkIm2col(ConvShape g, byte[] x, int xOff, byte[] cols, int colsOff) {
        String op = "int8 channels-last im2col";
        if (g == null) {
            throw new IllegalArgumentException(op + ": the shape g is null");
        }
        Check.vector(op, "x", g.inputSize(), x, xOff);
        Check.vector(op, "cols", g.columnsSize(), cols, colsOff);
        Check.disjoint(op, "cols", cols, colsOff, g.columnsSize(), "x", x, xOff, g.inputSize());
    }

    static void checkPool(byte[] x, int xOff, int n, int height, int width, int channels, int size, int stride,
                          byte[] y, int yOff) {
        String op = "int8 channels-last max pool";
        ChannelsLast.checkPoolGeometry(op, n, height, width, channels, size, stride);
        int inSize = n * height * width * channels;
        int outSize = n * ((height - size) / stride + 1) * ((width - size) / stride + 1) * channels;
        Check.vector(op, "x", inSize, x, xOff);
        Check.vector(op, "y", outSize, y, yOff);
        Check.disjoint(op, "y", y, yOff, outSize, "x", x, xOff, inSize);
    }
}
