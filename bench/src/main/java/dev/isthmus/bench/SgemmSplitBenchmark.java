package dev.isthmus.bench;

import dev.isthmus.blas.Blas;
import dev.isthmus.blas.Layout;
import dev.isthmus.blas.Transpose;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
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
 * The price of bounding critical downcalls: {@link Blas#sgemm} splits a GEMM above 2^31 flops into
 * pieces of rows (8 pieces of 256 rows at n = 2048) so that no single call holds off a safepoint for
 * long; {@code oneCall} makes the whole product one critical downcall.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SgemmSplitBenchmark {
    @Param({"2048"})
    int n;

    @Param({"1", "2"})
    int threads;

    @Param({"COOPERLAKE"})
    String coretype;

    float[] a;
    float[] b;
    float[] c;
    MethodHandle sgemm;

    public static String baseline(String method) {
        return "oneCall";
    }

    public static long flops(Map<String, String> params) {
        long n = Long.parseLong(params.get("n"));
        return 2 * n * n * n;
    }

    @Setup
    public void setup() {
        ForkSetup.pin(coretype, threads);
        a = Inputs.uniform(n * n, 3);
        b = Inputs.uniform(n * n, 4);
        c = new float[n * n];
        sgemm = RawBlas.sgemm(true);
        float[] whole = oneCall().clone();
        float[] split = binding();
        if (!java.util.Arrays.equals(whole, split)) {
            throw new IllegalStateException("the split GEMM differs from the single call");
        }
    }

    @Benchmark
    public float[] binding() {
        Blas.sgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, n, n, n,
                1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        return c;
    }

    @Benchmark
    public float[] oneCall() {
        try {
            sgemm.invokeExact(101, 111, 111, n, n, n, 1f, MemorySegment.ofArray(a), n, MemorySegment.ofArray(b), n,
                    0f, MemorySegment.ofArray(c), n);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return c;
    }
}
