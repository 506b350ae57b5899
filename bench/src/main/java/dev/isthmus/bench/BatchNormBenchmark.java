package dev.isthmus.bench;

import dev.isthmus.kernels.BatchNorm;
import dev.isthmus.kernels.ScalarBatchNorm;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Batch normalization, training forward and backward: the Vector API kernel ({@link BatchNorm})
 * against the scalar reference ({@link ScalarBatchNorm}), on a convolution's output
 * (n x channels x H*W) and a dense layer's (n x channels x 1), plus an odd shape. Both run on the
 * calling thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class BatchNormBenchmark {
    /** Ratios in the report are against the scalar reference. */
    public static String baseline(String method) {
        return "scalar";
    }

    /** n x channels x spatial. */
    @Param({"64x32x676", "64x256x1", "33x17x49"})
    String shape;

    /** training: the training forward pass; backward: the backward pass from its saved statistics. */
    @Param({"training", "backward"})
    String pass;

    int n;
    int channels;
    int spatial;
    float[] x;
    float[] y;
    float[] dy;
    float[] dx;
    float[] gamma;
    float[] beta;
    float[] runningMean;
    float[] runningVar;
    float[] savedMean;
    float[] savedInvStd;
    float[] dgamma;
    float[] dbeta;

    /**
     * Bytes a call must move at least, each big array once: x read and y written for training,
     * x and dy read and dx written for backward (the per-channel arrays are negligible). The kernel
     * reads x more than once, from cache when it fits.
     */
    public static long bytes(Map<String, String> params) {
        int[] s = parse(params.get("shape"));
        long elements = (long) s[0] * s[1] * s[2];
        int arrays = "training".equals(params.get("pass")) ? 2 : 3;
        return arrays * elements * Float.BYTES;
    }

    private static int[] parse(String shape) {
        String[] parts = shape.split("x");
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])};
    }

    @Setup
    public void setup() {
        int[] s = parse(shape);
        n = s[0];
        channels = s[1];
        spatial = s[2];
        int total = n * channels * spatial;
        SplittableRandom random = new SplittableRandom(42);
        x = new float[total];
        dy = new float[total];
        for (int i = 0; i < total; i++) {
            x[i] = (float) (random.nextGaussian() * 2 + 0.5);
            dy[i] = (float) random.nextDouble(-1, 1);
        }
        y = new float[total];
        dx = new float[total];
        gamma = new float[channels];
        beta = new float[channels];
        runningMean = new float[channels];
        runningVar = new float[channels];
        for (int c = 0; c < channels; c++) {
            gamma[c] = (float) random.nextDouble(0.5, 1.5);
            beta[c] = (float) random.nextDouble(-0.5, 0.5);
            runningVar[c] = 1f;
        }
        savedMean = new float[channels];
        savedInvStd = new float[channels];
        dgamma = new float[channels];
        dbeta = new float[channels];

        // statistics for backward to start from
        ScalarBatchNorm.forwardTraining(x, 0, n, channels, spatial, gamma, beta, 1e-5f, 0.1f, runningMean, runningVar,
                y, 0, savedMean, savedInvStd);
        // Both must compute the same thing before either is timed.
        scalar();
        float[] expected = ("training".equals(pass) ? y : dx).clone();
        vector();
        agree("training".equals(pass) ? y : dx, expected);
    }

    private void agree(float[] got, float[] expected) {
        for (int i = 0; i < got.length; i++) {
            if (!(Math.abs(got[i] - expected[i]) <= 1e-3f * (1 + Math.abs(expected[i])))) {
                throw new IllegalStateException(pass + ": the vector kernel and the scalar reference differ at " + i
                        + ": " + got[i] + " vs " + expected[i]);
            }
        }
    }

    @Benchmark
    public float[] scalar() {
        if ("training".equals(pass)) {
            ScalarBatchNorm.forwardTraining(x, 0, n, channels, spatial, gamma, beta, 1e-5f, 0.1f, runningMean,
                    runningVar, y, 0, savedMean, savedInvStd);
            return y;
        }
        ScalarBatchNorm.backward(x, 0, dy, 0, n, channels, spatial, savedMean, savedInvStd, gamma, dx, 0,
                dgamma, dbeta);
        return dx;
    }

    @Benchmark
    public float[] vector() {
        if ("training".equals(pass)) {
            BatchNorm.forwardTraining(x, 0, n, channels, spatial, gamma, beta, 1e-5f, 0.1f, runningMean,
                    runningVar, y, 0, savedMean, savedInvStd);
            return y;
        }
        BatchNorm.backward(x, 0, dy, 0, n, channels, spatial, savedMean, savedInvStd, gamma, dx, 0, dgamma, dbeta);
        return dx;
    }
}
