package dev.isthmus.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Activation functions over {@code n} contiguous floats, forward and backward, on the Vector API.
 *
 * <p>Output may be the input itself (same array and offset: in place) or a disjoint range; a
 * partial overlap is an error. NaN propagates through every function. Sigmoid saturates to exactly
 * 0 or 1 instead of overflowing; exp, expm1 and tanh use the JDK's vector intrinsics, within a few
 * ulps of {@link Math}.
 */
public final class Activations {
    private static final VectorSpecies<Float> S = Species.FLOAT;

    private Activations() {}

    /** {@code y[i] = f(x[i])} for i in [0, n). */
    public static void forward(Activation f, float[] x, int xOff, float[] y, int yOff, int n) {
        checkForward(f, x, xOff, y, yOff, n);
        int i = switch (f.kind()) {
            case IDENTITY -> {
                if (x != y || xOff != yOff) {
                    System.arraycopy(x, xOff, y, yOff, n);
                }
                yield n;
            }
            case RELU -> reluBody(x, xOff, y, yOff, n);
            case LEAKY_RELU -> leakyReluBody(f.alpha(), x, xOff, y, yOff, n);
            case ELU -> eluBody(f.alpha(), x, xOff, y, yOff, n);
            case SIGMOID -> sigmoidBody(x, xOff, y, yOff, n);
            case TANH -> tanhBody(x, xOff, y, yOff, n);
        };
        // scalar tail
        for (; i < n; i++) {
            y[yOff + i] = ScalarActivations.value(f, x[xOff + i]);
        }
    }

    /**
     * {@code dx[i] = dy[i] * f'(x[i])} for i in [0, n), where {@code y = f(x)} from the forward
     * pass (ELU, sigmoid and tanh read y; ReLU and LeakyReLU read x). dx may be dy (in place).
     */
    public static void backward(Activation f, float[] x, int xOff, float[] y, int yOff,
                                float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        checkBackward(f, x, xOff, y, yOff, dy, dyOff, dx, dxOff, n);
        int i = switch (f.kind()) {
            case IDENTITY -> {
                if (dy != dx || dyOff != dxOff) {
                    System.arraycopy(dy, dyOff, dx, dxOff, n);
                }
                yield n;
            }
            case RELU -> leakyReluBackwardBody(0f, x, xOff, dy, dyOff, dx, dxOff, n);
            case LEAKY_RELU -> leakyReluBackwardBody(f.alpha(), x, xOff, dy, dyOff, dx, dxOff, n);
            case ELU -> eluBackwardBody(f.alpha(), x, xOff, y, yOff, dy, dyOff, dx, dxOff, n);
            case SIGMOID -> sigmoidBackwardBody(y, yOff, dy, dyOff, dx, dxOff, n);
            case TANH -> tanhBackwardBody(y, yOff, dy, dyOff, dx, dxOff, n);
        };
        // scalar tail
        for (; i < n; i++) {
            dx[dxOff + i] = dy[dyOff + i] * ScalarActivations.derivative(f, x[xOff + i], y[yOff + i]);
        }
    }

    /**
     * The GEMM epilogue: {@code y[i] = f(y[i] + bias[i])} in place over n elements ({@code bias} may
     * be null). Arguments were checked by the caller.
     */
    static void biasThenActivation(float[] y, int yOff, float[] bias, int biasOff, int n, Activation f) {
        if (bias != null) {
            Elementwise.add(y, yOff, bias, biasOff, y, yOff, n);
        }
        if (f.kind() != Activation.Kind.IDENTITY) {
            forward(f, y, yOff, y, yOff, n);
        }
    }

    // Each body handles whole vectors and returns where the scalar tail starts.

