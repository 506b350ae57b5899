package dev.isthmus.bench;

import dev.isthmus.kernels.Activation;
import dev.isthmus.kernels.Activations;
import dev.isthmus.kernels.Elementwise;
import dev.isthmus.kernels.ScalarActivations;
import dev.isthmus.kernels.ScalarElementwise;
import dev.isthmus.kernels.ScalarSoftmax;
import dev.isthmus.kernels.Softmax;
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
 * Memory-bound kernels over n floats, the Vector API against the scalar reference: axpy
 * ({@link Elementwise}), ReLU ({@link Activations}) and softmax over rows of
 * {@value #SOFTMAX_COLS} classes ({@link Softmax}, on the n / {@value #SOFTMAX_COLS} whole rows).
 * Past the caches these are bound by memory bandwidth, so compare GB/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ElementwiseBenchmark {
    /** Width of the softmax rows: a thousand classes, as in ImageNet classifiers. */
    public static final int SOFTMAX_COLS = 1000;

    /** Ratios in the report are against the scalar reference. */
    public static String baseline(String method) {
        return "scalar";
    }

    @Param({"axpy", "relu", "softmax"})
    String kernel;

    @Param({"1021", "65536", "1048573"})
    int n;

    private static final int AXPY = 0;
    private static final int RELU = 1;
    private static final int SOFTMAX = 2;

    /** The kernel as an int, so that choosing it costs a predictable branch, not a string comparison. */
    private int op;
    private int rows;
    float[] x;
    float[] y;

    /**
     * Bytes moved by one call, for the GB/s column: axpy reads x and y and writes y (3 floats per
     * element), ReLU reads x and writes y (2), and softmax at least reads each logit and writes each
     * probability (2; it reads the row three times, but a row of 4 KB stays in L1).
     */
    public static long bytes(Map<String, String> params) {
        long n = Long.parseLong(params.get("n"));
        return switch (params.get("kernel")) {
            case "axpy" -> 3L * Float.BYTES * n;
            case "relu" -> 2L * Float.BYTES * n;
            default -> 2L * Float.BYTES * (n / SOFTMAX_COLS) * SOFTMAX_COLS;
        };
    }

    @Setup
    public void setup() {
        op = switch (kernel) {
            case "axpy" -> AXPY;
            case "relu" -> RELU;
            case "softmax" -> SOFTMAX;
            default -> throw new IllegalArgumentException("kernel must be axpy, relu or softmax, got " + kernel);
        };
        if (op == SOFTMAX && n < SOFTMAX_COLS) {
            throw new IllegalArgumentException("softmax needs n >= " + SOFTMAX_COLS + " (one row), got " + n);
        }
        rows = n / SOFTMAX_COLS;
        SplittableRandom random = new SplittableRandom(42);
        x = new float[n];
        y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextDouble(-4, 4);
            y[i] = (float) random.nextDouble(-1, 1);
        }
        // Both methods must compute the same result before either is timed.
        float[] start = y.clone();
        float[] expected = scalar().clone();
        y = start.clone();
        float[] got = vector();
        for (int i = 0; i < n; i++) {
            if (Math.abs(got[i] - expected[i]) > 1e-6f * Math.max(1f, Math.abs(expected[i]))) {
                throw new IllegalStateException(kernel + ": vector and scalar differ at " + i + ": " + got[i]
                        + " vs " + expected[i]);
            }
        }
        y = start;
    }

    // axpy runs again and again on the same y; with this alpha, y drifts by about 1e-6 x per call.

    @Benchmark
    public float[] vector() {
        switch (op) {
            case AXPY -> Elementwise.axpy(1e-6f, x, 0, y, 0, n);
            case RELU -> Activations.forward(Activation.RELU, x, 0, y, 0, n);
            default -> Softmax.softmax(x, 0, rows, SOFTMAX_COLS, y, 0);
        }
        return y;
    }

    @Benchmark
    public float[] scalar() {
        switch (op) {
            case AXPY -> ScalarElementwise.axpy(1e-6f, x, 0, y, 0, n);
            case RELU -> ScalarActivations.forward(Activation.RELU, x, 0, y, 0, n);
            default -> ScalarSoftmax.softmax(x, 0, rows, SOFTMAX_COLS, y, 0);
        }
        return y;
    }
}
