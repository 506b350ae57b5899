package dev.isthmus.kernels;

/**
 * The plain reference for {@link Pooling}: every window visited element by element with a bounds
 * test, sums in double.
 */
public final class ScalarPooling {
    private ScalarPooling() {}

    /** Same arguments, checks and results as {@link Pooling#maxPoolForward}. */
    public static void maxPoolForward(float[] x, int xOff, int n, int channels, int height, int width,
                                      int kernel, int stride, int padding, float[] y, int yOff,
                                      int[] argmax, int argmaxOff) {
        String op = "max pool forward";
        int outH = Pooling.checkGeometry(op, n, channels, height, width, kernel, stride, padding);
        int outW = Pooling.outputSize(op, "width", width, kernel, stride, padding);
        Pooling.checkForward(op, n * channels, height * width, outH * outW, x, xOff, y, yOff);
        Pooling.checkIndexes(op, n * channels * outH * outW, argmax, argmaxOff);
        for (int plane = 0; plane < n * channels; plane++) {
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < outW; ow++) {
                    int best = -1;
                    float max = 0;
                    for (int ki = 0; ki < kernel; ki++) {
                        for (int kj = 0; kj < kernel; kj++) {
                            int ih = oh * stride - padding + ki;
                            int iw = ow * stride - padding + kj;
                            if (ih < 0 || ih >= height || iw < 0 || iw >= width) {
                                continue;
                            }
                            float v = x[xOff + plane * height * width + ih * width + iw];
                            // the first maximum, or the first NaN, wins
                            boolean better = best < 0 || (!Float.isNaN(max) && (v > max || Float.isNaN(v)));
                            if (better) {
                                best = ih * width + iw;
                                max = v;
                            }
                        }
                    }
                    int out = plane * outH * outW + oh * outW + ow;
                    y[yOff + out] = max;
                    argmax[argmaxOff + out] = best;
                }
            }
        }
    }

    /** Same arguments, checks and results as {@link Pooling#maxPoolBackward}. */
    public static void maxPoolBackward(float[] dy, int dyOff, int[] argmax, int argmaxOff, int n, int channels,
                                       int height, int width, int kernel, int stride, int padding,
                                       float[] dx, int dxOff) {
        String op = "max pool backward";
        Pooling.checkMaxBackward(op, dy, dyOff, argmax, argmaxOff, n, channels, height, width, kernel, stride,
                padding, dx, dxOff);
        int outPlane = Pooling.outputSize(op, "height", height, kernel, stride, padding)
                * Pooling.outputSize(op, "width", width, kernel, stride, padding);
        double[] sums = new double[height * width];
        for (int plane = 0; plane < n * channels; plane++) {
            java.util.Arrays.fill(sums, 0);
            for (int i = 0; i < outPlane; i++) {
                sums[argmax[argmaxOff + plane * outPlane + i]] += dy[dyOff + plane * outPlane + i];
            }
            for (int i = 0; i < sums.length; i++) {
                dx[dxOff + plane * sums.length + i] = (float) sums[i];
            }
        }
    }

    /** Same arguments, checks and results as {@link Pooling#avgPoolForward}. */
    public static void avgPoolForward(float[] x, int xOff, int n, int channels, int height, int width,
                                      int kernel, int stride, int padding, float[] y, int yOff) {
        String op = "average pool forward";
        int outH = Pooling.checkGeometry(op, n, channels, height, width, kernel, stride, padding);
        int outW = Pooling.outputSize(op, "width", width, kernel, stride, padding);
        Pooling.checkForward(op, n * channels, height * width, outH * outW, x, xOff, y, yOff);
        for (int plane = 0; plane < n * channels; plane++) {
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < outW; ow++) {
                    double sum = 0;
                    int count = 0;
                    for (int ki = 0; ki < kernel; ki++) {
                        for (int kj = 0; kj < kernel; kj++) {
                            int ih = oh * stride - padding + ki;
                            int iw = ow * stride - padding + kj;
                            if (ih >= 0 && ih < height && iw >= 0 && iw < width) {
                                sum += x[xOff + plane * height * width + ih * width + iw];
                                count++;
                            }
                        }
                    }
                    y[yOff + plane * outH * outW + oh * outW + ow] = (float) (sum / count);
                }
            }
        }
    }

    /** Same arguments, checks and results as {@link Pooling#avgPoolBackward}. */
    public static void avgPoolBackward(float[] dy, int dyOff, int n, int channels, int height, int width,
                                       int kernel, int stride, int padding, float[] dx, int dxOff) {
        String op = "average pool backward";
        int outH = Pooling.checkGeometry(op, n, channels, height, width, kernel, stride, padding);
        int outW = Pooling.outputSize(op, "width", width, kernel, stride, padding);
        Pooling.checkBackward(op, n * channels, height * width, outH * outW, dy, dyOff, dx, dxOff);
        double[] sums = new double[height * width];
        for (int plane = 0; plane < n * channels; plane++) {
            java.util.Arrays.fill(sums, 0);
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < outW; ow++) {
                    int ihLo = Math.max(0, oh * stride - padding);
                    int ihHi = Math.min(height, oh * stride - padding + kernel);
                    int iwLo = Math.max(0, ow * stride - padding);
                    int iwHi = Math.min(width, ow * stride - padding + kernel);
                    double share = (double) dy[dyOff + plane * outH * outW + oh * outW + ow]
                            / ((ihHi - ihLo) * (iwHi - iwLo));
                    for (int ih = ihLo; ih < ihHi; ih++) {
                        for (int iw = iwLo; iw < iwHi; iw++) {
                            sums[ih * width + iw] += share;
                        }
                    }
                }
            }
            for (int i = 0; i < sums.length; i++) {
                dx[dxOff + plane * sums.length + i] = (float) sums[i];
            }
        }
    }
}
