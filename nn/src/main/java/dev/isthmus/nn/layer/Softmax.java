package dev.isthmus.nn.layer;

import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;

import java.util.Map;

/**
 * Softmax over the features of each sample: {@code y_j = exp(x_j) / sum_k exp(x_k)}, computed
 * stably. For training a classifier, end the model with logits and use the cross-entropy losses,
 * which fuse the softmax and are exact where this layer's gradient would underflow; this layer is for
 * models that must output probabilities.
 */
public final class Softmax implements Layer {
    private final int features;
    private Tensor output;
    private Tensor gradInput;
    private boolean trained;

    /** A softmax over samples of {@code features} values. */
    public Softmax(int features) {
        ShapeCheck.positive("softmax", "features", features);
        this.features = features;
    }

    @Override
    public String kind() {
        return "softmax";
    }

    @Override
    public Shape inputShape() {
        return Shape.of(features);
    }

    @Override
    public Shape outputShape() {
        return Shape.of(features);
    }

    @Override
    public long flops() {
        return 4L * features;
    }

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        ShapeCheck.input(this, x);
        Tensor y = ShapeCheck.buffer(output, x.batch(), outputShape());
        dev.isthmus.kernels.Softmax.softmax(x.data(), 0, x.batch(), features, y.data(), 0);
        output = y;
        trained = pass.training();
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        ShapeCheck.gradient(this, trained ? output : null, dy, outputShape());
        if (!inputGradient) {
            return null;
        }
        Tensor dx = ShapeCheck.buffer(gradInput, dy.batch(), inputShape());
        dev.isthmus.kernels.Softmax.softmaxBackward(output.data(), 0, dy.batch(), features, dy.data(), 0,
                dx.data(), 0);
        gradInput = dx;
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        return Map.of();
    }

    @Override
    public Layer replica() {
        return new Softmax(features);
    }
}
