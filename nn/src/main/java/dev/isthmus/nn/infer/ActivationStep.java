package dev.isthmus.nn.infer;

import dev.isthmus.kernels.Activation;
import dev.isthmus.kernels.Activations;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** An activation that follows something other than a product (else it is fused into the product). */
final class ActivationStep implements Step {
    private final int size;
    private final Activation activation;

    ActivationStep(int size, Activation activation) {
        if (size < 1) {
            throw new IllegalArgumentException("activation step: size must be >= 1, got " + size);
        }
        this.size = size;
        this.activation = activation;
    }

    @Override
    public String kind() {
        return "activation";
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
        Activations.forward(activation, x, xOff, y, yOff, rows * size);
    }

    @Override
    public String describe() {
        return activation.kind().name().toLowerCase(Locale.ROOT) + " over " + size + " values";
    }

    @Override
    public long flops() {
        return size;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("size", size);
        c.put("activation", activation.kind().name().toLowerCase(Locale.ROOT));
        c.put("alpha", activation.alpha());
        return c;
    }
}
