package dev.isthmus.bench;

import dev.isthmus.blas.Blas;
import dev.isthmus.blas.Layout;
import dev.isthmus.blas.Transpose;
import dev.isthmus.kernels.Activation;
import dev.isthmus.kernels.Gemm;
import dev.isthmus.kernels.PackedMatrix;
import java.util.Map;
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
 * The products networks really run, {@code m:n:k:transA:transB} (row-major, C is m x n):
 * the MLP 784-256-128-10 at batch 64 forward ({@code 64:256:784:N:N}), backward-data
 * ({@code 64:784:256:N:T}) and backward-weights ({@code 784:256:64:T:N}); batch 1 and 16; its
 * output layer; and the im2col GEMM of a 3x3 convolution with 64 channels ({@code 256:128:1600:N:N}).
 * {@link Gemm} (Vector API) against OpenBLAS through FFM, call overhead included.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemmShapesBenchmark {
    @Param({"1:256:784:N:N", "16:256:784:N:N", "64:256:784:N:N", "64:784:256:N:T", "784:256:64:T:N",
            "64:10:128:N:N", "256:128:1600:N:N", "1024:256:784:N:N"})
    String shape;

    @Param({"1"})
    int threads;

    @Param({"COOPERLAKE"})
    String coretype;

    int m;
    int n;
    int k;
    boolean transA;
    boolean transB;
    float[] a;
    float[] b;
    float[] c;
    PackedMatrix packedB;

    public static String baseline(String method) {
        return "openblas";
    }

    public static long flops(Map<String, String> params) {
        String[] s = params.get("shape").split(":");
        return 2 * Long.parseLong(s[0]) * Long.parseLong(s[1]) * Long.parseLong(s[2]);
    }

    @Setup
    public void setup() {
        ForkSetup.pin(coretype, threads);
        String[] s = shape.split(":");
        m = Integer.parseInt(s[0]);
        n = Integer.parseInt(s[1]);
        k = Integer.parseInt(s[2]);
        transA = s[3].equals("T");
        transB = s[4].equals("T");
        a = Inputs.uniform(m * k, 11);
        b = Inputs.uniform(k * n, 12);
        c = new float[m * n];
        packedB = PackedMatrix.pack(transB, k, n, b, 0, transB ? k : n);
        float[] expected = openblas().clone();
        float[] got = vector();
        for (int i = 0; i < got.length; i++) {
            if (Math.abs(got[i] - expected[i]) > 1e-4f * k) {
                throw new IllegalStateException("Gemm and OpenBLAS differ at " + i + ": " + got[i] + " vs " + expected[i]);
            }
        }
    }

    @Benchmark
    public float[] openblas() {
        Blas.sgemm(Layout.ROW_MAJOR, transA ? Transpose.TRANS : Transpose.NO_TRANS,
                transB ? Transpose.TRANS : Transpose.NO_TRANS, m, n, k, 1f, a, 0, transA ? m : k,
                b, 0, transB ? k : n, 0f, c, 0, n);
        return c;
    }

    /** The inference plan's form: B (the weights) packed once, outside the measured call. */
    @Benchmark
    public float[] packed() {
        Gemm.sgemm(transA, m, 1f, a, 0, transA ? m : k, packedB, 0f, c, 0, n, null, 0, Activation.IDENTITY);
        return c;
    }

    @Benchmark
    public float[] vector() {
        Gemm.sgemm(transA, transB, m, n, k, 1f, a, 0, transA ? m : k, b, 0, transB ? k : n, 0f, c, 0, n);
        return c;
    }
}
