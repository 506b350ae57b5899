package dev.isthmus.kernels;

/**
 * The plain reference for {@link ChannelsLast}: every output element computed on its own by the
 * formula in that class's javadoc, with a bounds test for the padding.
 */
public final class ScalarChannelsLast {
    private ScalarChannelsLast() {}

    /** Same arguments, checks and results as {@link ChannelsLast#im2col}. */
    public static void im2col(ConvShape g, float[] x, int xOff, float[] cols, int colsOff) {
        ChannelsLast.checkIm2col("channels-last im2col", g, x, xOff, cols, colsOff);
        int channels = g.channels(), height = g.height(), width = g.width();
        int kernelH = g.kernelH(), kernelW = g.kernelW(), outW = g.outWidth();
        int columns = kernelH * kernelW * channels;
        for (int oh = 0; oh < g.outHeight(); oh++) {
            for (int ow = 0; ow < outW; ow++) {
                for (int kh = 0; kh < kernelH; kh++) {
                    for (int kw = 0; kw < kernelW; kw++) {
                        int ih = oh * g.strideH() - g.padH() + kh * g.dilationH();
                        int iw = ow * g.strideW() - g.padW() + kw * g.dilationW();
                        boolean inside = ih >= 0 && ih < height && iw >= 0 && iw < width;
                        for (int c = 0; c < channels; c++) {
                            cols[colsOff + (oh * outW + ow) * columns + (kh * kernelW + kw) * channels + c] =
                                    inside ? x[xOff + (ih * width + iw) * channels + c] : 0f;
                        }
                    }
                }
            }
        }
    }

    /** Same arguments, checks and results as {@link ChannelsLast#weights}. */
    public static void weights(ConvShape g, float[] w, int wOff, float[] out, int outOff) {
        ChannelsLast.checkWeights("channels-last weights", g, w, wOff, out, outOff);
        int outChannels = g.outChannels(), channels = g.channels(), kernelH = g.kernelH(), kernelW = g.kernelW();
        for (int kh = 0; kh < kernelH; kh++) {
            for (int kw = 0; kw < kernelW; kw++) {
                for (int c = 0; c < channels; c++) {
                    for (int oc = 0; oc < outChannels; oc++) {
                        out[outOff + ((kh * kernelW + kw) * channels + c) * outChannels + oc] =
                                w[wOff + ((oc * channels + c) * kernelH + kh) * kernelW + kw];
                    }
                }
            }
        }
    }

    /** Same arguments, checks and results as {@link ChannelsLast#maxPool}. */
    public static void maxPool(float[] x, int xOff, int n, int height, int width, int channels, int size, int stride,
                               float[] y, int yOff) {
        ChannelsLast.checkPool("channels-last max pool", x, xOff, n, height, width, channels, size, stride, y, yOff);
        int outH = (height - size) / stride + 1;
        int outW = (width - size) / stride + 1;
        for (int img = 0; img < n; img++) {
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < outW; ow++) {
                    for (int c = 0; c < channels; c++) {
                        float max = x[xOff + index(img, oh * stride, ow * stride, c, height, width, channels)];
                        for (int kh = 0; kh < size; kh++) {
                            for (int kw = 0; kw < size; kw++) {
                                max = Math.max(max, x[xOff + index(img, oh * stride + kh, ow * stride + kw, c,
                                        height, width, channels)]);
                            }
                        }
                        y[yOff + index(img, oh, ow, c, outH, outW, channels)] = max;
                    }
                }
            }
        }
    }

    /** Same arguments, checks and results as {@link ChannelsLast#avgPool}. */
    public static void avgPool(float[] x, int xOff, int n, int height, int width, int channels, int size, int stride,
                               float[] y, int yOff) {
        ChannelsLast.checkPool("channels-last average pool", x, xOff, n, height, width, channels, size, stride,
                y, yOff);
        int outH = (height - size) / stride + 1;
        int outW = (width - size) / stride + 1;
        for (int img = 0; img < n; img++) {
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < outW; ow++) {
                    for (int c = 0; c < channels; c++) {
                        float sum = x[xOff + index(img, oh * stride, ow * stride, c, height, width, channels)];
                        for (int kh = 0; kh < size; kh++) {
                            for (int kw = kh == 0 ? 1 : 0; kw < size; kw++) {
                                sum += x[xOff + index(img, oh * stride + kh, ow * stride + kw, c,
                                        height, width, channels)];
                            }
                        }
                        y[yOff + index(img, oh, ow, c, outH, outW, channels)] = sum * (1f / (size * size));
                    }
                }
            }
        }
    }

    /** Same arguments, checks and results as {@link ChannelsLast#toChannelsLast}. */
    public static void toChannelsLast(float[] x, int xOff, int n, int channels, int height, int width,
                                      float[] y, int yOff) {
        ChannelsLast.checkLayout("to channels-last", x, xOff, n, channels, height, width, y, yOff);
        for (int img = 0; img < n; img++) {
            for (int c = 0; c < channels; c++) {
                for (int h = 0; h < height; h++) {
                    for (int w = 0; w < width; w++) {
                        y[yOff + index(img, h, w, c, height, width, channels)] =
                                x[xOff + ((img * channels + c) * height + h) * width + w];
                    }
                }
            }
        }
    }

    /** Same arguments, checks and results as {@link ChannelsLast#toChannelsFirst}. */
    public static void toChannelsFirst(float[] x, int xOff, int n, int channels, int height, int width,
                                       float[] y, int yOff) {
        ChannelsLast.checkLayout("to channels-first", x, xOff, n, channels, height, width, y, yOff);
        for (int img = 0; img < n; img++) {
            for (int c = 0; c < channels; c++) {
                for (int h = 0; h < height; h++) {
                    for (int w = 0; w < width; w++) {
                        y[yOff + ((img * channels + c) * height + h) * width + w] =
                                x[xOff + index(img, h, w, c, height, width, channels)];
                    }
                }
            }
        }
    }

    /** The NHWC index of (img, h, w, c). */
    private static int index(int img, int h, int w, int c, int height, int width, int channels) {
        return ((img * height + h) * width + w) * channels + c;
    }
}
