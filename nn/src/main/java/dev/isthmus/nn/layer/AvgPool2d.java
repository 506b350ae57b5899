package dev.isthmus.nn.layer;

import dev.isthmus.kernels.Pooling;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Average pooling over {@code (channels, height, width)} samples: each channel's plane keeps the mean
 * of every {@code size x size} window, windows {@code stride} apart, no padding.
 */
public final class AvgPool2d implements Layer {
    private final PoolWindow window;
    private final Shape in;
    private final Shape out;
    private Tensor input;
    private Tensor output;
    private Tensor gradInput;

    /**
     * Pooling of size x size windows moved by stride.
     *
     * @throws IllegalArgumentException when the input is not (channels, height, width), size or stride
     *                                  is below 1, or the window is larger than the input plane
     */
    public AvgPool2d(Shape input, int size, int stride) {
        this.window = PoolWindow.of("avg_pool2d", input, size, stride);
        this.in = window.inputShape();
        this.out = window.outputShape();
    }

    /** The side of the square window. */
    public int size() {
        return window.size();
    }

    /** The step between windows. */
    public int stride() {
        return window.stride();
    }

    @Override
    public String kind() {
        return "avg_pool2d";
    }

    @Override
    public Shape inputShape() {
        return in;
    }

    @Override
    public Shape outputShape() {
        return out;
    }

    @Override
    public long flops() {
        return window.reads();
    }

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        ShapeCheck.input(this, x);
        int n = x.batch();
        Tensor y = ShapeCheck.buffer(output, n, out);
        Pooling.avgPoolForward(x.data(), 0, n, window.channels(), window.height(), window.width(), window.size(),
                window.stride(), 0, y.data(), 0);
        output = y;
        // backward needs only the batch size, but holding the input is how every layer marks a training pass
        input = pass.training() ? x : null;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        ShapeCheck.gradient(this, input, dy, out);
        if (!inputGradient) {
            return null;
        }
        int n = dy.batch();
        Tensor dx = ShapeCheck.buffer(gradInput, n, in);
        Pooling.avgPoolBackward(dy.data(), 0, n, window.channels(), window.height(), window.width(), window.size(),
                window.stride(), 0, dx.data(), 0);
        gradInput = dx;
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("size", window.size());
        c.put("stride", window.stride());
        return c;
    }

    @Override
    public Layer replica() {
        return new AvgPool2d(in, window.size(), window.stride());
    }

    @Override
    public String toString() {
        return "AvgPool2d(" + in + " -> " + out + ", size " + window.size() + ", stride " + window.stride() + ")";
    }
}
