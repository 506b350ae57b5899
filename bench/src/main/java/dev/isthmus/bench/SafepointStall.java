package dev.isthmus.bench;

import dev.isthmus.blas.Blas;
import dev.isthmus.blas.Layout;
import dev.isthmus.blas.Transpose;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How long a garbage collection waits while another thread runs a large GEMM through a critical
 * downcall: a critical call does not leave the Java thread state, so a safepoint waits for it to
 * return. Compares {@link Blas#sgemm} (split into pieces of at most ~2^31 flops) with one critical
 * call for the whole product, in the same run. Not a JMH benchmark: it measures a latency another
 * thread sees, not a throughput.
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar
 * dev.isthmus.bench.SafepointStall [n] [gcs]}
 */
public final class SafepointStall {
    private SafepointStall() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
        int gcs = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        ForkSetup.pin(System.getProperty("isthmus.blas.coretype", "COOPERLAKE"), 1);
        float[] a = new float[n * n];
        float[] b = new float[n * n];
        float[] c = new float[n * n];
        Arrays.fill(a, 0.5f);
        Arrays.fill(b, 0.25f);
        MethodHandle whole = RawBlas.sgemm(true);
        Runnable split = () -> Blas.sgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, n, n, n,
                1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        Runnable oneCall = () -> {
            try {
                whole.invokeExact(101, 111, 111, n, n, n, 1f, MemorySegment.ofArray(a), n,
                        MemorySegment.ofArray(b), n, 0f, MemorySegment.ofArray(c), n);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        };
        long t0 = System.nanoTime();
        oneCall.run();
        double callMs = (System.nanoTime() - t0) / 1e6;
        System.out.printf(Locale.ROOT, "n=%d: one GEMM call takes %.1f ms on one thread%n", n, callMs);
        double[] idleMs = gcLatencies(Thread::onSpinWait, gcs);
        double[] splitMs = gcLatencies(split, gcs);
        double[] wholeMs = gcLatencies(oneCall, gcs);
        System.out.printf(Locale.ROOT, "System.gc() latency while GEMMs run  | median ms | p90 ms | max ms%n");
        System.out.printf(Locale.ROOT, "no GEMM running                       | %9.1f | %6.1f | %6.1f%n",
                pct(idleMs, 50), pct(idleMs, 90), pct(idleMs, 100));
        System.out.printf(Locale.ROOT, "Blas.sgemm (split)                    | %9.1f | %6.1f | %6.1f%n",
                pct(splitMs, 50), pct(splitMs, 90), pct(splitMs, 100));
        System.out.printf(Locale.ROOT, "one critical call                     | %9.1f | %6.1f | %6.1f%n",
                pct(wholeMs, 50), pct(wholeMs, 90), pct(wholeMs, 100));
    }

    /** Runs {@code gemm} in a loop on another thread and times {@code gcs} calls of System.gc() meanwhile. */
    private static double[] gcLatencies(Runnable gemm, int gcs) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        Thread worker = new Thread(() -> {
            while (!stop.get()) {
                gemm.run();
            }
        });
        worker.start();
        Thread.sleep(200);
        double[] ms = new double[gcs];
        for (int i = 0; i < gcs; i++) {
            long t = System.nanoTime();
            System.gc();
            ms[i] = (System.nanoTime() - t) / 1e6;
            Thread.sleep(7 + i % 11); // land at different points of the GEMM
        }
        stop.set(true);
        worker.join();
        return ms;
    }

    private static double pct(double[] values, int p) {
        double[] s = values.clone();
        Arrays.sort(s);
        int i = (int) Math.ceil(p / 100.0 * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, i))];
    }
}
