package dev.isthmus.nn.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;
import dev.isthmus.nn.layer.BatchNorm;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class InferencePlanTest {
    static Sequential mlp() {
        return Sequential.builder(1, 28, 28).seed(3).dense(256).relu().dropout(0.3f).dense(128).relu().dense(10).build();
    }

    static Sequential cnn() {
        Sequential m = Sequential.builder(1, 28, 28).seed(5)
                .conv2d(32, 3, 1, 1).batchNorm().relu().maxPool2d(2)
                .conv2d(64, 3, 1, 1).batchNorm().relu().maxPool2d(2)
                .dense(128).relu().dropout(0.5f).dense(10).build();
        randomizeBatchNorm(m, 9);
        return m;
    }

    /** Running statistics and affine parameters away from the identity, so folding has something to fold. */
    static void randomizeBatchNorm(Sequential m, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        m.layers().forEach(l -> {
            if (l instanceof BatchNorm bn) {
                for (int j = 0; j < bn.gamma().value().length; j++) {
                    bn.gamma().value()[j] = (float) (0.5 + r.nextDouble());
                    bn.beta().value()[j] = (float) (r.nextDouble() - 0.5);
                    bn.runningMean().value()[j] = (float) (r.nextDouble() - 0.5);
                    bn.runningVar().value()[j] = (float) (0.2 + r.nextDouble());
                }
            }
        });
    }

    static float[] inputs(int n, int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        return x;
    }

    static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            float tol = 1e-4f * (1 + Math.abs(expected[i]));
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                throw new AssertionError(what + ": element " + i + " expected " + expected[i] + " got " + actual[i]);
            }
        }
    }

    @Test
    void mlpMatchesTheModelAtEveryBatchSize() {
        Sequential m = mlp();
        for (PlanOptions.Kernel k : PlanOptions.Kernel.values()) {
            InferencePlan plan = m.compile(PlanOptions.DEFAULT.withKernel(k).withChunkSamples(16));
            for (int n : new int[] {1, 2, 5, 16, 33, 70}) {
                float[] x = inputs(n, 784, n);
                float[] expected = m.predict(Tensor.of(x, n, 1, 28, 28)).data();
                assertClose(expected, plan.predict(x), k + " batch " + n);
            }
        }
    }

    @Test
    void cnnMatchesTheModelWithBatchNormFolded() {
        Sequential m = cnn();
        InferencePlan plan = m.compile(PlanOptions.DEFAULT.withChunkSamples(3));
        String d = plan.describe();
        assertTrue(d.contains("batchnorm folded") && d.contains("relu fused"), d);
        for (int n : new int[] {1, 3, 7}) {
            float[] x = inputs(n, 784, 100 + n);
            float[] expected = m.predict(Tensor.of(x, n, 1, 28, 28)).data();
            assertClose(expected, plan.predict(x), "cnn batch " + n);
        }
    }

    @Test
    void multiChannelImagesStandaloneBatchNormAndSoftmax() {
        // 3 channels (layout conversion), BN after pooling (not foldable), avg pool, 1x1 conv, flatten + softmax
        Sequential m = Sequential.builder(3, 9, 7).seed(2)
                .conv2d(4, 3, 2, 1).relu().avgPool2d(2, 1).batchNorm().conv2d(5, 1, 1, 0).tanh()
                .flatten().batchNorm().dense(6).sigmoid().softmax().build();
        randomizeBatchNorm(m, 4);
        InferencePlan plan = m.compile();
        for (int n : new int[] {1, 4}) {
            float[] x = inputs(n, 3 * 9 * 7, n);
            assertClose(m.predict(Tensor.of(x, n, 3, 9, 7)).data(), plan.predict(x), "batch " + n);
        }
        // an image model output: back to channels-first
        Sequential conv = Sequential.builder(2, 6, 6).seed(8).conv2d(3, 3, 1, 0).maxPool2d(2).build();
        float[] x = inputs(2, 72, 3);
        assertClose(conv.predict(Tensor.of(x, 2, 2, 6, 6)).data(), conv.compile().predict(x), "image output");
    }

    @Test
    void concurrentCallersGetExactlyTheSingleThreadedResults() throws Exception {
        for (Sequential m : List.of(mlp(), cnn())) {
            InferencePlan plan = m.compile(PlanOptions.DEFAULT.withChunkSamples(8));
            int callers = 6;
            int[] batches = {1, 1, 3, 20, 1, 40};
            float[][] in = new float[callers][];
            float[][] expected = new float[callers][];
            for (int c = 0; c < callers; c++) {
                in[c] = inputs(batches[c], 784, 1000 + c);
                expected[c] = plan.predict(in[c]);
            }
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int c = 0; c < callers; c++) {
                    int id = c;
                    futures.add(pool.submit((Callable<Void>) () -> {
                        float[] out = new float[expected[id].length];
                        for (int rep = 0; rep < 30; rep++) {
                            plan.predict(in[id], 0, batches[id], out, 0);
                            assertArrayEquals(expected[id], out, "caller " + id + " repetition " + rep);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void steadyStatePredictAllocatesNothing() {
        for (Sequential m : List.of(mlp(), cnn())) {
            InferencePlan plan = m.compile();
            float[] x = inputs(1, 784, 1);
            float[] y = new float[10];
            // The Vector API allocates until C2 has compiled the kernels (and again briefly while a
            // method is recompiled): steady state is three rounds of 1000 calls in a row at zero bytes.
            StringBuilder seen = new StringBuilder();
            int zeros = 0;
            for (int round = 0; round < 60 && zeros < 3; round++) {
                long bytes = allocatedBy(() -> {
                    for (int i = 0; i < 500; i++) {
                        plan.predict(x, 0, 1, y, 0);
                        plan.predictClass(x, 0);
                    }
                });
                zeros = bytes == 0 ? zeros + 1 : 0;
                seen.append(bytes).append(' ');
            }
            assertEquals(3, zeros, m.layers().size() + "-layer model: bytes per round of 1000 calls: " + seen);
        }
    }

    static long allocatedBy(Runnable r) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(id);
        r.run();
        return threads.getThreadAllocatedBytes(id) - before;
    }

    @Test
    void badInputIsRejectedAndThePlanStaysUsable() {
        InferencePlan plan = mlp().compile();
        float[] x = inputs(1, 784, 1);
        float[] expected = plan.predict(x);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plan.predict(new float[783]));
        assertTrue(e.getMessage().contains("783") && e.getMessage().contains("784"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> plan.predict(Tensor.zeros(1, Shape.of(28, 28))));
        assertTrue(e.getMessage().contains("(28, 28)") || e.getMessage().contains("28"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> plan.predict(x, 0, 2, new float[20], 0));
        assertThrows(IllegalArgumentException.class, () -> plan.predict(x, 0, 1, new float[9], 0));
        assertThrows(IllegalArgumentException.class, () -> plan.predict(x, -1, 1, new float[10], 0));
        assertThrows(IllegalArgumentException.class, () -> plan.predict(x, 0, 0, new float[10], 0));
        assertThrows(IllegalArgumentException.class, () -> plan.predict((float[]) null));
        float[] shared = new float[800];
        assertThrows(IllegalArgumentException.class, () -> plan.predict(shared, 0, 1, shared, 700));
        float[] nan = x.clone();
        nan[5] = Float.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> plan.predictClass(nan, 0));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        assertArrayEquals(expected, plan.predict(x), "the plan after the errors");
    }
}