    private static int reluBody(float[] x, int xOff, float[] y, int yOff, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            // x <= 0 ? 0 : x is Math.max(x, 0) (NaN fails the test and stays), without the NaN
            // fix-up sequence that C2 emits for a vector max
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            v.blend(0f, v.compare(VectorOperators.LE, 0f)).intoArray(y, yOff + i);
        }
        return bound;
    }

    private static int leakyReluBody(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            // NaN fails the comparison and becomes alpha * NaN = NaN
            v.mul(alpha).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(y, yOff + i);
        }
        return bound;
    }

    private static int eluBody(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            VectorMask<Float> positive = v.compare(VectorOperators.GT, 0f);
            v.lanewise(VectorOperators.EXPM1).mul(alpha).blend(v, positive).intoArray(y, yOff + i);
        }
        return bound;
    }

    private static int sigmoidBody(float[] x, int xOff, float[] y, int yOff, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            // exp(-x) overflows to +inf for x < -88.7, and 1 / (1 + inf) is exactly 0
            FloatVector e = v.neg().lanewise(VectorOperators.EXP);
            FloatVector.broadcast(S, 1f).div(e.add(1f)).intoArray(y, yOff + i);
        }
        return bound;
    }

    private static int tanhBody(float[] x, int xOff, float[] y, int yOff, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xOff + i).lanewise(VectorOperators.TANH).intoArray(y, yOff + i);
        }
        return bound;
    }

    private static int leakyReluBackwardBody(float alpha, float[] x, int xOff, float[] dy, int dyOff,
                                             float[] dx, int dxOff, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector g = FloatVector.fromArray(S, dy, dyOff + i);
            VectorMask<Float> positive = FloatVector.fromArray(S, x, xOff + i).compare(VectorOperators.GT, 0f);
            g.mul(alpha).blend(g, positive).intoArray(dx, dxOff + i);
        }
        return bound;
    }

    private static int eluBackwardBody(float alpha, float[] x, int xOff, float[] y, int yOff,
                                       float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector g = FloatVector.fromArray(S, dy, dyOff + i);
            VectorMask<Float> positive = FloatVector.fromArray(S, x, xOff + i).compare(VectorOperators.GT, 0f);
            FloatVector negative = FloatVector.fromArray(S, y, yOff + i).add(alpha).mul(g);
            negative.blend(g, positive).intoArray(dx, dxOff + i);
        }
        return bound;
    }

    private static int sigmoidBackwardBody(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, y, yOff + i);
            FloatVector.fromArray(S, dy, dyOff + i).mul(v.mul(v.neg().add(1f))).intoArray(dx, dxOff + i);
        }
        return bound;
    }

    private static int tanhBackwardBody(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, y, yOff + i);
            FloatVector.fromArray(S, dy, dyOff + i).mul(v.mul(v).neg().add(1f)).intoArray(dx, dxOff + i);
        }
        return bound;
    }

    static void checkForward(Activation f, float[] x, int xOff, float[] y, int yOff, int n) {
        if (f == null) {
            throw new IllegalArgumentException("activation must not be null");
        }
        Check.size("activation", "n", n);
        Check.vector("activation", "x", n, x, xOff);
        Check.vector("activation", "y", n, y, yOff);
        Check.sameOrDisjoint("activation", "y", y, yOff, "x", x, xOff, n);
    }

    static void checkBackward(Activation f, float[] x, int xOff, float[] y, int yOff,
                              float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        if (f == null) {
            throw new IllegalArgumentException("activation must not be null");
        }
        Check.size("activation backward", "n", n);
        Check.vector("activation backward", "x", n, x, xOff);
        Check.vector("activation backward", "y", n, y, yOff);
        Check.vector("activation backward", "dy", n, dy, dyOff);
        Check.vector("activation backward", "dx", n, dx, dxOff);
        Check.sameOrDisjoint("activation backward", "dx", dx, dxOff, "dy", dy, dyOff, n);
        Check.sameOrDisjoint("activation backward", "dx", dx, dxOff, "x", x, xOff, n);
        Check.sameOrDisjoint("activation backward", "dx", dx, dxOff, "y", y, yOff, n);
    }
}
