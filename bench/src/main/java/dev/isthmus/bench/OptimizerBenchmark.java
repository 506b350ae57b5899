package dev.isthmus.bench;

import dev.isthmus.kernels.Optimizers;
import dev.isthmus.kernels.ScalarOptimizers;
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
 * One fused optimizer update over n parameters, the Vector API kernel ({@link Optimizers}) against
 * its scalar reference: AdamW and SGD with momentum. 235146 is the parameter count of the MLP
 * example; the update is memory-bound once the arrays leave the caches, so compare GB/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class OptimizerBenchmark {
    /** Ratios in the report are against the scalar reference. */
    public static String baseline(String method) {
        return "scalar";
    }

    @Param({"adam", "sgdMomentum"})
    String optimizer;

    /** Decided in setup: a string comparison inside the timed methods shows at n = 1021. */
    boolean adam;

    @Param({"1021", "235146", "1048573"})
    int n;

    float[] param;
    float[] grad;
    float[] state1;
    float[] state2;

    /**
     * Bytes moved by one call, for the GB/s column: Adam reads param, grad, m and v and writes param, m
     * and v (7 floats per parameter); SGD with momentum reads param, grad and velocity and writes param
     * and velocity (5).
     */
    public static long bytes(Map<String, String> params) {
        long n = Long.parseLong(params.get("n"));
        int floats = "adam".equals(params.get("optimizer")) ? 7 : 5;
        return floats * Float.BYTES * n;
    }

    @Setup
    public void setup() {
        if (!optimizer.equals("adam") && !optimizer.equals("sgdMomentum")) {
            throw new IllegalArgumentException("optimizer must be adam or sgdMomentum, got " + optimizer);
        }
        adam = optimizer.equals("adam");
        SplittableRandom random = new SplittableRandom(42);
        param = new float[n];
        grad = new float[n];
        state1 = new float[n];
        state2 = new float[n];
        for (int i = 0; i < n; i++) {
            param[i] = (float) random.nextDouble(-1, 1);
            grad[i] = (float) random.nextDouble(-1, 1);
            state1[i] = (float) random.nextDouble(-0.1, 0.1);
            state2[i] = (float) random.nextDouble(0, 0.01);
        }
        // Both methods must compute the same update before either is timed.
        float[][] start = {param.clone(), state1.clone(), state2.clone()};
        scalar();
        float[][] expected = {param.clone(), state1.clone(), state2.clone()};
        param = start[0].clone();
        state1 = start[1].clone();
        state2 = start[2].clone();
        vector();
        agree("param", param, expected[0]);
        agree("state1", state1, expected[1]);
        agree("state2", state2, expected[2]);
        param = start[0];
        state1 = start[1];
        state2 = start[2];
    }

    private static void agree(String name, float[] got, float[] expected) {
        for (int i = 0; i < got.length; i++) {
            if (Math.abs(got[i] - expected[i]) > 4 * Math.ulp(expected[i])) {
                throw new IllegalStateException("vector and scalar " + name + " differ at " + i + ": " + got[i]
                        + " vs " + expected[i]);
            }
        }
    }

    // A fixed step keeps Adam's bias correction constant; its cost is two pow calls per call either way.
    // With these settings the parameters settle near an equilibrium instead of drifting to overflow.

    @Benchmark
    public float[] vector() {
        if (adam) {
            Optimizers.adam(param, 0, grad, 0, state1, 0, state2, 0, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 10, 0.01f, true);
        } else {
            Optimizers.sgd(param, 0, grad, 0, state1, 0, n, 1e-2f, 0.9f, 1e-4f, false);
        }
        return param;
    }

    @Benchmark
    public float[] scalar() {
        if (adam) {
            ScalarOptimizers.adam(param, 0, grad, 0, state1, 0, state2, 0, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 10, 0.01f,
                    true);
        } else {
            ScalarOptimizers.sgd(param, 0, grad, 0, state1, 0, n, 1e-2f, 0.9f, 1e-4f, false);
        }
        return param;
    }
}
