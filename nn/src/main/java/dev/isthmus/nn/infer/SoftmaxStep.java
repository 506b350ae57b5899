package dev.isthmus.nn.infer;

import dev.isthmus.kernels.Softmax;
import java.util.Map;

/** Softmax over each sample's features. */
final class SoftmaxStep implements Step {
    private final int size;

    SoftmaxStep(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("softmax step: size must be >= 1, got " + size);
        }
        this.size = size;
    }

    @Override
    public String kind() {
        return "softmax";
    }

    @Override
    public int inSize() {
        return size;
    }

    @Override
    public int outSize() {
        return size;
    }

    @Override
    public void run(float[] x, int xOff, float[] y, int yOff, int rows, Workspace ws, boolean pooled) {
        Softmax.softmax(x, xOff, rows, size, y, yOff);
    }

    @Override
    public String describe() {
        return "softmax over " + size + " features";
    }

    @Override
    public long flops() {
        return 3L * size;
    }

    @Override
    public Map<String, Object> config() {
        return Map.of("size", size);
    }
}
