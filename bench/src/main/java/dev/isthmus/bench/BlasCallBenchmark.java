package dev.isthmus.bench;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.isthmus.blas.Blas;
import dev.isthmus.blas.Layout;
import dev.isthmus.blas.Transpose;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What it costs to hand heap arrays to OpenBLAS, for small calls where it matters.
 *
 * <ul>
 *   <li>{@code *Binding}: {@link Blas}, i.e. argument checks plus a critical downcall on heap
 *       segments (no copy);</li>
 *   <li>{@code *CopyToNative}: the alternative without critical calls, which cannot take heap
 *       segments: copy the inputs into preallocated native memory, call, copy the output back;</li>
 *   <li>{@code *NativeOnly}: a plain downcall on data already in native memory, the floor of the
 *       non-critical path.</li>
 * </ul>
 * sdot runs on {@code size*size} elements and sgemm on {@code size x size} matrices.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class BlasCallBenchmark {
    /** Ratios in the report are against the binding of the same routine. */
    public static String baseline(String method) {
        return method.startsWith("sdot") ? "sdotBinding" : "sgemmBinding";
    }

    @Param({"4", "16", "64"})
    int size;

    @Param({"COOPERLAKE"})
    String coretype;

    float[] x;
    float[] y;
    float[] c;
    Arena arena;
    MemorySegment nx;
    MemorySegment ny;
    MemorySegment nc;
    MethodHandle sdot;
    MethodHandle sgemm;

    @Setup(Level.Trial)
    public void setup() {
        ForkSetup.pin(coretype, 1);
        int len = size * size;
        SplittableRandom random = new SplittableRandom(7);
        x = new float[len];
        y = new float[len];
        c = new float[len];
        for (int i = 0; i < len; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
            y[i] = (float) random.nextDouble(-1, 1);
        }
        arena = Arena.ofConfined();
        nx = arena.allocateFrom(JAVA_FLOAT, x);
        ny = arena.allocateFrom(JAVA_FLOAT, y);
        nc = arena.allocate(JAVA_FLOAT, len);
        sdot = RawBlas.sdot();
        sgemm = RawBlas.sgemm(false);
        float viaBinding = sdotBinding();
        float viaCopy = sdotCopyToNative();
        if (viaBinding != viaCopy) {
            throw new IllegalStateException("sdot differs between paths: " + viaBinding + " vs " + viaCopy);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float sdotBinding() {
        return Blas.sdot(x.length, x, 0, 1, y, 0, 1);
    }

    @Benchmark
    public float sdotCopyToNative() {
        MemorySegment.copy(x, 0, nx, JAVA_FLOAT, 0, x.length);
        MemorySegment.copy(y, 0, ny, JAVA_FLOAT, 0, y.length);
        try {
            return (float) sdot.invokeExact(x.length, nx, 1, ny, 1);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Benchmark
    public float sdotNativeOnly() {
        try {
            return (float) sdot.invokeExact(x.length, nx, 1, ny, 1);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Benchmark
    public float[] sgemmBinding() {
        Blas.sgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, size, size, size,
                1f, x, 0, size, y, 0, size, 0f, c, 0, size);
        return c;
    }

    @Benchmark
    public float[] sgemmCopyToNative() {
        MemorySegment.copy(x, 0, nx, JAVA_FLOAT, 0, x.length);
        MemorySegment.copy(y, 0, ny, JAVA_FLOAT, 0, y.length);
        try {
            sgemm.invokeExact(101, 111, 111, size, size, size, 1f, nx, size, ny, size, 0f, nc, size);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        MemorySegment.copy(nc, JAVA_FLOAT, 0, c, 0, c.length);
        return c;
    }

    @Benchmark
    public MemorySegment sgemmNativeOnly() {
        try {
            sgemm.invokeExact(101, 111, 111, size, size, size, 1f, nx, size, ny, size, 0f, nc, size);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return nc;
    }
}
