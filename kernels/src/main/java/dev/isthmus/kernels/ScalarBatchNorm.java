package dev.isthmus.kernels;

/**
 * The plain reference for {@link BatchNorm}: one channel at a time, textbook two-pass statistics
 * and every sum in double.
 */
public final class ScalarBatchNorm {
    private ScalarBatchNorm() {}

    /** Same arguments, checks and results as {@link BatchNorm#forwardTraining}. */
    public static void forwardTraining(float[] x, int xOff, int n, int channels, int spatial,
                                       float[] gamma, float[] beta, float eps, float momentum,
                                       float[] runningMean, float[] runningVar,
                                       float[] y, int yOff, float[] savedMean, float[] savedInvStd) {
        BatchNorm.checkTraining(x, xOff, n, channels, spatial, gamma, beta, eps, momentum, runningMean, runningVar,
                y, yOff, savedMean, savedInvStd);
        int stride = channels * spatial;
        int m = n * spatial;
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int img = 0; img < n; img++) {
                for (int i = 0; i < spatial; i++) {
                    sum += x[xOff + img * stride + c * spatial + i];
                }
            }
            double mean = sum / m;
            double squares = 0;
            for (int img = 0; img < n; img++) {
                for (int i = 0; i < spatial; i++) {
                    double d = x[xOff + img * stride + c * spatial + i] - mean;
                    squares += d * d;
                }
            }
            double var = squares / m;
            savedMean[c] = (float) mean;
            savedInvStd[c] = (float) (1 / Math.sqrt(var + eps));
            runningMean[c] = (float) ((1 - (double) momentum) * runningMean[c] + momentum * mean);
            runningVar[c] = (float) ((1 - (double) momentum) * runningVar[c] + momentum * squares / (m - 1));
            // normalize with the saved float statistics, as backward will see them
            for (int img = 0; img < n; img++) {
                for (int i = 0; i < spatial; i++) {
                    int at = img * stride + c * spatial + i;
                    y[yOff + at] = (float) (((double) x[xOff + at] - savedMean[c]) * savedInvStd[c] * gamma[c] + beta[c]);
                }
            }
        }
    }

    /** Same arguments, checks and results as {@link BatchNorm#forwardInference}. */
    public static void forwardInference(float[] x, int xOff, int n, int channels, int spatial,
                                        float[] gamma, float[] beta, float eps,
                                        float[] runningMean, float[] runningVar, float[] y, int yOff) {
        BatchNorm.checkInference(x, xOff, n, channels, spatial, gamma, beta, eps, runningMean, runningVar, y, yOff);
        int stride = channels * spatial;
        for (int c = 0; c < channels; c++) {
            double std = Math.sqrt((double) runningVar[c] + eps);
            for (int img = 0; img < n; img++) {
                for (int i = 0; i < spatial; i++) {
                    int at = img * stride + c * spatial + i;
                    y[yOff + at] = (float) (((double) x[xOff + at] - runningMean[c]) / std * gamma[c] + beta[c]);
                }
            }
        }
    }

    /** Same arguments, checks and results as {@link BatchNorm#backward}. */
    public static void backward(float[] x, int xOff, float[] dy, int dyOff, int n, int channels, int spatial,
                                float[] savedMean, float[] savedInvStd, float[] gamma,
                                float[] dx, int dxOff, float[] dgamma, float[] dbeta) {
        BatchNorm.checkBackward(x, xOff, dy, dyOff, n, channels, spatial, savedMean, savedInvStd, gamma, dx, dxOff,
                dgamma, dbeta);
        int stride = channels * spatial;
        int m = n * spatial;
        for (int c = 0; c < channels; c++) {
            double mean = savedMean[c];
            double invStd = savedInvStd[c];
            double sumDy = 0;
            double sumDyXhat = 0;
            for (int img = 0; img < n; img++) {
                for (int i = 0; i < spatial; i++) {
                    int at = img * stride + c * spatial + i;
                    sumDy += dy[dyOff + at];
                    sumDyXhat += dy[dyOff + at] * ((x[xOff + at] - mean) * invStd);
                }
            }
            dbeta[c] = (float) sumDy;
            dgamma[c] = (float) sumDyXhat;
            for (int img = 0; img < n; img++) {
                for (int i = 0; i < spatial; i++) {
                    int at = img * stride + c * spatial + i;
                    double xhat = (x[xOff + at] - mean) * invStd;
                    dx[dxOff + at] = (float) (gamma[c] * invStd / m * (m * (double) dy[dyOff + at] - sumDy - xhat * sumDyXhat));
                }
            }
        }
    }
}
