package dev.isthmus.nn.layer;

import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Inverted dropout: in a training pass each element is zeroed with probability {@code rate} and the
 * others are scaled by {@code 1 / (1 - rate)}, so that an inference pass is the identity. The mask of
 * an element is a function of the seed, the pass's step and the element's position in the whole
 * batch ({@link Pass#firstRow()} plus its row in this tensor): a batch split between threads gets the
 * masks it would get in one piece, and replaying a step replays its masks.
 */
public final class Dropout implements Layer {
    private final Shape shape;
    private final float rate;
    private final long seed;
    private Tensor input;
    private Tensor output;
    private Tensor gradInput;
    /** The last training pass's mask, one float per element: 0 or 1 / (1 - rate). */
    private float[] mask;

    /**
     * Dropout of samples of this shape.
     *
     * @param rate the probability of dropping an element, in [0, 1)
     * @throws IllegalArgumentException when the shape is null or the rate is out of range
     */
    public Dropout(Shape input, float rate, long seed) {
        if (input == null) {
            throw new IllegalArgumentException("dropout: input shape is null");
        }
        if (!(rate >= 0f && rate < 1f)) {
            throw new IllegalArgumentException("dropout: rate must be in [0, 1), got " + rate);
        }
        this.shape = input;
        this.rate = rate;
        this.seed = seed;
    }

    @Override
    public String kind() {
        return "dropout";
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
        if (!pass.training()) {
            input = null;
            return x;
        }
        int n = x.batch();
        int sampleSize = shape.size();
        Tensor y = ShapeCheck.buffer(output, n, shape);
        if (mask == null || mask.length != y.size()) {
            mask = new float[y.size()];
        }
        long firstIndex;
        try {
            firstIndex = Math.multiplyExact(pass.firstRow(), (long) sampleSize);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("dropout: first row " + pass.firstRow() + " of samples of "
                    + sampleSize + " elements puts the mask index past 2^63 - 1");
        }
        dev.isthmus.kernels.Dropout.mask(seed, pass.step(), firstIndex, rate, mask, 0, mask.length);
        dev.isthmus.kernels.Dropout.apply(x.data(), 0, mask, 0, y.data(), 0, y.size());
        output = y;
        input = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        ShapeCheck.gradient(this, input, dy, shape);
        if (!inputGradient) {
            return null;
        }
        Tensor dx = ShapeCheck.buffer(gradInput, dy.batch(), shape);
        dev.isthmus.kernels.Dropout.backward(dy.data(), 0, mask, 0, dx.data(), 0, dx.size());
        gradInput = dx;
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("rate", rate);
        c.put("seed", seed);
        return c;
    }

    @Override
    public Layer replica() {
        return new Dropout(shape, rate, seed);
    }

    @Override
    public String toString() {
        return "Dropout" + shape + "(rate " + rate + ")";
    }
}
