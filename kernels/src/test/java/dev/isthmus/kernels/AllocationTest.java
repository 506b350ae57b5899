package dev.isthmus.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * Batch-1 inference calls must not allocate once warm: they run millions of times in services
 * that care about GC pauses. Measured with the JVM's per-thread allocation counter.
 */
class AllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static long allocatedBy(Runnable call, int times) {
        long id = Thread.currentThread().threadId();
        long before = THREADS.getThreadAllocatedBytes(id);
        for (int i = 0; i < times; i++) {
            call.run();
        }
        return THREADS.getThreadAllocatedBytes(id) - before;
    }

    @Test
    void denseLayersAtBatchOneAllocateNothingOnceWarm() {
        float[] w1 = new float[784 * 256];
        float[] w2 = new float[128 * 256];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = (i % 13) * 0.01f - 0.06f;
        }
        for (int i = 0; i < w2.length; i++) {
            w2[i] = (i % 7) * 0.01f - 0.03f;
        }
        PackedMatrix packed = PackedMatrix.pack(false, 784, 256, w1, 0, 256);
        float[] bias = new float[256];
        float[] x = new float[784];
        float[] y = new float[256];
        float[] z = new float[128];
        java.util.Arrays.fill(x, 0.5f);
        Runnable layers = () -> {
            Gemm.sgemm(false, 1, 1f, x, 0, 784, packed, 0f, y, 0, 256, bias, 0, Activation.RELU);
            Gemv.sgemv(false, 128, 256, 1f, w2, 0, 256, y, 0, 0f, z, 0, null, 0, Activation.SIGMOID);
            Gemm.sgemm(false, false, 1, 256, 784, 1f, x, 0, 784, w1, 0, 256, 0f, y, 0, 256, bias, 0, Activation.TANH);
        };
        // Until C2 has compiled the kernels, interpreted Vector API code allocates boxes; on a busy
        // machine that can take a while, so warm up in rounds. A call that really allocates fails
        // every round.
        long bytes = -1;
        for (int round = 0; round < 5 && bytes != 0; round++) {
            allocatedBy(layers, 20_000);
            bytes = allocatedBy(layers, 2_000);
        }
        assertEquals(0, bytes, "bytes allocated by 2000 warm calls");
    }

    /** Large batch-1 layers too: batch 1 never goes to the pool, so nothing is allocated per call. */
    @Test
    void largeBatchOneLayersAllocateNothingOnceWarm() {
        int k = 1024;
        int n = 2048;
        float[] w = new float[k * n];
        java.util.Arrays.fill(w, 0.01f);
        PackedMatrix packed = PackedMatrix.pack(false, k, n, w, 0, n);
        float[] x = new float[k];
        float[] y = new float[n];
        float[] z = new float[k];
        Runnable layers = () -> {
            Gemm.sgemm(false, 1, 1f, x, 0, k, packed, 0f, y, 0, n, null, 0, Activation.RELU);
            Gemv.sgemv(false, k, n, 1f, w, 0, n, y, 0, 0f, z, 0);
        };
        long bytes = -1;
        for (int round = 0; round < 5 && bytes != 0; round++) {
            allocatedBy(layers, 2_000);
            bytes = allocatedBy(layers, 300);
        }
        assertEquals(0, bytes, "bytes allocated by 300 warm calls");
    }
}
