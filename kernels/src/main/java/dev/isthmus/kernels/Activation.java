package dev.isthmus.kernels;

/**
 * An elementwise activation function with its parameter: the slope for negative inputs of
 * {@link Kind#LEAKY_RELU}, the saturation value of {@link Kind#ELU}, unused otherwise.
 */
public record Activation(Kind kind, float alpha) {
    /** The functions. */
    public enum Kind { IDENTITY, RELU, LEAKY_RELU, ELU, SIGMOID, TANH }

    public static final Activation IDENTITY = new Activation(Kind.IDENTITY, 0f);
    public static final Activation RELU = new Activation(Kind.RELU, 0f);
    public static final Activation SIGMOID = new Activation(Kind.SIGMOID, 0f);
    public static final Activation TANH = new Activation(Kind.TANH, 0f);

    public Activation {
        if (kind == null) {
            throw new IllegalArgumentException("activation kind must not be null");
        }
        if (!Float.isFinite(alpha)) {
            throw new IllegalArgumentException(kind + ": alpha must be finite, got " + alpha);
        }
    }

    /** {@code x > 0 ? x : alpha * x}; the usual alpha is 0.01. */
    public static Activation leakyRelu(float alpha) {
        return new Activation(Kind.LEAKY_RELU, alpha);
    }

    /** {@code x > 0 ? x : alpha * (exp(x) - 1)} (Clevert et al., 2015); the usual alpha is 1. */
    public static Activation elu(float alpha) {
        return new Activation(Kind.ELU, alpha);
    }
}
