package dev.isthmus.nn.infer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A batch normalization that could not be folded into a preceding product (it follows an activation,
 * a pooling layer or the input): {@code y = x * scale[c] + shift[c]} with c the feature, or the
 * channel of a channels-last image (the innermost index).
 */
final class AffineStep implements Step {
    private final int size;
    private final float[] scale;
    private final float[] shift;

    AffineStep(int size, float[] scale, float[] shift) {
        if (scale.length < 1 || scale.length != shift.length || size % scale.length != 0) {
            throw new IllegalArgumentException("affine step: " + scale.length + " scales and " + shift.length
                    + " shifts do not divide samples of " + size + " floats");
        }
        this.size = size;
        this.scale = scale;
        this.shift = shift;
    }

    @Override
    public String kind() {
        return "affine";
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
        int c = scale.length;
        int groups = rows * (size / c);
        for (int g = 0; g < groups; g++) {
            int base = g * c;
            for (int j = 0; j < c; j++) {
                y[yOff + base + j] = x[xOff + base + j] * scale[j] + shift[j];
            }
        }
    }

    @Override
    public String describe() {
        return "batchnorm as a per-channel scale and shift over " + scale.length + " channels (not foldable)";
    }

    @Override
    public long flops() {
        return 2L * size;
    }

    @Override
    public long weightBytes() {
        return 8L * scale.length;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("size", size);
        c.put("channels", scale.length);
        return c;
    }

    @Override
    public Map<String, float[]> tensors() {
        Map<String, float[]> t = new LinkedHashMap<>();
        t.put("scale", scale);
        t.put("shift", shift);
        return t;
    }
}
