package dev.isthmus.bench;

import dev.isthmus.kernels.Activation;
import dev.isthmus.kernels.Gemm;
import dev.isthmus.kernels.PackedMatrix;
import dev.isthmus.kernels.ScalarSparseGemm;
import dev.isthmus.kernels.SparseGemm;
import dev.isthmus.kernels.SparseMatrix;
import java.util.Arrays;
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
 * A pruned dense layer {@code k:n} at batch m, one thread: the dense product as the plan runs it
 * ({@link Gemm}'s few-row form on the weights as stored for m up to 32, its packed form beyond; bias
 * and ReLU fused), the baseline, against {@link SparseGemm} on the same weights with a fraction {@code sparsity} of
 * them zeroed at random (unstructured, fixed seed). Where the sparse product becomes faster is the
 * crossover the plan's sparse choice uses.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SparseGemmBenchmark {
    @Param({"784:256", "256:128", "1024:1024"})
    String shape;

    @Param({"0.5", "0.7", "0.8", "0.85", "0.9", "0.95", "0.98"})
    double sparsity;

    @Param({"1", "16"})
    int m;

    @Param({"COOPERLAKE"})
    String coretype;

    int k;
    int n;
    float[] a;
    float[] w;
    float[] bias;
    float[] c;
    PackedMatrix packed;
    SparseMatrix sparseW;

    public static String baseline(String method) {
        return "dense";
    }

    /** The dense product's flops, for both methods: the work the layer stands for. */
    public static long flops(Map<String, String> params) {
        String[] s = params.get("shape").split(":");
        return 2 * Long.parseLong(params.get("m")) * Long.parseLong(s[0]) * Long.parseLong(s[1]);
    }

    @Setup
    public void setup() {
        ForkSetup.pin(coretype, 1);
        String[] s = shape.split(":");
        k = Integer.parseInt(s[0]);
        n = Integer.parseInt(s[1]);
        a = Inputs.uniform(m * k, 21);
        w = Inputs.uniform(k * n, 22);
        bias = Inputs.uniform(n, 23);
        SplittableRandom r = new SplittableRandom(24);
        for (int i = 0; i < w.length; i++) {
            if (r.nextDouble() < sparsity) {
                w[i] = 0f;
            }
        }
        c = new float[m * n];
        packed = PackedMatrix.pack(false, k, n, w, 0, n);
        sparseW = SparseMatrix.of(k, n, w, 0);
        float[] want = new float[m * n];
        ScalarSparseGemm.gemm(m, a, 0, k, sparseW, want, 0, n, bias, 0, Activation.RELU);
        if (!Arrays.equals(want, sparse())) {
            throw new IllegalStateException("SparseGemm differs from ScalarSparseGemm for " + m + " x " + shape);
        }
        float[] got = dense();
        for (int i = 0; i < got.length; i++) {
            if (Math.abs(got[i] - want[i]) > 1e-4f * (1 + Math.abs(want[i]))) {
                throw new IllegalStateException("dense and sparse differ at " + i + ": " + got[i] + " vs " + want[i]);
            }
        }
        System.out.printf("# %d of %d weights nonzero (density %.4f)%n", sparseW.nonZeros(), k * n, sparseW.density());
    }

    @Benchmark
    public float[] dense() {
        if (m <= 32) {
            Gemm.sgemm(false, false, m, n, k, 1f, a, 0, k, w, 0, n, 0f, c, 0, n, bias, 0, Activation.RELU, 1);
        } else {
            Gemm.sgemm(false, m, 1f, a, 0, k, packed, 0f, c, 0, n, bias, 0, Activation.RELU, 1);
        }
        return c;
    }

    @Benchmark
    public float[] sparse() {
        SparseGemm.gemm(m, a, 0, k, sparseW, c, 0, n, bias, 0, Activation.RELU);
        return c;
    }
}
