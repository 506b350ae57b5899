package dev.isthmus.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The im2col lowering of a convolution to a matrix product, and its adjoint col2im, for one
 * {@code (channels, height, width)} image stored row-major.
 *
 * <p>The columns matrix has {@code channels * kernelH * kernelW} rows, one per (channel, kernel
 * row, kernel column), and {@code outH * outW} columns, one per output pixel, where
 * {@code outH = (height + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH + 1} and likewise
 * outW. Positions in the padding read as zero. With unit stride a row of the output is a plain
 * copy ({@link System#arraycopy}) and col2im adds whole vectors; other strides go element by
 * element.
 */
public final class Im2col {
    private static final VectorSpecies<Float> S = Species.FLOAT;
    private static final int L = S.length();

    private Im2col() {}

    /** Fills {@code cols} with the {@code (channels * kernelH * kernelW) x (outH * outW)} patch matrix of x. */
    public static void im2col(float[] x, int xOff, int channels, int height, int width, int kernelH, int kernelW,
                              int padH, int padW, int strideH, int strideW, int dilationH, int dilationW,
                              float[] cols, int colsOff) {
        String op = "im2col";
        int outH = outputSize(op, "height", height, kernelH, padH, strideH, dilationH);
        int outW = outputSize(op, "width", width, kernelW, padW, strideW, dilationW);
        int imageSize = imageSize(op, channels, height, width);
        int colsSize = columnsSize(op, channels, kernelH, kernelW, outH, outW);
        Check.vector(op, "x", imageSize, x, xOff);
        Check.vector(op, "cols", colsSize, cols, colsOff);
        Check.disjoint(op, "cols", cols, colsOff, colsSize, "x", x, xOff, imageSize);

        int pixels = outH * outW;
        for (int c = 0; c < channels; c++) {
            for (int ki = 0; ki < kernelH; ki++) {
                for (int kj = 0; kj < kernelW; kj++) {
                    int row = colsOff + ((c * kernelH + ki) * kernelW + kj) * pixels;
                    int shiftW = kj * dilationW - padW;
                    int owLo = firstInside(shiftW, strideW, outW);
                    int owHi = lastInside(shiftW, strideW, width, outW);
                    for (int oh = 0; oh < outH; oh++) {
                        int ih = oh * strideH - padH + ki * dilationH;
                        int dst = row + oh * outW;
                        if (ih < 0 || ih >= height || owLo >= owHi) {
                            java.util.Arrays.fill(cols, dst, dst + outW, 0f);
                            continue;
                        }
                        int src = xOff + (c * height + ih) * width + shiftW;
                        java.util.Arrays.fill(cols, dst, dst + owLo, 0f);
                        if (strideW == 1) {
                            System.arraycopy(x, src + owLo, cols, dst + owLo, owHi - owLo);
                        } else {
                            for (int ow = owLo; ow < owHi; ow++) {
                                cols[dst + ow] = x[src + ow * strideW];
                            }
                        }
                        java.util.Arrays.fill(cols, dst + owHi, dst + outW, 0f);
                    }
                }
            }
        }
    }

    /**
     * Overwrites the image x with the adjoint of {@link #im2col}: each element of x becomes the sum
     * of the entries of {@code cols} that im2col would have copied from it (zero if none).
     */
    public static void col2im(float[] cols, int colsOff, int channels, int height, int width, int kernelH, int kernelW,
                              int padH, int padW, int strideH, int strideW, int dilationH, int dilationW,
                              float[] x, int xOff) {
        String op = "col2im";
        int outH = outputSize(op, "height", height, kernelH, padH, strideH, dilationH);
        int outW = outputSize(op, "width", width, kernelW, padW, strideW, dilationW);
        int imageSize = imageSize(op, channels, height, width);
        int colsSize = columnsSize(op, channels, kernelH, kernelW, outH, outW);
        Check.vector(op, "cols", colsSize, cols, colsOff);
        Check.vector(op, "x", imageSize, x, xOff);
        Check.disjoint(op, "x", x, xOff, imageSize, "cols", cols, colsOff, colsSize);

        java.util.Arrays.fill(x, xOff, xOff + imageSize, 0f);
        int pixels = outH * outW;
        for (int c = 0; c < channels; c++) {
            for (int ki = 0; ki < kernelH; ki++) {
                for (int kj = 0; kj < kernelW; kj++) {
                    int row = colsOff + ((c * kernelH + ki) * kernelW + kj) * pixels;
                    int shiftW = kj * dilationW - padW;
                    int owLo = firstInside(shiftW, strideW, outW);
                    int owHi = lastInside(shiftW, strideW, width, outW);
                    for (int oh = 0; oh < outH; oh++) {
                        int ih = oh * strideH - padH + ki * dilationH;
                        if (ih < 0 || ih >= height || owLo >= owHi) {
                            continue;
                        }
                        int src = row + oh * outW;
                        int dst = xOff + (c * height + ih) * width + shiftW;
                        if (strideW == 1) {
                            addBody(cols, src + owLo, x, dst + owLo, owHi - owLo);
                        } else {
                            for (int ow = owLo; ow < owHi; ow++) {
                                x[dst + ow * strideW] += cols[src + ow];
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code dst[dstOff + i] += src[srcOff + i]} for i in [0, len). */
    private static void addBody(float[] src, int srcOff, float[] dst, int dstOff, int len) {
        int bound = S.loopBound(len);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, dst, dstOff + i).add(FloatVector.fromArray(S, src, srcOff + i))
                    .intoArray(dst, dstOff + i);
        }
        // scalar tail
        for (; i < len; i++) {
            dst[dstOff + i] += src[srcOff + i];
        }
    }

    /** The first output column whose input column {@code ow * stride + shift} is not left of the image. */
    private static int firstInside(int shift, int stride, int outW) {
        // in long: padding plus stride can pass 2^31 with every dimension valid
        return shift >= 0 ? 0 : (int) Math.min(outW, (-(long) shift + stride - 1) / stride);
    }

    /** One past the last output column whose input column {@code ow * stride + shift} is inside the image. */
    private static int lastInside(int shift, int stride, int width, int outW) {
        int last = width - 1 - shift;
        return last < 0 ? 0 : Math.min(outW, last / stride + 1);
    }

    /**
     * The output size of a convolution or pooling window along one dimension:
     * {@code (size + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1}.
     *
     * @throws IllegalArgumentException naming the values when size, kernel, stride or dilation is
     *                                  not positive, pad is negative, or the window does not fit
     */
    static int outputSize(String op, String dimension, int size, int kernel, int pad, int stride, int dilation) {
        if (size < 1 || kernel < 1 || stride < 1 || dilation < 1 || pad < 0) {
            throw new IllegalArgumentException(op + ": " + dimension + " " + size + ", kernel " + kernel + ", stride "
                    + stride + ", dilation " + dilation + " must be positive and padding " + pad + " must be >= 0");
        }
        long span = (long) dilation * (kernel - 1) + 1;
        long room = size + 2L * pad - span;
        if (room < 0) {
            throw new IllegalArgumentException(op + ": the " + dimension + " window spans " + span
                    + " (kernel " + kernel + ", dilation " + dilation + ") but the padded " + dimension + " is only "
                    + (size + 2L * pad) + " (" + dimension + " " + size + ", padding " + pad
                    + "): the output would be empty");
        }
        if (size + 2L * pad > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": padded " + dimension + " " + (size + 2L * pad)
                    + " (" + dimension + " " + size + ", padding " + pad + ") does not fit in an int");
        }
        return (int) (room / stride + 1);
    }

    static int imageSize(String op, int channels, int height, int width) {
        Check.size(op, "channels", channels);
        // in double: three ints can overflow a long
        double size = (double) channels * height * width;
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": image " + channels + " x " + height + " x " + width
                    + " does not fit in an array");
        }
        return (int) size;
    }

    static int columnsSize(String op, int channels, int kernelH, int kernelW, int outH, int outW) {
        double size = (double) channels * kernelH * kernelW * outH * outW;
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": columns (" + channels + " x " + kernelH + " x " + kernelW
                    + ") x (" + outH + " x " + outW + ") do not fit in an array");
        }
        return (int) size;
    }
}
