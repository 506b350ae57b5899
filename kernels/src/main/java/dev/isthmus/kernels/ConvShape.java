package dev.isthmus.kernels;

/**
 * The geometry of a 2-D convolution over {@code (channels, height, width)} images with
 * {@code outChannels} filters of {@code kernelH x kernelW}: strides, zero padding on both sides
 * and dilation per dimension. The constructor rejects a geometry whose output would be empty or
 * whose arrays would not fit in an int index, naming the values.
 */
public record ConvShape(int channels, int height, int width, int outChannels, int kernelH, int kernelW,
                        int strideH, int strideW, int padH, int padW, int dilationH, int dilationW) {
    private static final String OP = "convolution shape";

    public ConvShape {
        if (channels < 1 || outChannels < 1) {
            throw new IllegalArgumentException(OP + ": channels " + channels + " and outChannels " + outChannels
                    + " must be positive");
        }
        int outH = Im2col.outputSize(OP, "height", height, kernelH, padH, strideH, dilationH);
        int outW = Im2col.outputSize(OP, "width", width, kernelW, padW, strideW, dilationW);
        // in double: products of several ints can overflow a long
        if ((double) channels * height * width > Integer.MAX_VALUE) {
            throw tooLarge("an input image", channels + " x " + height + " x " + width);
        }
        if ((double) outChannels * outH * outW > Integer.MAX_VALUE) {
            throw tooLarge("an output image", outChannels + " x " + outH + " x " + outW);
        }
        if ((double) outChannels * channels * kernelH * kernelW > Integer.MAX_VALUE) {
            throw tooLarge("the weights", outChannels + " x " + channels + " x " + kernelH + " x " + kernelW);
        }
        if ((double) channels * kernelH * kernelW * outH * outW > Integer.MAX_VALUE) {
            throw tooLarge("the im2col matrix", "(" + channels + " x " + kernelH + " x " + kernelW + ") x ("
                    + outH + " x " + outW + ")");
        }
    }

    private static IllegalArgumentException tooLarge(String what, String dims) {
        return new IllegalArgumentException(OP + ": " + what + " of " + dims + " floats does not fit in an array");
    }

    /** {@code (height + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH + 1}. */
    public int outHeight() {
        return (height + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH + 1;
    }

    /** {@code (width + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW + 1}. */
    public int outWidth() {
        return (width + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW + 1;
    }

    /** Weights per filter, {@code channels * kernelH * kernelW}: the rows of the im2col matrix. */
    public int kernelSize() {
        return channels * kernelH * kernelW;
    }

    /** Floats in one input image, {@code channels * height * width}. */
    public int inputSize() {
        return channels * height * width;
    }

    /** Floats in one output image, {@code outChannels * outHeight() * outWidth()}. */
    public int outputSize() {
        return outChannels * outHeight() * outWidth();
    }

    /** Floats in the weights, {@code outChannels x kernelSize()} row-major. */
    public int weightsSize() {
        return outChannels * kernelSize();
    }

    /** Floats in the im2col matrix of one image, the workspace {@link Convolution} needs. */
    public int columnsSize() {
        return kernelSize() * outHeight() * outWidth();
    }

    /** A 1x1 kernel with unit stride, no padding: the image is its own im2col matrix and needs no workspace. */
    public boolean pointwise() {
        return kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0;
    }
}
