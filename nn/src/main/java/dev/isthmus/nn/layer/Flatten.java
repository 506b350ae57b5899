package dev.isthmus.nn.layer;

import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;

import java.util.Map;

/** Reshapes each sample to one dimension, {@code (c, h, w) -> (c * h * w)}, without copying. */
public final class Flatten implements Layer {
    private final Shape in;
    private final Shape out;
    private int lastBatch = -1;

    public Flatten(Shape inputShape) {
        if (inputShape == null) {
            throw new IllegalArgumentException("flatten: input shape is null");
        }
        this.in = inputShape;
        this.out = Shape.of(inputShape.size());
    }

    @Override
    public String kind() {
        return "flatten";
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
        return 0;
    }

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        ShapeCheck.input(this, x);
        lastBatch = pass.training() ? x.batch() : -1;
        return x.reshape(x.batch(), out.size());
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        if (lastBatch < 0) {
            throw new IllegalStateException("flatten: backward called before a training forward pass");
        }
        if (dy == null || dy.batch() != lastBatch || !dy.sampleShape().equals(out)) {
            throw new IllegalArgumentException("flatten: expected an output gradient of shape "
                    + java.util.Arrays.toString(out.withBatch(lastBatch)) + ", got "
                    + (dy == null ? "null" : java.util.Arrays.toString(dy.shape())));
        }
        return inputGradient ? dy.reshape(in.withBatch(dy.batch())) : null;
    }

    @Override
    public Map<String, Object> config() {
        return Map.of();
    }

    @Override
    public Layer replica() {
        return new Flatten(in);
    }
}
