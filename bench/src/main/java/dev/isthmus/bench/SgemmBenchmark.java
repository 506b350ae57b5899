package dev.isthmus.bench;

import dev.isthmus.blas.Blas;
import dev.isthmus.blas.Layout;
import dev.isthmus.blas.Transpose;
import dev.isthmus.kernels.Gemm;
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
 * Square row-major SGEMM {@code C = A * B}: OpenBLAS through FFM, the Vector API kernel
 * ({@link Gemm}), and a naive triple loop. The loop runs in i-k-j order (the natural one for
 * row-major data, which C2 auto-vectorizes); the textbook i-j-k order would be several times
 * slower still at large n.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SgemmBenchmark {
    /** Ratios in the report are against OpenBLAS. */
    public static String baseline(String method) {
        return "openblas";
    }

    @Param({"64", "128", "256", "512", "1024", "2048"})
    int n;

    @Param({"1"})
    int threads;

    @Param({"COOPERLAKE"})
    String coretype;

    float[] a;
    float[] b;
    float[] c;

    /** Floating-point operations of one call, for the GFLOPS column. */
    public static long flops(Map<String, String> params) {
        long n = Long.parseLong(params.get("n"));
        return 2 * n * n * n;
    }

    @Setup
    public void setup() {
        ForkSetup.pin(coretype, threads);
        a = Inputs.uniform(n * n, 42);
        b = Inputs.uniform(n * n, 43);
        c = new float[n * n];
        // Both methods must compute the same product before either is timed.
        float[] expected = naive().clone();
        agree("OpenBLAS", openblas(), expected);
        agree("the Vector API kernel", vector(), expected);
    }

    private void agree(String name, float[] got, float[] expected) {
        for (int i = 0; i < got.length; i++) {
            if (Math.abs(got[i] - expected[i]) > 1e-4f * n) {
                throw new IllegalStateException(name + " and the naive loop differ at " + i + ": " + got[i]
                        + " vs " + expected[i]);
            }
        }
    }

    @Benchmark
    public float[] vector() {
        Gemm.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        return c;
    }

    @Benchmark
    public float[] openblas() {
        Blas.sgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, n, n, n,
                1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        return c;
    }

    @Benchmark
    public float[] naive() {
        java.util.Arrays.fill(c, 0f);
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < n; p++) {
                float aip = a[i * n + p];
                for (int j = 0; j < n; j++) {
                    c[i * n + j] += aip * b[p * n + j];
                }
            }
        }
        return c;
    }
}
