package dev.isthmus.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batch normalization (Ioffe and Szegedy, 2015) on the Vector API, for data laid out as
 * {@code (n, channels, spatial)} row-major, where spatial is H*W of an NCHW tensor and 1 for the
 * {@code (n, channels)} output of a dense layer. Each channel is normalized over its
 * {@code M = n * spatial} values.
 *
 * <p>Per-channel arrays (gamma, beta, running and saved statistics, dgamma, dbeta) hold one float
 * per channel from index 0. The big output (y or dx) may be an input itself at the same offset (in
 * place) or a disjoint range; a per-channel output must overlap nothing else. NaN in a channel
 * makes that channel's statistics and outputs NaN.
 *
 * <p>Statistics take two passes: a sum of {@code x - x0} (x0 the channel's first value, which
 * keeps float sums small for data like 1e4 + noise), then the sums of {@code d = x - mean} and
 * {@code d * d}, whose first corrects the mean and the variance (the corrected two-pass algorithm
 * of Chan, Golub and LeVeque). When spatial is 1 the vectors run across channels instead.
 */
public final class BatchNorm {
    private static final VectorSpecies<Float> S = Species.FLOAT;
    private static final int L = S.length();

    private BatchNorm() {}

    /**
     * Normalizes with the batch's statistics and updates the running ones.
     *
     * <p>For each channel: mean and biased variance over its M values;
     * {@code y = (x - mean) / sqrt(var + eps) * gamma + beta};
     * {@code runningMean = (1 - momentum) * runningMean + momentum * mean} and
     * {@code runningVar = (1 - momentum) * runningVar + momentum * var * M / (M - 1)}, the unbiased
     * variance as PyTorch keeps it; {@code savedMean = mean} and
     * {@code savedInvStd = 1 / sqrt(var + eps)} for {@link #backward}.
     *
     * @throws IllegalArgumentException on bad sizes or arrays, {@code eps} not positive and finite,
     *                                  {@code momentum} outside [0, 1], or fewer than two values per
     *                                  channel ({@code n * spatial < 2}: no variance to estimate)
     */
    public static void forwardTraining(float[] x, int xOff, int n, int channels, int spatial,
                                       float[] gamma, float[] beta, float eps, float momentum,
                                       float[] runningMean, float[] runningVar,
                                       float[] y, int yOff, float[] savedMean, float[] savedInvStd) {
        checkTraining(x, xOff, n, channels, spatial, gamma, beta, eps, momentum, runningMean, runningVar,
                y, yOff, savedMean, savedInvStd);
        // the statistics come from the one implementation of them; the variance goes through savedInvStd
        Reductions.meanVariance(x, xOff, n, channels, spatial, savedMean, 0, savedInvStd, 0);
        double m = (double) n * spatial;
        for (int c = 0; c < channels; c++) {
            double mean = savedMean[c];
            double var = savedInvStd[c];
            savedInvStd[c] = (float) (1 / Math.sqrt(var + eps));
            runningMean[c] = (float) ((1 - (double) momentum) * runningMean[c] + momentum * mean);
            runningVar[c] = (float) ((1 - (double) momentum) * runningVar[c] + momentum * var * m / (m - 1));
        }
        normalize(x, xOff, n, channels, spatial, savedMean, savedInvStd, false, 0f, gamma, beta, y, yOff);
    }

    /**
     * Normalizes with the running statistics:
     * {@code y = (x - runningMean) / sqrt(runningVar + eps) * gamma + beta} per channel.
     */
    public static void forwardInference(float[] x, int xOff, int n, int channels, int spatial,
                                        float[] gamma, float[] beta, float eps,
                                        float[] runningMean, float[] runningVar, float[] y, int yOff) {
        checkInference(x, xOff, n, channels, spatial, gamma, beta, eps, runningMean, runningVar, y, yOff);
        normalize(x, xOff, n, channels, spatial, runningMean, runningVar, true, eps, gamma, beta, y, yOff);
    }

    /**
     * {@code y = (x - mean) * scale + beta} per channel, where {@code scale = gamma * spread} when
     * spread holds 1 / std (training), or {@code gamma / sqrt(spread + eps)} when it holds variances
     * (inference). With spatial == 1 the lanes run across channels.
     */
    private static void normalize(float[] x, int xOff, int n, int channels, int spatial, float[] mean,
                                  float[] spread, boolean spreadIsVariance, float eps, float[] gamma, float[] beta,
                                  float[] y, int yOff) {
        int c = spatial == 1 ? denseNormalizeBody(x, xOff, n, channels, mean, spread, spreadIsVariance, eps,
                gamma, beta, y, yOff) : 0;
        int stride = channels * spatial;
        for (; c < channels; c++) {
            float scale = spreadIsVariance
                    ? (float) (gamma[c] / Math.sqrt((double) spread[c] + eps))
                    : gamma[c] * spread[c];
            for (int img = 0; img < n; img++) {
                normalizeBody(x, xOff + img * stride + c * spatial, y, yOff + img * stride + c * spatial, spatial,
                        mean[c], scale, beta[c]);
            }
        }
    }

