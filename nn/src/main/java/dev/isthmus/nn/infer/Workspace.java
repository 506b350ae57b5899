package dev.isthmus.nn.infer;

import java.util.function.IntConsumer;

/**
 * What one thread writes while it runs a plan: two ping-pong buffers for the activations between
 * steps, the scratch array (im2col), the bytes of quantized steps, an output row for {@link InferencePlan#predictClass}, and the
 * reusable task that spreads a large batch's chunks over the pool. Arrays grow to the largest chunk
 * the workspace has carried and are then reused, so steady-state calls allocate nothing.
 */
final class Workspace {
    private final InferencePlan plan;
    float[] a = new float[0];
    float[] b = new float[0];
    float[] scratch = new float[0];
    /** int8 activations and im2col rows of quantized steps. */
    byte[] bytes = new byte[0];
    final float[] row;
    final ChunkTask task;
    private int rows;

    Workspace(InferencePlan plan) {
        this.plan = plan;
        this.row = new float[plan.outputSize()];
        this.task = new ChunkTask();
    }

    /** Makes the arrays hold {@code n} samples. */
    void ensure(int n) {
        if (n <= rows) {
            return;
        }
        a = new float[Math.multiplyExact(n, plan.widestActivation())];
        b = new float[a.length];
        scratch = new float[Math.multiplyExact(n, plan.widestScratch())];
        bytes = new byte[Math.multiplyExact(n, plan.widestBytes())];
        rows = n;
    }

    /** One call's large batch: part p runs chunk p on whichever pool thread takes it. */
    final class ChunkTask implements IntConsumer {
        float[] x;
        int xOff;
        float[] y;
        int yOff;
        int batch;

        @Override
        public void accept(int part) {
            plan.runPart(part, x, xOff, y, yOff, batch);
        }

        void clear() {
            x = null;
            y = null;
        }
    }
}
