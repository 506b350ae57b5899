package dev.isthmus.bench;

import dev.isthmus.kernels.Species;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
 * The ceiling the memory-bound kernels are judged against: the fastest simple Vector API loops
 * over one array, on one thread, at sizes that sit in L1 (48 KiB per core here), L2 (2 MiB), L3
 * (260 MiB shared) and DRAM. {@code read} sums the array (loads only, four accumulators);
 * {@code scale} reads and writes it back ({@code x = 0.5 * x + 1}, one load and one store per
 * element). The report's GB/s column counts one pass over the array: for {@code scale}, which
 * also writes it back, the traffic is twice the figure shown.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MemoryBandwidthBenchmark {
    private static final VectorSpecies<Float> S = Species.FLOAT;

    /** Floats: 32 KiB (L1), 1 MiB (L2), 64 MiB (L3), 1 GiB (DRAM). */
    @Param({"8192", "262144", "16777216", "268435456"})
    int n;

    float[] x;

    /** One pass over the array. */
    public static long bytes(Map<String, String> params) {
        return 4L * Long.parseLong(params.get("n"));
    }

    @Setup
    public void setup() {
        x = new float[n];
        Arrays.fill(x, 1f);
    }

    @Benchmark
    public float read() {
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
        FloatVector s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
        int l = S.length();
        for (int i = 0; i < n; i += 4 * l) {
            s0 = s0.add(FloatVector.fromArray(S, x, i));
            s1 = s1.add(FloatVector.fromArray(S, x, i + l));
            s2 = s2.add(FloatVector.fromArray(S, x, i + 2 * l));
            s3 = s3.add(FloatVector.fromArray(S, x, i + 3 * l));
        }
        return s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
    }

    @Benchmark
    public float[] scale() {
        for (int i = 0; i < n; i += S.length()) {
            FloatVector.fromArray(S, x, i).fma(0.5f, 1f).intoArray(x, i);
        }
        return x;
    }
}
