package dev.isthmus.nn.layer;

import dev.isthmus.kernels.Activation;
import dev.isthmus.kernels.Activations;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An element-wise activation: ReLU, LeakyReLU(alpha), ELU(alpha), sigmoid or tanh, applied to every
 * element of any input shape. Create one with {@link #relu}, {@link #leakyRelu}, {@link #elu},
 * {@link #sigmoid} or {@link #tanh}.
 */
public final class ActivationLayer implements Layer {
    private final Activation f;
    private final Shape shape;
    private Tensor input;
    private Tensor output;
    private Tensor gradInput;

    private ActivationLayer(Activation f, Shape shape) {
        if (shape == null) {
            throw new IllegalArgumentException("activation: shape is null");
        }
        this.f = f;
        this.shape = shape;
    }

    /** {@code max(0, x)}. */
    public static ActivationLayer relu(Shape shape) {
        return new ActivationLayer(Activation.RELU, shape);
    }

    /** {@code x} for positive x, {@code alpha * x} otherwise (alpha in [0, 1), typically 0.01). */
    public static ActivationLayer leakyRelu(Shape shape, float alpha) {
        return new ActivationLayer(Activation.leakyRelu(alpha), shape);
    }

    /** {@code x} for positive x, {@code alpha * (exp(x) - 1)} otherwise (alpha > 0, typically 1). */
    public static ActivationLayer elu(Shape shape, float alpha) {
        return new ActivationLayer(Activation.elu(alpha), shape);
    }

    /** {@code 1 / (1 + exp(-x))}. */
    public static ActivationLayer sigmoid(Shape shape) {
        return new ActivationLayer(Activation.SIGMOID, shape);
    }

    /** {@code tanh(x)}. */
    public static ActivationLayer tanh(Shape shape) {
        return new ActivationLayer(Activation.TANH, shape);
    }

    /** The kernel activation this layer applies. */
    public Activation activation() {
        return f;
    }

    @Override
    public String kind() {
        return switch (f.kind()) {
            case IDENTITY -> "identity";
            case RELU -> "relu";
            case LEAKY_RELU -> "leaky_relu";
            case ELU -> "elu";
            case SIGMOID -> "sigmoid";
            case TANH -> "tanh";
        };
    }

    @Override
    public Shape inputShape() {
        return shape;
    }

    @Override
    public Shape outputShape() {
        return shape;
    }

    @Override
    public long flops() {
        return shape.size();
    }

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        ShapeCheck.input(this, x);
        Tensor y = ShapeCheck.buffer(output, x.batch(), shape);
        Activations.forward(f, x.data(), 0, y.data(), 0, x.size());
        output = y;
        input = pass.training() ? x : null;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        ShapeCheck.gradient(this, input, dy, shape);
        if (!inputGradient) {
            return null;
        }
        Tensor dx = ShapeCheck.buffer(gradInput, dy.batch(), shape);
        Activations.backward(f, input.data(), 0, output.data(), 0, dy.data(), 0, dx.data(), 0, dy.size());
        gradInput = dx;
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        if (f.kind() == Activation.Kind.LEAKY_RELU || f.kind() == Activation.Kind.ELU) {
            c.put("alpha", f.alpha());
        }
        return c;
    }

    @Override
    public Layer replica() {
        return new ActivationLayer(f, shape);
    }

    @Override
    public String toString() {
        return kind() + shape;
    }
}
