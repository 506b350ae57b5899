package dev.isthmus.kernels;

/**
 * The plain reference for {@link Convolution}: the direct seven-loop convolution and its two
 * gradients, each output summed in double. The workspace is checked and then ignored.
 */
public final class ScalarConvolution {
    private ScalarConvolution() {}

    /** Same arguments, checks and results as {@link Convolution#forward}. */
    public static void forward(ConvShape shape, int n, float[] x, int xOff, float[] weights, int weightsOff,
                               float[] bias, int biasOff, float[] y, int yOff, float[] workspace) {
        Convolution.checkForward(shape, n, x, xOff, weights, weightsOff, bias, biasOff, y, yOff, workspace);
        int c = shape.channels(), h = shape.height(), w = shape.width();
        int kh = shape.kernelH(), kw = shape.kernelW(), outH = shape.outHeight(), outW = shape.outWidth();
        for (int img = 0; img < n; img++) {
            for (int o = 0; o < shape.outChannels(); o++) {
                for (int oh = 0; oh < outH; oh++) {
                    for (int ow = 0; ow < outW; ow++) {
                        double sum = bias == null ? 0 : bias[biasOff + o];
                        for (int ch = 0; ch < c; ch++) {
                            for (int ki = 0; ki < kh; ki++) {
                                int ih = oh * shape.strideH() - shape.padH() + ki * shape.dilationH();
                                for (int kj = 0; kj < kw; kj++) {
                                    int iw = ow * shape.strideW() - shape.padW() + kj * shape.dilationW();
                                    if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                        sum += (double) weights[weightsOff + ((o * c + ch) * kh + ki) * kw + kj]
                                                * x[xOff + ((img * c + ch) * h + ih) * w + iw];
                                    }
                                }
                            }
                        }
                        y[yOff + ((img * shape.outChannels() + o) * outH + oh) * outW + ow] = (float) sum;
                    }
                }
            }
        }
    }

    /** Same arguments, checks and results as {@link Convolution#backwardData}. */
    public static void backwardData(ConvShape shape, int n, float[] dy, int dyOff, float[] weights, int weightsOff,
                                    float[] dx, int dxOff, float[] workspace) {
        Convolution.checkBackwardData(shape, n, dy, dyOff, weights, weightsOff, dx, dxOff, workspace);
        int c = shape.channels(), h = shape.height(), w = shape.width();
        int kh = shape.kernelH(), kw = shape.kernelW(), outH = shape.outHeight(), outW = shape.outWidth();
        double[] sums = new double[shape.inputSize()];
        for (int img = 0; img < n; img++) {
            java.util.Arrays.fill(sums, 0);
            for (int o = 0; o < shape.outChannels(); o++) {
                for (int oh = 0; oh < outH; oh++) {
                    for (int ow = 0; ow < outW; ow++) {
                        double g = dy[dyOff + ((img * shape.outChannels() + o) * outH + oh) * outW + ow];
                        for (int ch = 0; ch < c; ch++) {
                            for (int ki = 0; ki < kh; ki++) {
                                int ih = oh * shape.strideH() - shape.padH() + ki * shape.dilationH();
                                for (int kj = 0; kj < kw; kj++) {
                                    int iw = ow * shape.strideW() - shape.padW() + kj * shape.dilationW();
                                    if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                        sums[(ch * h + ih) * w + iw] +=
                                                g * weights[weightsOff + ((o * c + ch) * kh + ki) * kw + kj];
                                    }
                                }
                            }
                        }
                    }
                }
            }
            for (int i = 0; i < sums.length; i++) {
                dx[dxOff + img * shape.inputSize() + i] = (float) sums[i];
            }
        }
    }

    /** Same arguments, checks and results as {@link Convolution#backwardWeights}. */
    public static void backwardWeights(ConvShape shape, int n, float[] x, int xOff, float[] dy, int dyOff,
                                       float[] dweights, int dweightsOff, float[] dbias, int dbiasOff,
                                       float[] workspace) {
        Convolution.checkBackwardWeights(shape, n, x, xOff, dy, dyOff, dweights, dweightsOff, dbias, dbiasOff,
                workspace);
        int c = shape.channels(), h = shape.height(), w = shape.width();
        int kh = shape.kernelH(), kw = shape.kernelW(), outH = shape.outHeight(), outW = shape.outWidth();
        for (int o = 0; o < shape.outChannels(); o++) {
            for (int ch = 0; ch < c; ch++) {
                for (int ki = 0; ki < kh; ki++) {
                    for (int kj = 0; kj < kw; kj++) {
                        double sum = 0;
                        for (int img = 0; img < n; img++) {
                            for (int oh = 0; oh < outH; oh++) {
                                int ih = oh * shape.strideH() - shape.padH() + ki * shape.dilationH();
                                for (int ow = 0; ow < outW; ow++) {
                                    int iw = ow * shape.strideW() - shape.padW() + kj * shape.dilationW();
                                    if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                        sum += (double) dy[dyOff + ((img * shape.outChannels() + o) * outH + oh) * outW + ow]
                                                * x[xOff + ((img * c + ch) * h + ih) * w + iw];
                                    }
                                }
                            }
                        }
                        dweights[dweightsOff + ((o * c + ch) * kh + ki) * kw + kj] = (float) sum;
                    }
                }
            }
            if (dbias != null) {
                double sum = 0;
                for (int img = 0; img < n; img++) {
                    for (int p = 0; p < outH * outW; p++) {
                        sum += dy[dyOff + (img * shape.outChannels() + o) * outH * outW + p];
                    }
                }
                dbias[dbiasOff + o] = (float) sum;
            }
        }
    }
}
