package dev.isthmus.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BatchNormTest {
    /** Float unit roundoff. */
    static final double U = 0x1p-24;
    static final float EPS = 1e-5f;
    static final float MOMENTUM = 0.1f;

    /** n and channels from the awkward small sizes, spatial up to 28 x 28. */
    static Stream<Arguments> shapes() {
        int[] small = {1, 2, 3, 7, 13, 17};
        int[] spatial = {1, 2, 3, 7, 13, 17, 49, 169, 784};
        List<Arguments> out = new ArrayList<>();
        for (int n : small) {
            for (int c : small) {
                for (int s : spatial) {
                    out.add(Arguments.of(n, c, s));
                }
            }
        }
        return out.stream();
    }

    /** The (n, channels) case of a dense layer, where the vectors run across channels. */
    static Stream<Arguments> denseShapes() {
        List<Arguments> out = new ArrayList<>();
        for (int c : new int[] {0, 1, 3, 13, 17, 31, 207, 1021, 4098}) {
            for (int n : new int[] {2, 3, 64}) {
                out.add(Arguments.of(n, c, 1));
            }
        }
        return out.stream();
    }

    /** One batch with its per-channel arrays, x at offset 3 and y at offset 5 of padded arrays. */
    static final class Batch {
        final int n, channels, spatial, total;
        final float[] x, y, dy, dx, gamma, beta, runningMean, runningVar, savedMean, savedInvStd, dgamma, dbeta;

        Batch(int n, int channels, int spatial, long seed) {
            this.n = n;
            this.channels = channels;
            this.spatial = spatial;
            total = n * channels * spatial;
            SplittableRandom r = new SplittableRandom(seed);
            // channels differ in location and spread, from near zero to 1e4 + noise
            double[] centers = {0, -3, 0.5, 100, 1e4, -2e3};
            double[] spreads = {1, 1e-2, 3, 50, 1, 0.25};
            x = new float[3 + total + 4];
            for (int i = 0; i < x.length; i++) {
                int c = i < 3 ? 0 : ((i - 3) / spatial) % Math.max(1, channels);
                x[i] = r.nextInt(20) == 0 ? 0f
                        : (float) (centers[c % centers.length] + spreads[c % spreads.length] * r.nextGaussian());
            }
            dy = new float[2 + total];
            for (int i = 0; i < dy.length; i++) {
                dy[i] = (float) r.nextDouble(-1, 1);
            }
            y = filled(5 + total + 2, 42f);
            dx = filled(total + 1, 42f);
            gamma = new float[channels];
            beta = new float[channels];
            runningMean = new float[channels];
            runningVar = new float[channels];
            for (int c = 0; c < channels; c++) {
                gamma[c] = (float) r.nextDouble(-2, 2);
                beta[c] = (float) r.nextDouble(-1, 1);
                runningMean[c] = (float) r.nextDouble(-1, 1);
                runningVar[c] = (float) r.nextDouble(0.5, 2);
            }
            savedMean = new float[channels];
            savedInvStd = new float[channels];
            dgamma = new float[channels];
            dbeta = new float[channels];
        }

        Batch copy() {
            return new Batch(this);
        }

        private Batch(Batch from) {
            n = from.n;
            channels = from.channels;
            spatial = from.spatial;
            total = from.total;
            x = from.x.clone();
            y = from.y.clone();
            dy = from.dy.clone();
            dx = from.dx.clone();
            gamma = from.gamma.clone();
            beta = from.beta.clone();
            runningMean = from.runningMean.clone();
            runningVar = from.runningVar.clone();
            savedMean = from.savedMean.clone();
            savedInvStd = from.savedInvStd.clone();
            dgamma = from.dgamma.clone();
            dbeta = from.dbeta.clone();
        }

        void training(boolean vector) {
            if (vector) {
                BatchNorm.forwardTraining(x, 3, n, channels, spatial, gamma, beta, EPS, MOMENTUM, runningMean,
                        runningVar, y, 5, savedMean, savedInvStd);
            } else {
                ScalarBatchNorm.forwardTraining(x, 3, n, channels, spatial, gamma, beta, EPS, MOMENTUM, runningMean,
                        runningVar, y, 5, savedMean, savedInvStd);
            }
        }

        void inference(boolean vector) {
            if (vector) {
                BatchNorm.forwardInference(x, 3, n, channels, spatial, gamma, beta, EPS, runningMean, runningVar, y, 5);
            } else {
                ScalarBatchNorm.forwardInference(x, 3, n, channels, spatial, gamma, beta, EPS, runningMean, runningVar,
                        y, 5);
            }
        }

        void backward(boolean vector) {
            if (vector) {
                BatchNorm.backward(x, 3, dy, 2, n, channels, spatial, savedMean, savedInvStd, gamma, dx, 0,
                        dgamma, dbeta);
            } else {
                ScalarBatchNorm.backward(x, 3, dy, 2, n, channels, spatial, savedMean, savedInvStd, gamma, dx, 0,
                        dgamma, dbeta);
            }
        }

        int channelOf(int at) {
            return (at / spatial) % channels;
        }
    }

    static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    /**
     * Error of a float sum of M terms split over a few vector accumulators, relative to the sum of
     * the terms' magnitudes: rounding errors add up like a random walk, so about sqrt(M) unit
     * roundoffs; the factor 4 and the +4 for the final reduction leave a margin without hiding a
     * missing or doubled term, which moves a sum by about 1/M of it.
     */
    static double sumError(int m) {
        return 4 * U * (Math.sqrt(m) + 4);
    }

    static void assertNear(double expected, double actual, double tolerance, String where) {
        if (Double.isNaN(expected)) {
            assertTrue(Double.isNaN(actual), where + ": expected NaN, got " + actual);
            return;
        }
        if (Double.isInfinite(expected) || !Double.isFinite(tolerance)) {
            // an infinity in the data: no error bound, the results must agree exactly
            assertEquals(expected, actual, where);
            return;
        }
        assertEquals(expected, actual, tolerance, where);
    }

    /** Checks the vector training forward against the reference, channel statistics first. */
    static void assertTrainingClose(Batch ref, Batch got) {
        int m = ref.n * ref.spatial;
        double[] meanTol = new double[ref.channels];
        double relInvStd = sumError(m) + 4 * U;
        for (int c = 0; c < ref.channels; c++) {
            double absDev = 0;
            for (int img = 0; img < ref.n; img++) {
                for (int i = 0; i < ref.spatial; i++) {
                    absDev += Math.abs(ref.x[3 + (img * ref.channels + c) * ref.spatial + i] - (double) ref.savedMean[c]);
                }
            }
            // both round the mean to float (an ulp between them), plus the error of the deviation sum
            meanTol[c] = 2 * Math.ulp(ref.savedMean[c]) + sumError(m) * absDev / m;
            assertNear(ref.savedMean[c], got.savedMean[c], meanTol[c], "savedMean[" + c + "]");
            assertNear(ref.savedInvStd[c], got.savedInvStd[c], relInvStd * ref.savedInvStd[c], "savedInvStd[" + c + "]");
            assertNear(ref.runningMean[c], got.runningMean[c], MOMENTUM * meanTol[c] + 2 * Math.ulp(ref.runningMean[c]),
                    "runningMean[" + c + "]");
            assertNear(ref.runningVar[c], got.runningVar[c], 2 * relInvStd * Math.abs(ref.runningVar[c]) + 1e-30,
                    "runningVar[" + c + "]");
        }
        for (int i = 0; i < ref.y.length; i++) {
            int at = i - 5;
            if (at < 0 || at >= ref.total) {
                assertEquals(42f, got.y[i], 0f, "y padding at " + i + " was written");
                continue;
            }
            int c = ref.channelOf(at);
            double invStd = ref.savedInvStd[c];
            double dev = Math.abs(ref.x[3 + at] - (double) ref.savedMean[c]);
            // the statistics' differences carried through, plus a few roundings of the normalization
            double tolerance = Math.abs(ref.gamma[c]) * invStd * (meanTol[c] + dev * (relInvStd + 4 * U))
                    + 2 * Math.ulp(ref.y[i]);
            assertNear(ref.y[i], got.y[i], tolerance, "y[" + at + "] channel " + c);
        }
    }

    /** Checks the vector backward against the reference given the same saved statistics. */
    static void assertBackwardClose(Batch ref, Batch got) {
        int m = ref.n * ref.spatial;
        double[] betaTol = new double[ref.channels];
        double[] gammaTol = new double[ref.channels];
        for (int c = 0; c < ref.channels; c++) {
            double absDy = 0;
            double absDyXhat = 0;
            for (int img = 0; img < ref.n; img++) {
                for (int i = 0; i < ref.spatial; i++) {
                    int at = (img * ref.channels + c) * ref.spatial + i;
                    absDy += Math.abs(ref.dy[2 + at]);
                    absDyXhat += Math.abs(ref.dy[2 + at] * (ref.x[3 + at] - (double) ref.savedMean[c])
                            * ref.savedInvStd[c]);
                }
            }
            betaTol[c] = sumError(m) * absDy + Math.ulp(ref.dbeta[c]);
            gammaTol[c] = (sumError(m) + 2 * U) * absDyXhat + Math.ulp(ref.dgamma[c]);
            assertNear(ref.dbeta[c], got.dbeta[c], betaTol[c], "dbeta[" + c + "]");
            assertNear(ref.dgamma[c], got.dgamma[c], gammaTol[c], "dgamma[" + c + "]");
        }
        for (int at = 0; at < ref.total; at++) {
            int c = ref.channelOf(at);
            double invStd = ref.savedInvStd[c];
            double xhat = Math.abs((ref.x[3 + at] - (double) ref.savedMean[c]) * invStd);
            double p = Math.abs(ref.gamma[c]) * invStd;
            // dx = p * (dy - (dbeta + xhat * dgamma) / M): the sums' errors, then a few roundings of each term
            double tolerance = p * ((betaTol[c] + xhat * gammaTol[c]) / m
                    + 4 * U * (Math.abs(ref.dy[2 + at]) + (Math.abs(ref.dbeta[c]) + xhat * Math.abs(ref.dgamma[c])) / m))
                    + Math.ulp(ref.dx[at]);
            assertNear(ref.dx[at], got.dx[at], tolerance, "dx[" + at + "] channel " + c);
        }
        assertEquals(42f, got.dx[ref.total], 0f, "dx padding was written");
    }

    @ParameterizedTest(name = "n={0} channels={1} spatial={2}")
    @MethodSource({"shapes", "denseShapes"})
    void vectorMatchesTheReference(int n, int channels, int spatial) {
        Batch ref = new Batch(n, channels, spatial, 1000L * n + 100L * channels + spatial);
        Batch got = ref.copy();
        if (n * spatial < 2 && channels > 0) {
            assertThrows(IllegalArgumentException.class, () -> ref.training(false));
            assertThrows(IllegalArgumentException.class, () -> got.training(true));
            // backward still runs on statistics from elsewhere
            Arrays.fill(ref.savedMean, 0.5f);
            Arrays.fill(ref.savedInvStd, 2f);
            Arrays.fill(got.savedMean, 0.5f);
            Arrays.fill(got.savedInvStd, 2f);
        } else {
            ref.training(false);
            got.training(true);
            assertTrainingClose(ref, got);
            // backward from the same statistics, so that only the backward pass is compared
            System.arraycopy(ref.savedMean, 0, got.savedMean, 0, channels);
            System.arraycopy(ref.savedInvStd, 0, got.savedInvStd, 0, channels);
        }
        ref.backward(false);
        got.backward(true);
        assertBackwardClose(ref, got);

        Batch refInf = new Batch(n, channels, spatial, 7L * n + channels + spatial);
        Batch gotInf = refInf.copy();
        refInf.inference(false);
        gotInf.inference(true);
        for (int i = 0; i < refInf.y.length; i++) {
            int at = i - 5;
            if (at < 0 || at >= refInf.total) {
                assertEquals(42f, gotInf.y[i], 0f, "y padding at " + i + " was written");
                continue;
            }
            int c = refInf.channelOf(at);
            double scale = Math.abs(refInf.gamma[c]) / Math.sqrt(refInf.runningVar[c] + (double) EPS);
            // a few roundings: x - mean, the scale (sqrt and divide), the fused multiply-add
            double tolerance = 4 * U * (scale * Math.abs(refInf.x[3 + at] - refInf.runningMean[c])
                    + Math.abs(refInf.y[i])) + Math.ulp(refInf.y[i]);
            assertNear(refInf.y[i], gotInf.y[i], tolerance, "inference y[" + at + "]");
        }
    }

    @Test
    void backwardMatchesFiniteDifferencesOfTheReference() {
        for (int[] shape : new int[][] {{3, 2, 5}, {4, 3, 1}, {1, 2, 6}}) {
            int n = shape[0], channels = shape[1], spatial = shape[2];
            Batch b = new Batch(n, channels, spatial, 99);
            SplittableRandom r = new SplittableRandom(spatial);
            for (int i = 0; i < b.x.length; i++) {
                b.x[i] = (float) (0.3 + 1.5 * r.nextGaussian());  // spread ~1, so that h = 1e-2 is small but not tiny
            }
            b.training(false);
            b.backward(false);
            double h = 1e-2;
            for (int at = 0; at < b.total; at++) {
                double numeric = difference(b, b.x, 3 + at, h);
                assertEquals(numeric, b.dx[at], 2e-3 * (1 + Math.abs(numeric)), "dx[" + at + "] " + Arrays.toString(shape));
            }
            for (int c = 0; c < channels; c++) {
                assertEquals(difference(b, b.gamma, c, h), b.dgamma[c], 2e-3 * (1 + Math.abs(b.dgamma[c])), "dgamma[" + c + "]");
                assertEquals(difference(b, b.beta, c, h), b.dbeta[c], 2e-3 * (1 + Math.abs(b.dbeta[c])), "dbeta[" + c + "]");
            }
        }
    }

    /** Central difference of {@code sum(dy * y)} with respect to {@code array[at]}, in double. */
    private static double difference(Batch b, float[] array, int at, double h) {
        float saved = array[at];
        array[at] = (float) (saved + h);
        double up = loss(b);
        double stepUp = array[at] - (double) saved;
        array[at] = (float) (saved - h);
        double down = loss(b);
        double stepDown = saved - (double) array[at];
        array[at] = saved;
        return (up - down) / (stepUp + stepDown);
    }

    private static double loss(Batch b) {
        Batch scratch = b.copy();
        scratch.training(false);
        double sum = 0;
        for (int at = 0; at < b.total; at++) {
            sum += (double) b.dy[2 + at] * scratch.y[5 + at];
        }
        return sum;
    }

    @Test
    void runningStatisticsUseTheUnbiasedVariance() {
        // 17 identical channels, so both the dense vector body and the per-channel code run
        int n = 4, channels = 17;
        float[] x = new float[n * channels];
        for (int img = 0; img < n; img++) {
            Arrays.fill(x, img * channels, (img + 1) * channels, img + 1);
        }
        float[] gamma = filled(channels, 1f);
        float[] beta = new float[channels];
        float[] runningMean = new float[channels];
        float[] runningVar = filled(channels, 1f);
        float[] savedMean = new float[channels];
        float[] savedInvStd = new float[channels];
        float[] y = new float[x.length];
        BatchNorm.forwardTraining(x, 0, n, channels, 1, gamma, beta, EPS, MOMENTUM, runningMean, runningVar,
                y, 0, savedMean, savedInvStd);
        for (int c = 0; c < channels; c++) {
            // x = 1, 2, 3, 4: mean 2.5, biased variance 1.25, unbiased 5/3
            assertEquals(2.5f, savedMean[c], 1e-6f);
            assertEquals(1 / Math.sqrt(1.25 + EPS), savedInvStd[c], 1e-6);
            assertEquals(0.25f, runningMean[c], 1e-6f);
            assertEquals(0.9 + 0.1 * 5 / 3.0, runningVar[c], 1e-6);
            assertEquals(-1.5 / Math.sqrt(1.25 + EPS), y[c], 1e-6);
        }
    }

    @ParameterizedTest(name = "spatial={0}")
    @MethodSource("stableSpatial")
    void statisticsAreStableForLargeOffsets(int spatial) {
        // 1e4 + noise: E[x^2] - E[x]^2 in float would lose every digit of the variance
        int n = 16, channels = 19;
        SplittableRandom r = new SplittableRandom(spatial);
        float[] x = new float[n * channels * spatial];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (1e4 + 0.5 * r.nextGaussian());
        }
        float[] savedMean = new float[channels];
        float[] savedInvStd = new float[channels];
        float[] y = new float[x.length];
        BatchNorm.forwardTraining(x, 0, n, channels, spatial, filled(channels, 1f), new float[channels], EPS, MOMENTUM,
                new float[channels], filled(channels, 1f), y, 0, savedMean, savedInvStd);
        int m = n * spatial;
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int img = 0; img < n; img++) {
                for (int i = 0; i < spatial; i++) {
                    sum += x[(img * channels + c) * spatial + i];
                }
            }
            double mean = sum / m;
            double squares = 0;
            for (int img = 0; img < n; img++) {
                for (int i = 0; i < spatial; i++) {
                    double d = x[(img * channels + c) * spatial + i] - mean;
                    squares += d * d;
                }
            }
            double invStd = 1 / Math.sqrt(squares / m + EPS);
            assertEquals(mean, savedMean[c], Math.ulp(1e4f), "mean of channel " + c);
            assertEquals(invStd, savedInvStd[c], 1e-5 * invStd, "invStd of channel " + c);
        }
        double sumY = 0;
        double sumY2 = 0;
        for (float v : y) {
            sumY += v;
            sumY2 += (double) v * v;
        }
        assertEquals(0, sumY / y.length, 1e-3);
        assertEquals(1, sumY2 / y.length, 1e-3);
    }

    static Stream<Integer> stableSpatial() {
        return Stream.of(1, 13, 784);
    }

    @Test
    void nanMakesItsChannelNaNAndLeavesTheOthersAlone() {
        for (int spatial : new int[] {1, 37}) {
            int n = 5, channels = 19;
            Batch ref = new Batch(n, channels, spatial, 5);
            ref.x[3 + (2 * channels + 4) * spatial] = Float.NaN;
            ref.x[3 + (3 * channels + 17) * spatial + spatial - 1] = Float.POSITIVE_INFINITY;
            Batch got = ref.copy();
            ref.training(false);
            got.training(true);
            assertTrainingClose(ref, got);
            assertTrue(Float.isNaN(got.savedMean[4]) && Float.isNaN(got.runningVar[4]), "channel 4 statistics");
            assertTrue(Float.isNaN(got.y[5 + (1 * channels + 4) * spatial]), "channel 4 output");
            assertTrue(Float.isNaN(got.y[5 + (1 * channels + 17) * spatial]), "channel 17 output");
            assertTrue(Float.isFinite(got.y[5 + (1 * channels + 5) * spatial]), "channel 5 output");
            ref.dy[2 + 3 * channels * spatial] = Float.NaN;
            got.dy[2 + 3 * channels * spatial] = Float.NaN;
            System.arraycopy(ref.savedMean, 0, got.savedMean, 0, channels);
            System.arraycopy(ref.savedInvStd, 0, got.savedInvStd, 0, channels);
            ref.backward(false);
            got.backward(true);
            assertBackwardClose(ref, got);
            assertTrue(Float.isNaN(got.dbeta[0]) && Float.isNaN(got.dx[5 * channels * spatial - 1 - (channels - 1) * spatial]),
                    "channel 0 gradients");
        }
    }

    @Test
    void inPlaceGivesTheSameResultsAsOutOfPlace() {
        for (int spatial : new int[] {1, 29}) {
            int n = 6, channels = 21, total = n * channels * spatial;
            Batch b = new Batch(n, channels, spatial, 3);
            float[] x = Arrays.copyOfRange(b.x, 3, 3 + total);
            float[] y = new float[total];
            float[] rm = b.runningMean.clone();
            float[] rv = b.runningVar.clone();
            BatchNorm.forwardTraining(x, 0, n, channels, spatial, b.gamma, b.beta, EPS, MOMENTUM, rm, rv, y, 0,
                    b.savedMean, b.savedInvStd);
            float[] inPlace = x.clone();
            BatchNorm.forwardTraining(inPlace, 0, n, channels, spatial, b.gamma, b.beta, EPS, MOMENTUM,
                    b.runningMean.clone(), b.runningVar.clone(), inPlace, 0, b.savedMean.clone(), b.savedInvStd.clone());
            assertArrayEquals(y, inPlace);
            float[] dy = Arrays.copyOfRange(b.dy, 2, 2 + total);
            float[] dx = new float[total];
            BatchNorm.backward(x, 0, dy, 0, n, channels, spatial, b.savedMean, b.savedInvStd, b.gamma, dx, 0,
                    b.dgamma, b.dbeta);
            BatchNorm.backward(x, 0, dy, 0, n, channels, spatial, b.savedMean, b.savedInvStd, b.gamma, dy, 0,
                    new float[channels], new float[channels]);
            assertArrayEquals(dx, dy);
        }
    }

    @Test
    void emptyBatchesTouchNothing() {
        float[] y = {7f};
        BatchNorm.forwardInference(new float[0], 0, 0, 3, 5, new float[3], new float[3], EPS, new float[3],
                new float[3], y, 0);
        BatchNorm.forwardTraining(new float[0], 0, 4, 0, 5, new float[0], new float[0], EPS, MOMENTUM, new float[0],
                new float[0], y, 0, new float[0], new float[0]);
        assertArrayEquals(new float[] {7f}, y);
        float[] dgamma = {5f, 5f};
        float[] dbeta = {5f, 5f};
        BatchNorm.backward(new float[0], 0, new float[0], 0, 0, 2, 1, new float[2], new float[2], new float[2],
                y, 0, dgamma, dbeta);
        assertArrayEquals(new float[] {0f, 0f}, dbeta);
        assertArrayEquals(new float[] {7f}, y);
    }

    @Test
    void badArgumentsNameTheProblem() {
        float[] x = new float[24];
        float[] y = new float[24];
        float[] c3 = new float[3];
        assertMessage("-1", () -> BatchNorm.forwardTraining(x, 0, -1, 3, 4, c3, c3.clone(), EPS, MOMENTUM,
                new float[3], new float[3], y, 0, new float[3], new float[3]));
        assertMessage("eps", () -> BatchNorm.forwardTraining(x, 0, 2, 3, 4, c3, c3.clone(), 0f, MOMENTUM,
                new float[3], new float[3], y, 0, new float[3], new float[3]), "0.0");
        assertMessage("NaN", () -> BatchNorm.forwardInference(x, 0, 2, 3, 4, c3, c3.clone(), Float.NaN,
                new float[3], new float[3], y, 0));
        assertMessage("momentum", () -> BatchNorm.forwardTraining(x, 0, 2, 3, 4, c3, c3.clone(), EPS, 1.5f,
                new float[3], new float[3], y, 0, new float[3], new float[3]), "1.5");
        assertMessage("n=1 x spatial=1", () -> BatchNorm.forwardTraining(x, 0, 1, 3, 1, c3, c3.clone(), EPS, MOMENTUM,
                new float[3], new float[3], y, 0, new float[3], new float[3]));
        assertMessage("offset 1", () -> BatchNorm.forwardTraining(x, 1, 2, 3, 4, c3, c3.clone(), EPS, MOMENTUM,
                new float[3], new float[3], y, 0, new float[3], new float[3]), "24");
        assertMessage("gamma is null", () -> BatchNorm.forwardInference(x, 0, 2, 3, 4, null, c3, EPS,
                new float[3], new float[3], y, 0));
        assertMessage("beta needs 3", () -> ScalarBatchNorm.forwardInference(x, 0, 2, 3, 4, c3, new float[2], EPS,
                new float[3], new float[3], y, 0));
        float[] shared = new float[40];
        assertMessage("overlaps", () -> BatchNorm.forwardInference(shared, 0, 2, 3, 4, c3, c3, EPS,
                new float[3], new float[3], shared, 5));
        float[] stats = new float[3];
        assertMessage("savedMean [0, 3) overlaps savedInvStd", () -> BatchNorm.forwardTraining(x, 0, 2, 3, 4, c3,
                c3.clone(), EPS, MOMENTUM, new float[3], new float[3], y, 0, stats, stats));
        assertMessage("dgamma", () -> BatchNorm.backward(x, 0, y, 0, 2, 3, 4, new float[3], new float[3], c3,
                new float[24], 0, c3, new float[3]), "gamma");
        assertMessage("dx", () -> ScalarBatchNorm.backward(x, 0, y, 0, 2, 3, 4, new float[3], new float[3], c3,
                new float[23], 0, new float[3], new float[3]), "23");
        assertMessage("does not fit", () -> BatchNorm.forwardInference(x, 0, 1 << 16, 1 << 10, 1 << 6, c3, c3, EPS,
                new float[3], new float[3], y, 0));
    }

    private static void assertMessage(String expected, Runnable call, String... more) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        for (String s : more) {
            assertTrue(e.getMessage().contains(s), e.getMessage());
        }
    }
}