    /**
     * Gradients of {@link #forwardTraining} given the upstream gradient dy and the statistics it
     * saved. Overwrites dx, dgamma and dbeta:
     * {@code dbeta = sum(dy)}, {@code dgamma = sum(dy * xhat)} and
     * {@code dx = gamma * invStd / M * (M * dy - dbeta - xhat * dgamma)},
     * where {@code xhat = (x - savedMean) * savedInvStd}. dx may be dy or x (in place).
     */
    public static void backward(float[] x, int xOff, float[] dy, int dyOff, int n, int channels, int spatial,
                                float[] savedMean, float[] savedInvStd, float[] gamma,
                                float[] dx, int dxOff, float[] dgamma, float[] dbeta) {
        checkBackward(x, xOff, dy, dyOff, n, channels, spatial, savedMean, savedInvStd, gamma, dx, dxOff,
                dgamma, dbeta);
        int c = spatial == 1 && n > 0
                ? denseBackwardBody(x, xOff, dy, dyOff, n, channels, savedMean, savedInvStd, gamma, dx, dxOff,
                        dgamma, dbeta)
                : 0;
        for (; c < channels; c++) {
            channelBackward(x, xOff, dy, dyOff, n, channels, spatial, c, savedMean, savedInvStd, gamma,
                    dx, dxOff, dgamma, dbeta);
        }
    }

