package dev.isthmus.kernels;

/**
 * The plain reference for {@link Optimizers}: one element at a time, the same float operations in
 * the same order, so the two agree bit for bit.
 */
public final class ScalarOptimizers {
    private ScalarOptimizers() {}

    /** Same arguments and checks as {@link Optimizers#sgd}. */
    public static void sgd(float[] param, int paramOff, float[] grad, int gradOff, float[] velocity, int velocityOff,
                           int n, float lr, float momentum, float weightDecay, boolean nesterov) {
        Optimizers.checkSgd(param, paramOff, grad, gradOff, velocity, velocityOff, n, lr, momentum, weightDecay,
                nesterov);
        sgdRange(param, paramOff, grad, gradOff, velocity, velocityOff, 0, n, lr, momentum, weightDecay, nesterov);
    }

    /** Same arguments and checks as {@link Optimizers#adagrad}. */
    public static void adagrad(float[] param, int paramOff, float[] grad, int gradOff, float[] sumSquares,
                               int sumSquaresOff, int n, float lr, float eps, float weightDecay) {
        Optimizers.checkAdagrad(param, paramOff, grad, gradOff, sumSquares, sumSquaresOff, n, lr, eps, weightDecay);
        adagradRange(param, paramOff, grad, gradOff, sumSquares, sumSquaresOff, 0, n, lr, eps, weightDecay);
    }

    /** Same arguments and checks as {@link Optimizers#rmsprop}. */
    public static void rmsprop(float[] param, int paramOff, float[] grad, int gradOff, float[] meanSquare,
                               int meanSquareOff, int n, float lr, float rho, float eps, float weightDecay) {
        Optimizers.checkRmsprop(param, paramOff, grad, gradOff, meanSquare, meanSquareOff, n, lr, rho, eps,
                weightDecay);
        rmspropRange(param, paramOff, grad, gradOff, meanSquare, meanSquareOff, 0, n, lr, rho, 1f - rho, eps,
                weightDecay);
    }

    /** Same arguments and checks as {@link Optimizers#adam}. */
    public static void adam(float[] param, int paramOff, float[] grad, int gradOff, float[] m, int mOff,
                            float[] v, int vOff, int n, float lr, float beta1, float beta2, float eps, long step,
                            float weightDecay, boolean decoupled) {
        Optimizers.checkAdam(param, paramOff, grad, gradOff, m, mOff, v, vOff, n, lr, beta1, beta2, eps, step,
                weightDecay);
        adamRange(param, paramOff, grad, gradOff, m, mOff, v, vOff, 0, n, beta1, 1f - beta1, beta2, 1f - beta2, eps,
                adamStepSize(lr, beta1, step), adamInverseSqrtCorrection2(beta2, step),
                decoupled ? 0f : weightDecay, decoupled ? adamWShrink(lr, weightDecay) : 1f);
    }

    // The per-call scalars are computed once, in double, and rounded to float once.

    /** {@code lr / (1 - beta1^step)}: the learning rate with Adam's first-moment bias correction folded in. */
    static float adamStepSize(float lr, float beta1, long step) {
        return (float) (lr / (1 - Math.pow(beta1, step)));
    }

    /** {@code 1 / sqrt(1 - beta2^step)}: Adam's second-moment bias correction, to multiply sqrt(v) by. */
    static float adamInverseSqrtCorrection2(float beta2, long step) {
        return (float) (1 / Math.sqrt(1 - Math.pow(beta2, step)));
    }

    /** {@code 1 - lr * weightDecay}: AdamW's decoupled decay as a factor on the parameter. */
    static float adamWShrink(float lr, float weightDecay) {
        return (float) (1 - (double) lr * weightDecay);
    }

    /**
     * Zero for a subnormal (|x| below {@link Float#MIN_NORMAL}), else x. Decaying state (momentum,
     * Adam's moments) of a weight whose gradient stays zero, such as a weight of an always-black pixel,
     * shrinks geometrically into the subnormal range, where x86 arithmetic takes a microcode assist per
     * element: measured, it made Adam over the Fashion-MNIST MLP's weights the larger part of a training
     * step. Zeroing it changes the update by less than 1e-38.
     */
    static float flush(float x) {
        return Math.abs(x) < Float.MIN_NORMAL ? 0f : x;
    }

    // The loops over [from, n): the reference runs them whole, the vector kernels run them on their tails.

    static void sgdRange(float[] param, int paramOff, float[] grad, int gradOff, float[] velocity, int velocityOff,
                         int from, int n, float lr, float momentum, float weightDecay, boolean nesterov) {
        for (int i = from; i < n; i++) {
            float p = param[paramOff + i];
            float g = grad[gradOff + i] + p * weightDecay;
            float step = g;
            if (momentum != 0f) {
                float v = flush(velocity[velocityOff + i] * momentum + g);
                velocity[velocityOff + i] = v;
                step = nesterov ? g + v * momentum : v;
            }
            param[paramOff + i] = p - step * lr;
        }
    }

    static void adagradRange(float[] param, int paramOff, float[] grad, int gradOff, float[] sumSquares,
                             int sumSquaresOff, int from, int n, float lr, float eps, float weightDecay) {
        for (int i = from; i < n; i++) {
            float p = param[paramOff + i];
            float g = grad[gradOff + i] + p * weightDecay;
            float s = sumSquares[sumSquaresOff + i] + g * g;
            sumSquares[sumSquaresOff + i] = s;
            param[paramOff + i] = p - g / ((float) Math.sqrt(s) + eps) * lr;
        }
    }

    static void rmspropRange(float[] param, int paramOff, float[] grad, int gradOff, float[] meanSquare,
                             int meanSquareOff, int from, int n, float lr, float rho, float oneMinusRho, float eps,
                             float weightDecay) {
        for (int i = from; i < n; i++) {
            float p = param[paramOff + i];
            float g = grad[gradOff + i] + p * weightDecay;
            float s = flush(meanSquare[meanSquareOff + i] * rho + g * g * oneMinusRho);
            meanSquare[meanSquareOff + i] = s;
            param[paramOff + i] = p - g / ((float) Math.sqrt(s) + eps) * lr;
        }
    }

    static void adamRange(float[] param, int paramOff, float[] grad, int gradOff, float[] m, int mOff,
                          float[] v, int vOff, int from, int n, float beta1, float oneMinusBeta1, float beta2,
                          float oneMinusBeta2, float eps, float stepSize, float invSqrtCorrection2, float l2,
                          float shrink) {
        for (int i = from; i < n; i++) {
            float p = param[paramOff + i];
            float g = grad[gradOff + i] + p * l2;
            float mi = flush(m[mOff + i] * beta1 + g * oneMinusBeta1);
            float vi = flush(v[vOff + i] * beta2 + g * g * oneMinusBeta2);
            m[mOff + i] = mi;
            v[vOff + i] = vi;
            // sqrt in double then rounded to float is the correctly rounded float sqrt
            float denominator = (float) Math.sqrt(vi) * invSqrtCorrection2 + eps;
            param[paramOff + i] = p * shrink - mi / denominator * stepSize;
        }
    }
}
