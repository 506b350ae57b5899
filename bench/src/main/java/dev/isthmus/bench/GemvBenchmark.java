package dev.isthmus.bench;

import dev.isthmus.blas.Blas;
import dev.isthmus.blas.Layout;
import dev.isthmus.blas.Transpose;
import dev.isthmus.kernels.Gemv;
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
 * Batch-1 dense layers: {@code y = op(A) x} with A row-major m x n, {@link Gemv} against
 * {@code cblas_sgemv} in the same form. Shapes are {@code m:n:trans}; "256:784:false" is the first
 * layer of the MLP with weights stored out x in, "784:256:true" the same layer stored in x out.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemvBenchmark {
    @Param({"256:784:false", "784:256:true", "128:256:false", "256:128:true", "10:128:false", "128:10:true",
            "1024:1024:false", "1024:1024:true"})
    String shape;

    @Param({"1"})
    int threads;

    @Param({"COOPERLAKE"})
    String coretype;

    int m;
    int n;
    boolean trans;
    float[] a;
    float[] x;
    float[] y;

    public static String baseline(String method) {
        return "openblas";
    }

    /** The matrix is the traffic: m * n floats, plus the two vectors. */
    public static long bytes(Map<String, String> params) {
        String[] s = params.get("shape").split(":");
        long m = Long.parseLong(s[0]);
        long n = Long.parseLong(s[1]);
        return 4 * (m * n + m + n);
    }

    public static long flops(Map<String, String> params) {
        String[] s = params.get("shape").split(":");
        return 2 * Long.parseLong(s[0]) * Long.parseLong(s[1]);
    }

    @Setup
    public void setup() {
        ForkSetup.pin(coretype, threads);
        String[] s = shape.split(":");
        m = Integer.parseInt(s[0]);
        n = Integer.parseInt(s[1]);
        trans = Boolean.parseBoolean(s[2]);
        a = Inputs.uniform(m * n, 5);
        x = Inputs.uniform(trans ? m : n, 6);
        y = new float[trans ? n : m];
        float[] expected = openblas().clone();
        float[] got = vector();
        for (int i = 0; i < got.length; i++) {
            if (Math.abs(got[i] - expected[i]) > 1e-4f * Math.max(m, n)) {
                throw new IllegalStateException("Gemv and cblas_sgemv differ at " + i + ": " + got[i] + " vs " + expected[i]);
            }
        }
    }

    @Benchmark
    public float[] openblas() {
        Blas.sgemv(Layout.ROW_MAJOR, trans ? Transpose.TRANS : Transpose.NO_TRANS, m, n, 1f, a, 0, n, x, 0, 1,
                0f, y, 0, 1);
        return y;
    }

    @Benchmark
    public float[] vector() {
        Gemv.sgemv(trans, m, n, 1f, a, 0, n, x, 0, 0f, y, 0);
        return y;
    }
}
