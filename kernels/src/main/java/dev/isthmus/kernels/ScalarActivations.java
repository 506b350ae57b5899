package dev.isthmus.kernels;

/** The plain reference for {@link Activations}: one element at a time, in double where it helps. */
public final class ScalarActivations {
    private ScalarActivations() {}

    /** Same arguments and checks as {@link Activations#forward}. */
    public static void forward(Activation f, float[] x, int xOff, float[] y, int yOff, int n) {
        Activations.checkForward(f, x, xOff, y, yOff, n);
        for (int i = 0; i < n; i++) {
            y[yOff + i] = value(f, x[xOff + i]);
        }
    }

    /** Same arguments and checks as {@link Activations#backward}. */
    public static void backward(Activation f, float[] x, int xOff, float[] y, int yOff,
                                float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        Activations.checkBackward(f, x, xOff, y, yOff, dy, dyOff, dx, dxOff, n);
        for (int i = 0; i < n; i++) {
            dx[dxOff + i] = dy[dyOff + i] * derivative(f, x[xOff + i], y[yOff + i]);
        }
    }

    /** f(x). */
    public static float value(Activation f, float x) {
        return switch (f.kind()) {
            case IDENTITY -> x;
            case RELU -> Math.max(x, 0f);
            case LEAKY_RELU -> x > 0 ? x : f.alpha() * x;
            case ELU -> x > 0 ? x : (float) (f.alpha() * Math.expm1(x));
            case SIGMOID -> (float) (1 / (1 + Math.exp(-(double) x)));
            case TANH -> (float) Math.tanh(x);
        };
    }

    /** f'(x), given x and y = f(x). */
    public static float derivative(Activation f, float x, float y) {
        return switch (f.kind()) {
            case IDENTITY -> 1f;
            case RELU -> x > 0 ? 1f : 0f;
            case LEAKY_RELU -> x > 0 ? 1f : f.alpha();
            case ELU -> x > 0 ? 1f : y + f.alpha();
            case SIGMOID -> y * (1 - y);
            case TANH -> 1 - y * y;
        };
    }
}
