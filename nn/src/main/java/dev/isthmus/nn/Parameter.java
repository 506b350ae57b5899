package dev.isthmus.nn;

/**
 * A trainable array of a layer and its gradient, with the L1 and L2 penalties the optimizer adds
 * for it ({@code l1 * sign(w)} and {@code l2 * w} to the gradient, that is
 * {@code l1 * sum|w| + l2 / 2 * sum w^2} in the loss). A layer's backward pass overwrites
 * {@link #grad()}; an optimizer reads it and updates {@link #value()} in place.
 */
public final class Parameter {
    private final String name;
    private final Shape shape;
    private final float[] value;
    private final float[] grad;
    private float l1;
    private float l2;

    /** A parameter over {@code value} (not copied) with a fresh zero gradient. */
    public Parameter(String name, Shape shape, float[] value) {
        if (value == null || value.length != shape.size()) {
            throw new IllegalArgumentException("parameter " + name + " of shape " + shape + " needs " + shape.size()
                    + " values, got " + (value == null ? "null" : value.length));
        }
        this.name = name;
        this.shape = shape;
        this.value = value;
        this.grad = new float[value.length];
    }

    /** Its name within the layer: {@code weight}, {@code bias}, {@code gamma}, {@code running_mean}... */
    public String name() {
        return name;
    }

    public Shape shape() {
        return shape;
    }

    /** The values, updated in place by optimizers. */
    public float[] value() {
        return value;
    }

    /** The gradient of the loss with respect to the values, written by the layer's backward pass. */
    public float[] grad() {
        return grad;
    }

    public int size() {
        return value.length;
    }

    public float l1() {
        return l1;
    }

    public float l2() {
        return l2;
    }

    /**
     * Sets this parameter's L1 and L2 penalty coefficients.
     *
     * @throws IllegalArgumentException when either is negative or not finite
     */
    public void regularize(float l1, float l2) {
        if (!(l1 >= 0 && l1 < Float.POSITIVE_INFINITY) || !(l2 >= 0 && l2 < Float.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("parameter " + name + ": l1 " + l1 + " and l2 " + l2
                    + " must be finite and >= 0");
        }
        this.l1 = l1;
        this.l2 = l2;
    }

    /** A parameter sharing these values (and penalties) with a gradient of its own, for a training worker. */
    public Parameter withOwnGradient() {
        Parameter p = new Parameter(name, shape, value);
        p.l1 = l1;
        p.l2 = l2;
        return p;
    }

    @Override
    public String toString() {
        return name + shape;
    }
}
