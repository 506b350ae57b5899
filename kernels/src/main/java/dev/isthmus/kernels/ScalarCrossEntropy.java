package dev.isthmus.kernels;

/** The plain reference for {@link CrossEntropy}: one element at a time, everything in double. */
public final class ScalarCrossEntropy {
    private ScalarCrossEntropy() {}

    /** Same arguments, checks and result as {@link CrossEntropy#sparse}. */
    public static double sparse(float[] logits, int off, int rows, int cols, int[] labels, int labelsOff,
                                float[] classWeights, float[] grad, int gradOff) {
        double weightSum = CrossEntropy.checkSparse(logits, off, rows, cols, labels, labelsOff, classWeights,
                grad, gradOff);
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int xr = off + r * cols;
            int label = labels[labelsOff + r];
            double weight = classWeights == null ? 1 : classWeights[label];
            float max = ScalarReductions.max(logits, xr, cols);
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += Math.exp((double) logits[xr + j] - max);
            }
            loss += weight * (Math.log(sum) + ((double) max - logits[xr + label]));
            if (grad != null) {
                double scale = weight / weightSum;
                for (int j = 0; j < cols; j++) {
                    double p = Math.exp((double) logits[xr + j] - max) / sum;
                    grad[gradOff + r * cols + j] = (float) (scale * (p - (j == label ? 1 : 0)));
                }
            }
        }
        return loss / weightSum;
    }

    /** Same arguments, checks and result as {@link CrossEntropy#dense}. */
    public static double dense(float[] logits, int off, int rows, int cols, float[] targets, int targetsOff,
                               float[] grad, int gradOff) {
        CrossEntropy.checkDense(logits, off, rows, cols, targets, targetsOff, grad, gradOff);
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int xr = off + r * cols;
            int tr = targetsOff + r * cols;
            float max = ScalarReductions.max(logits, xr, cols);
            double sum = 0;
            double targetSum = 0;
            for (int j = 0; j < cols; j++) {
                sum += Math.exp((double) logits[xr + j] - max);
                targetSum += targets[tr + j];
            }
            // -sum t (x - max - log(sum)), where 0 * log 0 = 0: a zero target ignores its logit, even
            // -inf; a NaN logit still makes log(sum) NaN
            double shiftedDot = 0;
            for (int j = 0; j < cols; j++) {
                double t = targets[tr + j];
                if (t != 0) {
                    shiftedDot += t * ((double) logits[xr + j] - max);
                }
            }
            loss += targetSum * Math.log(sum) - shiftedDot;
            if (grad != null) {
                for (int j = 0; j < cols; j++) {
                    double p = Math.exp((double) logits[xr + j] - max) / sum;
                    grad[gradOff + r * cols + j] = (float) ((p * targetSum - targets[tr + j]) / rows);
                }
            }
        }
        return loss / rows;
    }

    /** Same arguments, checks and result as {@link CrossEntropy#binaryWithLogits}. */
    public static double binaryWithLogits(float[] logits, int off, float[] targets, int targetsOff, int n,
                                          float[] grad, int gradOff) {
        CrossEntropy.checkElementwise("binary cross entropy", "logits", logits, off, "targets", targets, targetsOff,
                n, grad, gradOff);
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double x = logits[off + i];
            double t = targets[targetsOff + i];
            loss += Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
            if (grad != null) {
                double sigmoid = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
                grad[gradOff + i] = (float) ((sigmoid - t) / n);
            }
        }
        return loss / n;
    }

    /** Same arguments, checks and result as {@link CrossEntropy#meanSquaredError}. */
    public static double meanSquaredError(float[] pred, int predOff, float[] target, int targetOff, int n,
                                          float[] grad, int gradOff) {
        CrossEntropy.checkElementwise("mean squared error", "pred", pred, predOff, "target", target, targetOff,
                n, grad, gradOff);
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) pred[predOff + i] - target[targetOff + i];
            loss += d * d;
            if (grad != null) {
                grad[gradOff + i] = (float) (2 * d / n);
            }
        }
        return loss / n;
    }
}
