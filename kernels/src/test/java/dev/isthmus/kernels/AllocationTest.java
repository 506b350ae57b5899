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

    /** The int8 product of a quantized plan at batch 1, both epilogues, on the caller's thread. */
    @Test
    void int8BatchOneProductsAllocateNothingOnceWarm() {
        int k = 784;
        int n = 300;
        byte[] w = new byte[k * n];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) (i * 31);
        }
        Int8Matrix packed = Int8Matrix.pack(k, n, w, 0, n);
        byte[] x = new byte[3 * k];
        java.util.Arrays.fill(x, (byte) 3);
        int[] offset = new int[n];
        float[] multiplier = new float[n];
        java.util.Arrays.fill(multiplier, 1e-4f);
        float[] rowScale = {0.1f};
        byte[] y = new byte[3 * n];
        float[] z = new float[n];
        Runnable layers = () -> {
            Int8Gemm.gemm(1, x, 0, k, packed, offset, multiplier, -3, true, y, 0, n, 1);
            Int8Gemm.gemm(1, x, 0, k, packed, null, rowScale, 0, multiplier, null, false, z, 0, n, 1);
            Int8Gemm.gemm(3, x, 0, k, packed, offset, multiplier, 0, false, y, 0, n, 1);
        };
        long bytes = -1;
        for (int round = 0; round < 5 && bytes != 0; round++) {
            allocatedBy(layers, 5_000);
            bytes = allocatedBy(layers, 1_000);
        }
        assertEquals(0, bytes, "bytes allocated by 1000 warm calls");
    }
}
