package dev.isthmus.nn.layer;

import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;

/** The checks and buffer reuse every layer does around its kernel calls. */
final class ShapeCheck {
    private ShapeCheck() {}

    /** Throws unless x is a batch of the layer's input samples. */
    static void input(Layer layer, Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException(layer.kind() + ": input is null");
        }
        Shape s = x.sampleShape();
        if (!s.equals(layer.inputShape())) {
            throw new IllegalArgumentException(layer.kind() + ": expected input samples of shape " + layer.inputShape()
                    + ", got a batch of shape " + java.util.Arrays.toString(x.shape()));
        }
    }

    /** Throws unless the gradient has the shape of the last output. */
    static void gradient(Layer layer, Tensor lastOutputOrInput, Tensor dy, Shape expected) {
        if (lastOutputOrInput == null) {
            throw new IllegalStateException(layer.kind() + ": backward called before a training forward pass");
        }
        if (dy == null) {
            throw new IllegalArgumentException(layer.kind() + ": output gradient is null");
        }
        if (dy.batch() != lastOutputOrInput.batch() || !dy.sampleShape().equals(expected)) {
            throw new IllegalArgumentException(layer.kind() + ": expected an output gradient of shape "
                    + java.util.Arrays.toString(expected.withBatch(lastOutputOrInput.batch())) + ", got "
                    + java.util.Arrays.toString(dy.shape()));
        }
    }

    /** {@code cached} when it holds n samples of this shape, else a new zero tensor. */
    static Tensor buffer(Tensor cached, int n, Shape sample) {
        return cached != null && cached.batch() == n ? cached : Tensor.zeros(n, sample);
    }

    /**
     * Throws unless the sample shape is an image {@code (channels, height, width)}. Called before any
     * field is computed from the dimensions, so that a dense shape fails here with its name and not
     * with an index error.
     */
    static void image(String layer, Shape input) {
        if (input == null) {
            throw new IllegalArgumentException(layer + ": input shape is null");
        }
        if (input.rank() != 3) {
            throw new IllegalArgumentException(layer + ": expected input samples of shape (channels, height, width), got "
                    + input);
        }
    }

    static void positive(String layer, String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(layer + ": " + what + " must be >= 1, got " + value);
        }
    }
}
