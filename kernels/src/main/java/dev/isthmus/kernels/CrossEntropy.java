package dev.isthmus.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Losses fused with their output activation, on the Vector API: each returns the mean loss over the
 * batch and, when {@code grad} is not null, writes the gradient of that mean with respect to the
 * logits (or predictions) into it.
 *
 * <p>The cross entropies are computed from logits through a shifted log-sum-exp, so any finite
 * logits give finite losses. NaN in a row's inputs makes the loss and that row's gradient NaN, and
 * an empty batch gives a NaN loss (a mean of nothing). {@code grad} may be the logits array at the
 * same offset (in place) or a disjoint range.
 */
public final class CrossEntropy {
    private static final VectorSpecies<Float> S = Species.FLOAT;

    private CrossEntropy() {}

    /**
     * Softmax cross entropy against class indices: the mean over rows of
     * {@code -log softmax(logits[r])[labels[r]]}, or with {@code classWeights} (nullable, one per
     * class) the weighted mean {@code sum_r w[y_r] * ce_r / sum_r w[y_r]}, whose gradient is
     * {@code w[y_r] / sum w * (softmax(logits[r]) - onehot(y_r))}.
     *
     * @throws IllegalArgumentException also for a label outside {@code [0, cols)}, naming its row
     */
    public static double sparse(float[] logits, int off, int rows, int cols, int[] labels, int labelsOff,
                                float[] classWeights, float[] grad, int gradOff) {
        double weightSum = checkSparse(logits, off, rows, cols, labels, labelsOff, classWeights, grad, gradOff);
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int xr = off + r * cols;
            int label = labels[labelsOff + r];
            double weight = classWeights == null ? 1 : classWeights[label];
            float max = Reductions.max(logits, xr, cols);
            // read before an in-place gradient overwrites it
            float target = logits[xr + label];
            float sum;
            if (grad == null) {
                sum = Softmax.expSum(logits, xr, cols, max);
            } else {
                int gr = gradOff + r * cols;
                sum = Softmax.expSum(logits, xr, cols, max, grad, gr);
                double scale = weight / weightSum;
                float labelExp = grad[gr + label];
                float alpha = (float) (scale / sum);
                int i = Elementwise.scaleBody(alpha, grad, gr, grad, gr, cols);
                // scalar tail
                for (; i < cols; i++) {
                    grad[gr + i] *= alpha;
                }
                grad[gr + label] = (float) ((labelExp / (double) sum - 1) * scale);
            }
            loss += weight * (Math.log(sum) + ((double) max - target));
        }
        return loss / weightSum;
    }

    /**
     * Softmax cross entropy against probability rows (soft labels): the mean over rows of
     * {@code -sum_j targets[r][j] * log softmax(logits[r])[j]}, with gradient
     * {@code (softmax(logits[r]) * sum_j targets[r][j] - targets[r]) / rows}.
     *
     * <p>A zero target contributes nothing even where its logit is {@code -inf} (0 log 0 = 0). grad
     * may overlay the logits (same offset) but not the targets.
     */
    public static double dense(float[] logits, int off, int rows, int cols, float[] targets, int targetsOff,
                               float[] grad, int gradOff) {
        checkDense(logits, off, rows, cols, targets, targetsOff, grad, gradOff);
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int xr = off + r * cols;
            int tr = targetsOff + r * cols;
            float max = Reductions.max(logits, xr, cols);
            float targetSum = Reductions.sum(targets, tr, cols);
            float shiftedDot = shiftedDot(logits, xr, targets, tr, cols, max);
            float sum;
            if (grad == null) {
                sum = Softmax.expSum(logits, xr, cols, max);
            } else {
                int gr = gradOff + r * cols;
                sum = Softmax.expSum(logits, xr, cols, max, grad, gr);
                float alpha = (float) (targetSum / ((double) sum * rows));
                float beta = (float) (1.0 / rows);
                int i = denseGradientBody(alpha, beta, targets, tr, grad, gr, cols);
                // scalar tail
                for (; i < cols; i++) {
                    grad[gr + i] = Math.fma(grad[gr + i], alpha, -targets[tr + i] * beta);
                }
            }
            // -sum t * (x - lse) with lse = max + log(sum): two non-negative parts, no cancellation
            loss += targetSum * Math.log(sum) - (double) shiftedDot;
        }
        return loss / rows;
    }

    /**
     * Binary cross entropy on logits: the mean over i of
     * {@code max(x, 0) - x * t + log1p(exp(-|x|))} (that is, of {@code -t log sigmoid(x) - (1 - t) log(1 - sigmoid(x))}
     * without overflow), with gradient {@code (sigmoid(x) - t) / n}; an infinite logit may give NaN.
     */
    public static double binaryWithLogits(float[] logits, int off, float[] targets, int targetsOff, int n,
                                          float[] grad, int gradOff) {
        checkElementwise("binary cross entropy", "logits", logits, off, "targets", targets, targetsOff, n,
                grad, gradOff);
        double loss = grad == null
                ? binaryLossBody(logits, off, targets, targetsOff, n)
                : binaryLossGradientBody(1f / n, logits, off, targets, targetsOff, grad, gradOff, n);
        // scalar tail
        for (int i = S.loopBound(n); i < n; i++) {
            double x = logits[off + i];
            double t = targets[targetsOff + i];
            double e = Math.exp(-Math.abs(x));
            loss += Math.max(x, 0) - x * t + Math.log1p(e);
            if (grad != null) {
                double sigmoid = x >= 0 ? 1 / (1 + e) : e / (1 + e);
                grad[gradOff + i] = (float) ((sigmoid - t) / n);
            }
        }
        return loss / n;
    }

    /**
     * Mean squared error: the mean over i of {@code (pred[i] - target[i])^2}, with gradient
     * {@code 2 (pred - target) / n}.
     */
    public static double meanSquaredError(float[] pred, int predOff, float[] target, int targetOff, int n,
                                          float[] grad, int gradOff) {
        checkElementwise("mean squared error", "pred", pred, predOff, "target", target, targetOff, n, grad, gradOff);
        float alpha = 2f / n;
        float sum = grad == null
                ? squaredErrorBody(pred, predOff, target, targetOff, n)
                : squaredErrorGradientBody(alpha, pred, predOff, target, targetOff, grad, gradOff, n);
        // scalar tail
        for (int i = S.loopBound(n); i < n; i++) {
            float d = pred[predOff + i] - target[targetOff + i];
            sum = Math.fma(d, d, sum);
            if (grad != null) {
                grad[gradOff + i] = d * alpha;
            }
        }
        return (double) sum / n;
    }

    /** The sum of {@code t[i] * (x[i] - shift)} over n floats, skipping zero targets (so 0 * -inf is 0). */
    private static float shiftedDot(float[] x, int xOff, float[] t, int tOff, int n, float shift) {
        int step = S.length();
        int bound = S.loopBound(n);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        int i = 0;
        for (; i <= bound - 2 * step; i += 2 * step) {
            FloatVector t0 = FloatVector.fromArray(S, t, tOff + i);
            FloatVector t1 = FloatVector.fromArray(S, t, tOff + i + step);
            FloatVector p0 = FloatVector.fromArray(S, x, xOff + i).sub(shift).mul(t0);
            FloatVector p1 = FloatVector.fromArray(S, x, xOff + i + step).sub(shift).mul(t1);
            a0 = a0.add(p0.blend(0f, t0.compare(VectorOperators.EQ, 0f)));
            a1 = a1.add(p1.blend(0f, t1.compare(VectorOperators.EQ, 0f)));
        }
        for (; i < bound; i += step) {
            FloatVector t0 = FloatVector.fromArray(S, t, tOff + i);
            FloatVector p0 = FloatVector.fromArray(S, x, xOff + i).sub(shift).mul(t0);
            a0 = a0.add(p0.blend(0f, t0.compare(VectorOperators.EQ, 0f)));
        }
        a0.add(a1).intoArray(Lanes.scratch(), 0);
        float s = Lanes.sum();
        // scalar tail
        for (; i < n; i++) {
            float ti = t[tOff + i];
            if (ti != 0f) {
                s += ti * (x[xOff + i] - shift);
            }
        }
        return s;
    }

    /** {@code g = g * alpha - t * beta}, g holding exp(x - max); returns where the scalar tail starts. */
    private static int denseGradientBody(float alpha, float beta, float[] t, int tOff, float[] g, int gOff, int n) {
        int bound = S.loopBound(n);
        FloatVector a = FloatVector.broadcast(S, alpha);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector target = FloatVector.fromArray(S, t, tOff + i).mul(-beta);
            FloatVector.fromArray(S, g, gOff + i).fma(a, target).intoArray(g, gOff + i);
        }
        return bound;
    }

    // The loss bodies cover whole vectors and return their sum; the caller adds the scalar tail from
    // S.loopBound(n). Loss-only and loss-and-gradient bodies sum in the same order, so the loss does
    // not depend on whether a gradient was asked for.

    private static float binaryLossBody(float[] x, int xOff, float[] t, int tOff, int n) {
        int step = S.length();
        int bound = S.loopBound(n);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        int i = 0;
        for (; i <= bound - 2 * step; i += 2 * step) {
            FloatVector x0 = FloatVector.fromArray(S, x, xOff + i);
            FloatVector x1 = FloatVector.fromArray(S, x, xOff + i + step);
            FloatVector e0 = x0.abs().neg().lanewise(VectorOperators.EXP);
            FloatVector e1 = x1.abs().neg().lanewise(VectorOperators.EXP);
            FloatVector l0 = x0.max(0f).sub(x0.mul(FloatVector.fromArray(S, t, tOff + i)));
            FloatVector l1 = x1.max(0f).sub(x1.mul(FloatVector.fromArray(S, t, tOff + i + step)));
            a0 = a0.add(l0.add(e0.lanewise(VectorOperators.LOG1P)));
            a1 = a1.add(l1.add(e1.lanewise(VectorOperators.LOG1P)));
        }
        for (; i < bound; i += step) {
            FloatVector x0 = FloatVector.fromArray(S, x, xOff + i);
            FloatVector e0 = x0.abs().neg().lanewise(VectorOperators.EXP);
            FloatVector l0 = x0.max(0f).sub(x0.mul(FloatVector.fromArray(S, t, tOff + i)));
            a0 = a0.add(l0.add(e0.lanewise(VectorOperators.LOG1P)));
        }
        a0.add(a1).intoArray(Lanes.scratch(), 0);
        return Lanes.sum();
    }

    private static float binaryLossGradientBody(float inverseN, float[] x, int xOff, float[] t, int tOff,
                                                float[] g, int gOff, int n) {
        int step = S.length();
        int bound = S.loopBound(n);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        int i = 0;
        for (; i <= bound - 2 * step; i += 2 * step) {
            FloatVector x0 = FloatVector.fromArray(S, x, xOff + i);
            FloatVector x1 = FloatVector.fromArray(S, x, xOff + i + step);
            FloatVector t0 = FloatVector.fromArray(S, t, tOff + i);
            FloatVector t1 = FloatVector.fromArray(S, t, tOff + i + step);
            // e = exp(-|x|) is in (0, 1], so neither 1 / (1 + e) nor e / (1 + e) overflows
            FloatVector e0 = x0.abs().neg().lanewise(VectorOperators.EXP);
            FloatVector e1 = x1.abs().neg().lanewise(VectorOperators.EXP);
            a0 = a0.add(x0.max(0f).sub(x0.mul(t0)).add(e0.lanewise(VectorOperators.LOG1P)));
            a1 = a1.add(x1.max(0f).sub(x1.mul(t1)).add(e1.lanewise(VectorOperators.LOG1P)));
            FloatVector r0 = FloatVector.broadcast(S, 1f).div(e0.add(1f));
            FloatVector r1 = FloatVector.broadcast(S, 1f).div(e1.add(1f));
            FloatVector s0 = r0.mul(e0).blend(r0, x0.compare(VectorOperators.GE, 0f));
            FloatVector s1 = r1.mul(e1).blend(r1, x1.compare(VectorOperators.GE, 0f));
            s0.sub(t0).mul(inverseN).intoArray(g, gOff + i);
            s1.sub(t1).mul(inverseN).intoArray(g, gOff + i + step);
        }
        for (; i < bound; i += step) {
            FloatVector x0 = FloatVector.fromArray(S, x, xOff + i);
            FloatVector t0 = FloatVector.fromArray(S, t, tOff + i);
            FloatVector e0 = x0.abs().neg().lanewise(VectorOperators.EXP);
            a0 = a0.add(x0.max(0f).sub(x0.mul(t0)).add(e0.lanewise(VectorOperators.LOG1P)));
            FloatVector r0 = FloatVector.broadcast(S, 1f).div(e0.add(1f));
            FloatVector s0 = r0.mul(e0).blend(r0, x0.compare(VectorOperators.GE, 0f));
            s0.sub(t0).mul(inverseN).intoArray(g, gOff + i);
        }
        a0.add(a1).intoArray(Lanes.scratch(), 0);
        return Lanes.sum();
    }

    private static float squaredErrorBody(float[] p, int pOff, float[] t, int tOff, int n) {
        int step = S.length();
        int bound = S.loopBound(n);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        int i = 0;
        for (; i <= bound - 2 * step; i += 2 * step) {
            FloatVector d0 = FloatVector.fromArray(S, p, pOff + i).sub(FloatVector.fromArray(S, t, tOff + i));
            FloatVector d1 = FloatVector.fromArray(S, p, pOff + i + step)
                    .sub(FloatVector.fromArray(S, t, tOff + i + step));
            a0 = d0.fma(d0, a0);
            a1 = d1.fma(d1, a1);
        }
        for (; i < bound; i += step) {
            FloatVector d0 = FloatVector.fromArray(S, p, pOff + i).sub(FloatVector.fromArray(S, t, tOff + i));
            a0 = d0.fma(d0, a0);
        }
        a0.add(a1).intoArray(Lanes.scratch(), 0);
        return Lanes.sum();
    }

    private static float squaredErrorGradientBody(float alpha, float[] p, int pOff, float[] t, int tOff,
                                                  float[] g, int gOff, int n) {
        int step = S.length();
        int bound = S.loopBound(n);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        int i = 0;
        for (; i <= bound - 2 * step; i += 2 * step) {
            FloatVector d0 = FloatVector.fromArray(S, p, pOff + i).sub(FloatVector.fromArray(S, t, tOff + i));
            FloatVector d1 = FloatVector.fromArray(S, p, pOff + i + step)
                    .sub(FloatVector.fromArray(S, t, tOff + i + step));
            a0 = d0.fma(d0, a0);
            a1 = d1.fma(d1, a1);
            d0.mul(alpha).intoArray(g, gOff + i);
            d1.mul(alpha).intoArray(g, gOff + i + step);
        }
        for (; i < bound; i += step) {
            FloatVector d0 = FloatVector.fromArray(S, p, pOff + i).sub(FloatVector.fromArray(S, t, tOff + i));
            a0 = d0.fma(d0, a0);
            d0.mul(alpha).intoArray(g, gOff + i);
        }
        a0.add(a1).intoArray(Lanes.scratch(), 0);
        return Lanes.sum();
    }

    /** Validates every argument and label; returns the sum of the rows' weights (rows when unweighted). */
    static double checkSparse(float[] logits, int off, int rows, int cols, int[] labels, int labelsOff,
                              float[] classWeights, float[] grad, int gradOff) {
        String op = "sparse cross entropy";
        Check.size(op, "rows", rows);
        Check.size(op, "cols", cols);
        Check.matrix(op, "logits", rows, cols, logits, off, Math.max(1, cols));
        Check.vector(op, "labels", rows, labels, labelsOff);
        if (classWeights != null) {
            Check.vector(op, "classWeights", cols, classWeights, 0);
        }
        if (grad != null) {
            Check.matrix(op, "grad", rows, cols, grad, gradOff, Math.max(1, cols));
            Check.sameOrDisjoint(op, "grad", grad, gradOff, "logits", logits, off, rows * cols);
            if (classWeights != null) {
                Check.disjoint(op, "grad", grad, gradOff, rows * cols, "classWeights", classWeights, 0, cols);
            }
        }
        double weightSum = 0;
        for (int r = 0; r < rows; r++) {
            int label = labels[labelsOff + r];
            if (label < 0 || label >= cols) {
                throw new IllegalArgumentException(op + ": label of row " + r + " is " + label
                        + ", outside [0, " + cols + ")");
            }
            weightSum += classWeights == null ? 1 : classWeights[label];
        }
        return weightSum;
    }

    static void checkDense(float[] logits, int off, int rows, int cols, float[] targets, int targetsOff,
                           float[] grad, int gradOff) {
        String op = "dense cross entropy";
        Check.size(op, "rows", rows);
        Check.size(op, "cols", cols);
        if (rows > 0 && cols == 0) {
            throw new IllegalArgumentException(op + ": rows are empty (cols = 0) but rows = " + rows
                    + ": there is no distribution to compare");
        }
        Check.matrix(op, "logits", rows, cols, logits, off, Math.max(1, cols));
        Check.matrix(op, "targets", rows, cols, targets, targetsOff, Math.max(1, cols));
        if (grad != null) {
            Check.matrix(op, "grad", rows, cols, grad, gradOff, Math.max(1, cols));
            Check.sameOrDisjoint(op, "grad", grad, gradOff, "logits", logits, off, rows * cols);
            // the gradient pass reads the targets after grad has been written
            Check.disjoint(op, "grad", grad, gradOff, rows * cols, "targets", targets, targetsOff, rows * cols);
        }
    }

    static void checkElementwise(String op, String inName, float[] in, int inOff, String targetName, float[] target,
                                 int targetOff, int n, float[] grad, int gradOff) {
        Check.size(op, "n", n);
        Check.vector(op, inName, n, in, inOff);
        Check.vector(op, targetName, n, target, targetOff);
        if (grad != null) {
            Check.vector(op, "grad", n, grad, gradOff);
            Check.sameOrDisjoint(op, "grad", grad, gradOff, inName, in, inOff, n);
            Check.sameOrDisjoint(op, "grad", grad, gradOff, targetName, target, targetOff, n);
        }
    }
}
