package dev.isthmus.nn.layer;

import dev.isthmus.kernels.Pooling;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Max pooling over {@code (channels, height, width)} samples: each channel's plane keeps the maximum
 * of every {@code size x size} window, windows {@code stride} apart, no padding. The gradient flows
 * to each window's maximum only (the first one in row-major order on ties).
 */
public final class MaxPool2d implements Layer {
    private final PoolWindow window;
    private final Shape in;
    private final Shape out;
    private Tensor input;
    private Tensor output;
    private Tensor gradInput;
    /** The plane index of each output's maximum, from the last forward call. */
    private int[] argmax;

    /**
     * Pooling of size x size windows moved by stride.
     *
     * @throws IllegalArgumentException when the input is not (channels, height, width), size or stride
     *                                  is below 1, or the window is larger than the input plane
     */
    public MaxPool2d(Shape input, int size, int stride) {
        this.window = PoolWindow.of("max_pool2d", input, size, stride);
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
        return "max_pool2d";
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
        if (argmax == null || argmax.length != y.size()) {
            argmax = new int[y.size()];
        }
        Pooling.maxPoolForward(x.data(), 0, n, window.channels(), window.height(), window.width(), window.size(),
                window.stride(), 0, y.data(), 0, argmax, 0);
        output = y;
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
        Pooling.maxPoolBackward(dy.data(), 0, argmax, 0, n, window.channels(), window.height(), window.width(),
                window.size(), window.stride(), 0, dx.data(), 0);
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
        return new MaxPool2d(in, window.size(), window.stride());
    }

    @Override
    public String toString() {
        return "MaxPool2d(" + in + " -> " + out + ", size " + window.size() + ", stride " + window.stride() + ")";
    }
}