    /** {@code out[outOff + c]} = the sum of channel c's {@code n * spatial} values (a convolution's bias gradient). */
    static void sumPerChannel(float[] a, int aOff, int n, int channels, int spatial, float[] out, int outOff) {
        int stride = channels * spatial;
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int img = 0; img < n; img++) {
                sum += Reductions.sum(a, aOff + img * stride + c * spatial, spatial);
            }
            out[outOff + c] = (float) sum;
        }
    }

    /** {@code y[i] = (x[i] - mean) * scale + beta} for i in [0, len): one row of one channel. */
    private static void normalizeBody(float[] x, int xRow, float[] y, int yRow, int len,
                                      float mean, float scale, float beta) {
        FloatVector mv = FloatVector.broadcast(S, mean);
        FloatVector sv = FloatVector.broadcast(S, scale);
        FloatVector bv = FloatVector.broadcast(S, beta);
        int bound = S.loopBound(len);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, x, xRow + i).sub(mv).fma(sv, bv).intoArray(y, yRow + i);
        }
        // scalar tail
        for (; i < len; i++) {
            y[yRow + i] = Math.fma(x[xRow + i] - mean, scale, beta);
        }
    }

    private static void channelBackward(float[] x, int xOff, float[] dy, int dyOff, int n, int channels, int spatial,
                                        int c, float[] savedMean, float[] savedInvStd, float[] gamma,
                                        float[] dx, int dxOff, float[] dgamma, float[] dbeta) {
        int stride = channels * spatial;
        int m = n * spatial;
        int bound = S.loopBound(spatial);
        int bound2 = spatial - spatial % (2 * L);
        float mean = savedMean[c];
        float invStd = savedInvStd[c];

        // pass 1: sum(dy) and sum(dy * (x - mean))
        FloatVector mv = FloatVector.broadcast(S, mean);
        FloatVector g0 = FloatVector.zero(S);
        FloatVector g1 = FloatVector.zero(S);
        FloatVector h0 = FloatVector.zero(S);
        FloatVector h1 = FloatVector.zero(S);
        double tailG = 0;
        double tailH = 0;
        for (int img = 0; img < n; img++) {
            int xRow = xOff + img * stride + c * spatial;
            int dyRow = dyOff + img * stride + c * spatial;
            int i = 0;
            for (; i < bound2; i += 2 * L) {
                FloatVector e0 = FloatVector.fromArray(S, dy, dyRow + i);
                FloatVector e1 = FloatVector.fromArray(S, dy, dyRow + i + L);
                g0 = g0.add(e0);
                g1 = g1.add(e1);
                h0 = FloatVector.fromArray(S, x, xRow + i).sub(mv).fma(e0, h0);
                h1 = FloatVector.fromArray(S, x, xRow + i + L).sub(mv).fma(e1, h1);
            }
            for (; i < bound; i += L) {
                FloatVector e0 = FloatVector.fromArray(S, dy, dyRow + i);
                g0 = g0.add(e0);
                h0 = FloatVector.fromArray(S, x, xRow + i).sub(mv).fma(e0, h0);
            }
            // scalar tail
            for (; i < spatial; i++) {
                double e = dy[dyRow + i];
                tailG += e;
                tailH += e * (x[xRow + i] - mean);
            }
        }
        g0.add(g1).intoArray(Lanes.scratch(), 0);
        double sumDy = Lanes.sum() + tailG;
        h0.add(h1).intoArray(Lanes.scratch(), 0);
        double sumDyXhat = (Lanes.sum() + tailH) * invStd;
        dbeta[c] = (float) sumDy;
        dgamma[c] = (float) sumDyXhat;
        if (m == 0) {
            return;
        }

        // pass 2: dx = p * dy + q * (x - mean) + r
        double p = (double) gamma[c] * invStd;
        float pf = (float) p;
        float qf = (float) (-p * invStd * sumDyXhat / m);
        float rf = (float) (-p * sumDy / m);
        FloatVector pv = FloatVector.broadcast(S, pf);
        FloatVector qv = FloatVector.broadcast(S, qf);
        FloatVector rv = FloatVector.broadcast(S, rf);
        for (int img = 0; img < n; img++) {
            int xRow = xOff + img * stride + c * spatial;
            int dyRow = dyOff + img * stride + c * spatial;
            int dxRow = dxOff + img * stride + c * spatial;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector d = FloatVector.fromArray(S, x, xRow + i).sub(mv).fma(qv, rv);
                FloatVector.fromArray(S, dy, dyRow + i).fma(pv, d).intoArray(dx, dxRow + i);
            }
            // scalar tail
            for (; i < spatial; i++) {
                dx[dxRow + i] = Math.fma(dy[dyRow + i], pf, Math.fma(x[xRow + i] - mean, qf, rf));
            }
        }
    }

    // Dense bodies (spatial == 1): lanes are channels, rows are images. Each handles whole vectors
    // of channels and returns the first channel left for the per-channel code.

    private static int denseNormalizeBody(float[] x, int xOff, int n, int channels, float[] mean, float[] spread,
                                          boolean spreadIsVariance, float eps, float[] gamma, float[] beta,
                                          float[] y, int yOff) {
        int bound = S.loopBound(channels);
        for (int c = 0; c < bound; c += L) {
            FloatVector mv = FloatVector.fromArray(S, mean, c);
            FloatVector sv = FloatVector.fromArray(S, spread, c);
            FloatVector scale = spreadIsVariance
                    ? FloatVector.fromArray(S, gamma, c).div(sv.add(eps).sqrt())
                    : FloatVector.fromArray(S, gamma, c).mul(sv);
            FloatVector shiftOut = FloatVector.fromArray(S, beta, c);
            for (int img = 0; img < n; img++) {
                FloatVector.fromArray(S, x, xOff + img * channels + c).sub(mv).fma(scale, shiftOut)
                        .intoArray(y, yOff + img * channels + c);
            }
        }
        return bound;
    }

    private static int denseBackwardBody(float[] x, int xOff, float[] dy, int dyOff, int n, int channels,
                                         float[] savedMean, float[] savedInvStd, float[] gamma,
                                         float[] dx, int dxOff, float[] dgamma, float[] dbeta) {
        int bound = S.loopBound(channels);
        float count = n;
        for (int c = 0; c < bound; c += L) {
            FloatVector mean = FloatVector.fromArray(S, savedMean, c);
            FloatVector invStd = FloatVector.fromArray(S, savedInvStd, c);
            // pass 1: sum(dy) and sum(dy * (x - mean)), two accumulators each taking alternate rows
            FloatVector g0 = FloatVector.zero(S);
            FloatVector g1 = FloatVector.zero(S);
            FloatVector h0 = FloatVector.zero(S);
            FloatVector h1 = FloatVector.zero(S);
            int img = 0;
            for (; img + 1 < n; img += 2) {
                FloatVector e0 = FloatVector.fromArray(S, dy, dyOff + img * channels + c);
                FloatVector e1 = FloatVector.fromArray(S, dy, dyOff + (img + 1) * channels + c);
                g0 = g0.add(e0);
                g1 = g1.add(e1);
                h0 = FloatVector.fromArray(S, x, xOff + img * channels + c).sub(mean).fma(e0, h0);
                h1 = FloatVector.fromArray(S, x, xOff + (img + 1) * channels + c).sub(mean).fma(e1, h1);
            }
            if (img < n) {
                FloatVector e0 = FloatVector.fromArray(S, dy, dyOff + img * channels + c);
                g0 = g0.add(e0);
                h0 = FloatVector.fromArray(S, x, xOff + img * channels + c).sub(mean).fma(e0, h0);
            }
            FloatVector sumDy = g0.add(g1);
            FloatVector sumDyXhat = h0.add(h1).mul(invStd);
            sumDy.intoArray(dbeta, c);
            sumDyXhat.intoArray(dgamma, c);

            // pass 2: dx = p * dy + q * (x - mean) + r
            FloatVector p = FloatVector.fromArray(S, gamma, c).mul(invStd);
            FloatVector q = p.neg().mul(invStd).mul(sumDyXhat).div(count);
            FloatVector r = p.neg().mul(sumDy).div(count);
            for (img = 0; img < n; img++) {
                FloatVector d = FloatVector.fromArray(S, x, xOff + img * channels + c).sub(mean).fma(q, r);
                FloatVector.fromArray(S, dy, dyOff + img * channels + c).fma(p, d)
                        .intoArray(dx, dxOff + img * channels + c);
            }
        }
        return bound;
    }

    // Argument checks, shared with ScalarBatchNorm.

    static void checkTraining(float[] x, int xOff, int n, int channels, int spatial,
                              float[] gamma, float[] beta, float eps, float momentum,
                              float[] runningMean, float[] runningVar,
                              float[] y, int yOff, float[] savedMean, float[] savedInvStd) {
        String op = "batch norm training";
        int total = checkShape(op, n, channels, spatial);
        checkEps(op, eps);
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(op + ": momentum must be in [0, 1], got " + momentum);
        }
        if (channels > 0 && (long) n * spatial < 2) {
            throw new IllegalArgumentException(op + ": needs at least 2 values per channel to estimate a variance, got n="
                    + n + " x spatial=" + spatial);
        }
        Check.vector(op, "x", total, x, xOff);
        Check.vector(op, "y", total, y, yOff);
        Check.sameOrDisjoint(op, "y", y, yOff, "x", x, xOff, total);
        Check.vector(op, "gamma", channels, gamma, 0);
        Check.vector(op, "beta", channels, beta, 0);
        Check.vector(op, "runningMean", channels, runningMean, 0);
        Check.vector(op, "runningVar", channels, runningVar, 0);
        Check.vector(op, "savedMean", channels, savedMean, 0);
        Check.vector(op, "savedInvStd", channels, savedInvStd, 0);
        Check.disjoint(op, "y", y, yOff, total, "gamma", gamma, 0, channels);
        Check.disjoint(op, "y", y, yOff, total, "beta", beta, 0, channels);
        // every per-channel output is written while x, y and the other per-channel arrays are still read
        perChannelOutput(op, "runningMean", runningMean, channels, total, "x", x, xOff, "y", y, yOff,
                "gamma", gamma, "beta", beta);
        perChannelOutput(op, "runningVar", runningVar, channels, total, "x", x, xOff, "y", y, yOff,
                "gamma", gamma, "beta", beta);
        perChannelOutput(op, "savedMean", savedMean, channels, total, "x", x, xOff, "y", y, yOff,
                "gamma", gamma, "beta", beta);
        perChannelOutput(op, "savedInvStd", savedInvStd, channels, total, "x", x, xOff, "y", y, yOff,
                "gamma", gamma, "beta", beta);
        disjoint(op, "runningMean", runningMean, channels, "runningVar", runningVar, 0, channels);
        disjoint(op, "runningMean", runningMean, channels, "savedMean", savedMean, 0, channels);
        disjoint(op, "runningMean", runningMean, channels, "savedInvStd", savedInvStd, 0, channels);
        disjoint(op, "runningVar", runningVar, channels, "savedMean", savedMean, 0, channels);
        disjoint(op, "runningVar", runningVar, channels, "savedInvStd", savedInvStd, 0, channels);
        disjoint(op, "savedMean", savedMean, channels, "savedInvStd", savedInvStd, 0, channels);
    }

    static void checkInference(float[] x, int xOff, int n, int channels, int spatial,
                               float[] gamma, float[] beta, float eps,
                               float[] runningMean, float[] runningVar, float[] y, int yOff) {
        String op = "batch norm inference";
        int total = checkShape(op, n, channels, spatial);
        checkEps(op, eps);
        Check.vector(op, "x", total, x, xOff);
        Check.vector(op, "y", total, y, yOff);
        Check.sameOrDisjoint(op, "y", y, yOff, "x", x, xOff, total);
        Check.vector(op, "gamma", channels, gamma, 0);
        Check.vector(op, "beta", channels, beta, 0);
        Check.vector(op, "runningMean", channels, runningMean, 0);
        Check.vector(op, "runningVar", channels, runningVar, 0);
        // the dense body reads a block of per-channel values after writing earlier rows of y
        Check.disjoint(op, "y", y, yOff, total, "gamma", gamma, 0, channels);
        Check.disjoint(op, "y", y, yOff, total, "beta", beta, 0, channels);
        Check.disjoint(op, "y", y, yOff, total, "runningMean", runningMean, 0, channels);
        Check.disjoint(op, "y", y, yOff, total, "runningVar", runningVar, 0, channels);
    }

    static void checkBackward(float[] x, int xOff, float[] dy, int dyOff, int n, int channels, int spatial,
                              float[] savedMean, float[] savedInvStd, float[] gamma,
                              float[] dx, int dxOff, float[] dgamma, float[] dbeta) {
        String op = "batch norm backward";
        int total = checkShape(op, n, channels, spatial);
        Check.vector(op, "x", total, x, xOff);
        Check.vector(op, "dy", total, dy, dyOff);
        Check.vector(op, "dx", total, dx, dxOff);
        Check.sameOrDisjoint(op, "dx", dx, dxOff, "x", x, xOff, total);
        Check.sameOrDisjoint(op, "dx", dx, dxOff, "dy", dy, dyOff, total);
        Check.vector(op, "savedMean", channels, savedMean, 0);
        Check.vector(op, "savedInvStd", channels, savedInvStd, 0);
        Check.vector(op, "gamma", channels, gamma, 0);
        Check.vector(op, "dgamma", channels, dgamma, 0);
        Check.vector(op, "dbeta", channels, dbeta, 0);
        disjoint(op, "dgamma", dgamma, channels, "dbeta", dbeta, 0, channels);
        perChannelOutput(op, "dgamma", dgamma, channels, total, "x", x, xOff, "dy", dy, dyOff,
                "savedMean", savedMean, "savedInvStd", savedInvStd);
        perChannelOutput(op, "dbeta", dbeta, channels, total, "x", x, xOff, "dy", dy, dyOff,
                "savedMean", savedMean, "savedInvStd", savedInvStd);
        disjoint(op, "dgamma", dgamma, channels, "dx", dx, dxOff, total);
        disjoint(op, "dbeta", dbeta, channels, "dx", dx, dxOff, total);
        disjoint(op, "dgamma", dgamma, channels, "gamma", gamma, 0, channels);
        disjoint(op, "dbeta", dbeta, channels, "gamma", gamma, 0, channels);
        // dx is written while the per-channel inputs are still read
        Check.disjoint(op, "dx", dx, dxOff, total, "savedMean", savedMean, 0, channels);
        Check.disjoint(op, "dx", dx, dxOff, total, "savedInvStd", savedInvStd, 0, channels);
        Check.disjoint(op, "dx", dx, dxOff, total, "gamma", gamma, 0, channels);
    }

    /** Validates the sizes and returns {@code n * channels * spatial}. */
    private static int checkShape(String op, int n, int channels, int spatial) {
        Check.size(op, "n", n);
        Check.size(op, "channels", channels);
        Check.size(op, "spatial", spatial);
        // in double: three ints can overflow a long
        double total = (double) n * channels * spatial;
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": n x channels x spatial = " + n + " x " + channels + " x "
                    + spatial + " does not fit in an array");
        }
        return (int) total;
    }

    private static void checkEps(String op, float eps) {
        if (!(eps > 0) || eps == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(op + ": eps must be positive and finite, got " + eps);
        }
    }

    /** A per-channel output shares no element with the two big arrays nor with two per-channel inputs. */
    private static void perChannelOutput(String op, String name, float[] out, int channels, int total,
                                         String aName, float[] a, int aOff, String bName, float[] b, int bOff,
                                         String pName, float[] p, String qName, float[] q) {
        disjoint(op, name, out, channels, aName, a, aOff, total);
        disjoint(op, name, out, channels, bName, b, bOff, total);
        disjoint(op, name, out, channels, pName, p, 0, channels);
        disjoint(op, name, out, channels, qName, q, 0, channels);
    }

    /** A per-channel output (from index 0) shares no element with another range of the same array. */
    private static void disjoint(String op, String outName, float[] out, int outLen, String inName, float[] in,
                                 int inOff, int inLen) {
        Check.disjoint(op, outName, out, 0, outLen, inName, in, inOff, inLen);
    }

}
