package dev.isthmus.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused optimizer updates on the Vector API: each call is one pass over {@code n} parameters that
 * reads every parameter, gradient and state element once and writes the parameter and its state
 * once.
 *
 * <p>The formulas are PyTorch's (SGD with momentum, dampening 0; AdaGrad without learning-rate
 * decay; RMSprop without momentum, not centered; Adam and AdamW), so hyperparameters carry over.
 * State arrays start as zeros. Parameters, gradients and each state array must not overlap one
 * another. A NaN gradient makes its parameter NaN; nothing is skipped or clipped. Weight decay is
 * computed even when it is 0, so a parameter that is already infinite becomes NaN. Decaying state
 * (velocity, mean squares, Adam's moments) that falls below {@link Float#MIN_NORMAL} in magnitude
 * is stored as zero: subnormal arithmetic is a slow path on x86, and a weight whose gradient stays
 * zero would otherwise decay into it and stay there.
 */
public final class Optimizers {
    private static final VectorSpecies<Float> S = Species.FLOAT;

    private Optimizers() {}

    /**
     * Stochastic gradient descent: {@code g = grad + weightDecay * param},
     * {@code velocity = momentum * velocity + g}, {@code param -= lr * (nesterov ? g + momentum * velocity : velocity)};
     * with {@code momentum == 0} it is {@code param -= lr * g} and velocity is neither read nor written (it may be null).
     *
     * @throws IllegalArgumentException on a bad array, offset or size, lr or weightDecay negative or not finite,
     *                                  momentum outside [0, 1), or nesterov with momentum 0
     */
    public static void sgd(float[] param, int paramOff, float[] grad, int gradOff, float[] velocity, int velocityOff,
                           int n, float lr, float momentum, float weightDecay, boolean nesterov) {
        checkSgd(param, paramOff, grad, gradOff, velocity, velocityOff, n, lr, momentum, weightDecay, nesterov);
        int i;
        if (momentum == 0f) {
            i = sgdBody(param, paramOff, grad, gradOff, n, lr, weightDecay);
        } else if (nesterov) {
            i = nesterovBody(param, paramOff, grad, gradOff, velocity, velocityOff, n, lr, momentum, weightDecay);
        } else {
            i = momentumBody(param, paramOff, grad, gradOff, velocity, velocityOff, n, lr, momentum, weightDecay);
        }
        // scalar tail
        ScalarOptimizers.sgdRange(param, paramOff, grad, gradOff, velocity, velocityOff, i, n, lr, momentum,
                weightDecay, nesterov);
    }

    /**
     * AdaGrad (Duchi et al., 2011): {@code g = grad + weightDecay * param}, {@code sumSquares += g * g},
     * {@code param -= lr * g / (sqrt(sumSquares) + eps)}.
     *
     * @throws IllegalArgumentException on a bad array, offset or size, lr or weightDecay negative or not finite,
     *                                  or eps not positive and finite
     */
    public static void adagrad(float[] param, int paramOff, float[] grad, int gradOff, float[] sumSquares,
                               int sumSquaresOff, int n, float lr, float eps, float weightDecay) {
        checkAdagrad(param, paramOff, grad, gradOff, sumSquares, sumSquaresOff, n, lr, eps, weightDecay);
        int i = adagradBody(param, paramOff, grad, gradOff, sumSquares, sumSquaresOff, n, lr, eps, weightDecay);
        // scalar tail
        ScalarOptimizers.adagradRange(param, paramOff, grad, gradOff, sumSquares, sumSquaresOff, i, n, lr, eps,
                weightDecay);
    }

    /**
     * RMSprop (Hinton, 2012): {@code g = grad + weightDecay * param},
     * {@code meanSquare = rho * meanSquare + (1 - rho) * g * g}, {@code param -= lr * g / (sqrt(meanSquare) + eps)}.
     *
     * @param rho the decay of the running mean of squares (PyTorch's alpha), usually 0.9 or 0.99
     * @throws IllegalArgumentException on a bad array, offset or size, lr or weightDecay negative or not finite,
     *                                  rho outside [0, 1), or eps not positive and finite
     */
    public static void rmsprop(float[] param, int paramOff, float[] grad, int gradOff, float[] meanSquare,
                               int meanSquareOff, int n, float lr, float rho, float eps, float weightDecay) {
        checkRmsprop(param, paramOff, grad, gradOff, meanSquare, meanSquareOff, n, lr, rho, eps, weightDecay);
        int i = rmspropBody(param, paramOff, grad, gradOff, meanSquare, meanSquareOff, n, lr, rho, 1f - rho, eps,
                weightDecay);
        // scalar tail
        ScalarOptimizers.rmspropRange(param, paramOff, grad, gradOff, meanSquare, meanSquareOff, i, n, lr, rho,
                1f - rho, eps, weightDecay);
    }

    /**
     * Adam (Kingma and Ba, 2015) with bias correction: {@code m = beta1 * m + (1 - beta1) * g},
     * {@code v = beta2 * v + (1 - beta2) * g * g},
     * {@code param -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps)}. With {@code decoupled}
     * it is AdamW (Loshchilov and Hutter, 2019): the parameter first shrinks by {@code lr * weightDecay * param}
     * and g is the gradient; otherwise {@code g = grad + weightDecay * param} (L2 regularization).
     *
     * @param step the number of this update, counting from 1, for the bias correction
     * @throws IllegalArgumentException on a bad array, offset or size, lr or weightDecay negative or not finite,
     *                                  beta1 or beta2 outside [0, 1), eps not positive and finite, or step < 1
     */
    public static void adam(float[] param, int paramOff, float[] grad, int gradOff, float[] m, int mOff,
                            float[] v, int vOff, int n, float lr, float beta1, float beta2, float eps, long step,
                            float weightDecay, boolean decoupled) {
        checkAdam(param, paramOff, grad, gradOff, m, mOff, v, vOff, n, lr, beta1, beta2, eps, step, weightDecay);
        float stepSize = ScalarOptimizers.adamStepSize(lr, beta1, step);
        float invSqrtCorrection2 = ScalarOptimizers.adamInverseSqrtCorrection2(beta2, step);
        float l2 = decoupled ? 0f : weightDecay;
        float shrink = decoupled ? ScalarOptimizers.adamWShrink(lr, weightDecay) : 1f;
        int i = adamBody(param, paramOff, grad, gradOff, m, mOff, v, vOff, n, beta1, 1f - beta1, beta2, 1f - beta2,
                eps, stepSize, invSqrtCorrection2, l2, shrink);
        // scalar tail
        ScalarOptimizers.adamRange(param, paramOff, grad, gradOff, m, mOff, v, vOff, i, n, beta1, 1f - beta1, beta2,
                1f - beta2, eps, stepSize, invSqrtCorrection2, l2, shrink);
    }

    // Each body handles whole vectors and returns where the scalar tail starts. The operations and
    // their order are exactly those of the scalar loops in ScalarOptimizers, so the two agree bit for bit.

    /** {@link ScalarOptimizers#flush} per lane: subnormal decaying state becomes zero. */
    private static FloatVector flush(FloatVector x) {
        return x.blend(0f, x.abs().compare(VectorOperators.LT, Float.MIN_NORMAL));
    }

    private static int sgdBody(float[] param, int paramOff, float[] grad, int gradOff, int n, float lr,
                               float weightDecay) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector p = FloatVector.fromArray(S, param, paramOff + i);
            FloatVector g = FloatVector.fromArray(S, grad, gradOff + i).add(p.mul(weightDecay));
            p.sub(g.mul(lr)).intoArray(param, paramOff + i);
        }
        return bound;
    }

    private static int momentumBody(float[] param, int paramOff, float[] grad, int gradOff, float[] velocity,
                                    int velocityOff, int n, float lr, float momentum, float weightDecay) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector p = FloatVector.fromArray(S, param, paramOff + i);
            FloatVector g = FloatVector.fromArray(S, grad, gradOff + i).add(p.mul(weightDecay));
            FloatVector v = flush(FloatVector.fromArray(S, velocity, velocityOff + i).mul(momentum).add(g));
            v.intoArray(velocity, velocityOff + i);
            p.sub(v.mul(lr)).intoArray(param, paramOff + i);
        }
        return bound;
    }

    private static int nesterovBody(float[] param, int paramOff, float[] grad, int gradOff, float[] velocity,
                                    int velocityOff, int n, float lr, float momentum, float weightDecay) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector p = FloatVector.fromArray(S, param, paramOff + i);
            FloatVector g = FloatVector.fromArray(S, grad, gradOff + i).add(p.mul(weightDecay));
            FloatVector v = flush(FloatVector.fromArray(S, velocity, velocityOff + i).mul(momentum).add(g));
            v.intoArray(velocity, velocityOff + i);
            p.sub(g.add(v.mul(momentum)).mul(lr)).intoArray(param, paramOff + i);
        }
        return bound;
    }

    private static int adagradBody(float[] param, int paramOff, float[] grad, int gradOff, float[] sumSquares,
                                   int sumSquaresOff, int n, float lr, float eps, float weightDecay) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector p = FloatVector.fromArray(S, param, paramOff + i);
            FloatVector g = FloatVector.fromArray(S, grad, gradOff + i).add(p.mul(weightDecay));
            FloatVector s = FloatVector.fromArray(S, sumSquares, sumSquaresOff + i).add(g.mul(g));
            s.intoArray(sumSquares, sumSquaresOff + i);
            p.sub(g.div(s.sqrt().add(eps)).mul(lr)).intoArray(param, paramOff + i);
        }
        return bound;
    }

    private static int rmspropBody(float[] param, int paramOff, float[] grad, int gradOff, float[] meanSquare,
                                   int meanSquareOff, int n, float lr, float rho, float oneMinusRho, float eps,
                                   float weightDecay) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector p = FloatVector.fromArray(S, param, paramOff + i);
            FloatVector g = FloatVector.fromArray(S, grad, gradOff + i).add(p.mul(weightDecay));
            FloatVector s = flush(FloatVector.fromArray(S, meanSquare, meanSquareOff + i).mul(rho)
                    .add(g.mul(g).mul(oneMinusRho)));
            s.intoArray(meanSquare, meanSquareOff + i);
            p.sub(g.div(s.sqrt().add(eps)).mul(lr)).intoArray(param, paramOff + i);
        }
        return bound;
    }

    private static int adamBody(float[] param, int paramOff, float[] grad, int gradOff, float[] m, int mOff,
                                float[] v, int vOff, int n, float beta1, float oneMinusBeta1, float beta2,
                                float oneMinusBeta2, float eps, float stepSize, float invSqrtCorrection2, float l2,
                                float shrink) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector p = FloatVector.fromArray(S, param, paramOff + i);
            FloatVector g = FloatVector.fromArray(S, grad, gradOff + i).add(p.mul(l2));
            FloatVector mi = flush(FloatVector.fromArray(S, m, mOff + i).mul(beta1).add(g.mul(oneMinusBeta1)));
            FloatVector vi = flush(FloatVector.fromArray(S, v, vOff + i).mul(beta2).add(g.mul(g).mul(oneMinusBeta2)));
            mi.intoArray(m, mOff + i);
            vi.intoArray(v, vOff + i);
            FloatVector denominator = vi.sqrt().mul(invSqrtCorrection2).add(eps);
            p.mul(shrink).sub(mi.div(denominator).mul(stepSize)).intoArray(param, paramOff + i);
        }
        return bound;
    }

    static void checkSgd(float[] param, int paramOff, float[] grad, int gradOff, float[] velocity, int velocityOff,
                         int n, float lr, float momentum, float weightDecay, boolean nesterov) {
        checkArrays("sgd", param, paramOff, grad, gradOff, n);
        learningRate("sgd", lr);
        nonNegative("sgd", "weightDecay", weightDecay);
        unitInterval("sgd", "momentum", momentum);
        if (nesterov && momentum == 0f) {
            throw new IllegalArgumentException("sgd: nesterov = true needs momentum > 0, got momentum " + momentum);
        }
        if (momentum != 0f) {
            checkState("sgd", "velocity", velocity, velocityOff, n, param, paramOff, grad, gradOff);
        }
    }

    static void checkAdagrad(float[] param, int paramOff, float[] grad, int gradOff, float[] sumSquares,
                             int sumSquaresOff, int n, float lr, float eps, float weightDecay) {
        checkArrays("adagrad", param, paramOff, grad, gradOff, n);
        learningRate("adagrad", lr);
        positive("adagrad", "eps", eps);
        nonNegative("adagrad", "weightDecay", weightDecay);
        checkState("adagrad", "sumSquares", sumSquares, sumSquaresOff, n, param, paramOff, grad, gradOff);
    }

    static void checkRmsprop(float[] param, int paramOff, float[] grad, int gradOff, float[] meanSquare,
                             int meanSquareOff, int n, float lr, float rho, float eps, float weightDecay) {
        checkArrays("rmsprop", param, paramOff, grad, gradOff, n);
        learningRate("rmsprop", lr);
        unitInterval("rmsprop", "rho", rho);
        positive("rmsprop", "eps", eps);
        nonNegative("rmsprop", "weightDecay", weightDecay);
        checkState("rmsprop", "meanSquare", meanSquare, meanSquareOff, n, param, paramOff, grad, gradOff);
    }

    static void checkAdam(float[] param, int paramOff, float[] grad, int gradOff, float[] m, int mOff,
                          float[] v, int vOff, int n, float lr, float beta1, float beta2, float eps, long step,
                          float weightDecay) {
        checkArrays("adam", param, paramOff, grad, gradOff, n);
        learningRate("adam", lr);
        unitInterval("adam", "beta1", beta1);
        unitInterval("adam", "beta2", beta2);
        positive("adam", "eps", eps);
        nonNegative("adam", "weightDecay", weightDecay);
        if (step < 1) {
            throw new IllegalArgumentException("adam: step counts updates from 1, got " + step);
        }
        checkState("adam", "m", m, mOff, n, param, paramOff, grad, gradOff);
        checkState("adam", "v", v, vOff, n, param, paramOff, grad, gradOff);
        Check.disjoint("adam", "v", v, vOff, n, "m", m, mOff, n);
    }

    private static void checkArrays(String op, float[] param, int paramOff, float[] grad, int gradOff, int n) {
        Check.size(op, "n", n);
        Check.vector(op, "param", n, param, paramOff);
        Check.vector(op, "grad", n, grad, gradOff);
        Check.disjoint(op, "param", param, paramOff, n, "grad", grad, gradOff, n);
    }

    private static void checkState(String op, String name, float[] state, int stateOff, int n,
                                   float[] param, int paramOff, float[] grad, int gradOff) {
        Check.vector(op, name, n, state, stateOff);
        Check.disjoint(op, name, state, stateOff, n, "param", param, paramOff, n);
        Check.disjoint(op, name, state, stateOff, n, "grad", grad, gradOff, n);
    }

    /**
     * Two ranges of one array must not share an element: unlike an activation's output, an optimizer's
     * outputs are read back as different quantities, so even the same offset is a mistake.
     */
    private static void learningRate(String op, float lr) {
        if (!(lr >= 0f) || lr == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(op + ": lr must be finite and >= 0, got " + lr);
        }
    }

    private static void nonNegative(String op, String name, float value) {
        if (!(value >= 0f) || value == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(op + ": " + name + " must be finite and >= 0, got " + value);
        }
    }

    private static void positive(String op, String name, float value) {
        if (!(value > 0f) || value == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(op + ": " + name + " must be finite and > 0, got " + value);
        }
    }

    private static void unitInterval(String op, String name, float value) {
        if (!(value >= 0f && value < 1f)) {
            throw new IllegalArgumentException(op + ": " + name + " must be in [0, 1), got " + value);
        }
    }
}
