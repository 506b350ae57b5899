package dev.isthmus.kernels;

/**
 * The int8 counterparts of {@link ChannelsLast}'s im2col and max pooling, for quantized
 * convolutions: the same layouts and checks, on bytes. Results equal {@link ScalarInt8}'s. No
 * method allocates; outputs must not overlap inputs.
 */
public final class Int8ChannelsLast {
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
        ScalarInt8.im2col(g, x, xOff, cols, colsOff, pad);
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
        ScalarInt8.maxPool(x, xOff, n, height, width, channels, size, stride, y, yOff);
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
