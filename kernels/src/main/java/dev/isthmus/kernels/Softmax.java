package dev.isthmus.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax and log-softmax over each row of a row-major {@code rows x cols} matrix (rows
 * contiguous), forward and backward, on the Vector API.
 *
 * <p>Each row is shifted by its maximum before {@code exp}, so logits of any finite magnitude give
 * finite results. A row with no finite maximum (all {@code -inf}, or holding {@code +inf} or NaN)
 * has no meaningful softmax and becomes all NaN; {@code -inf} next to finite logits gives
 * probability 0 (log-probability {@code -inf}). Output may be the input itself (same array and
 * offset) or a disjoint range.
 */
public final class Softmax {
    private static final VectorSpecies<Float> S = Species.FLOAT;

    private Softmax() {}

    /** {@code y[r][j] = exp(x[r][j]) / sum_k exp(x[r][k])} for every row r. */
    public static void softmax(float[] x, int xOff, int rows, int cols, float[] y, int yOff) {
        checkForward("softmax", x, xOff, rows, cols, y, yOff);
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * cols;
            int yr = yOff + r * cols;
            float max = Reductions.max(x, xr, cols);
            float inverse = 1f / expSum(x, xr, cols, max, y, yr);
            int i = Elementwise.scaleBody(inverse, y, yr, y, yr, cols);
            // scalar tail
            for (; i < cols; i++) {
                y[yr + i] *= inverse;
            }
        }
    }

    /** {@code y[r][j] = x[r][j] - log(sum_k exp(x[r][k]))} for every row r. */
    public static void logSoftmax(float[] x, int xOff, int rows, int cols, float[] y, int yOff) {
        checkForward("logSoftmax", x, xOff, rows, cols, y, yOff);
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * cols;
            int yr = yOff + r * cols;
            float max = Reductions.max(x, xr, cols);
            float logSum = (float) Math.log(expSum(x, xr, cols, max));
            int i = logSoftmaxBody(x, xr, max, logSum, y, yr, cols);
            // scalar tail
            for (; i < cols; i++) {
                y[yr + i] = (x[xr + i] - max) - logSum;
            }
        }
    }

    /**
     * Given {@code y = softmax(x)} and {@code dy = dL/dy}, writes {@code dx = dL/dx = y * (dy - sum(dy * y))}
     * row by row; dx may be y or dy (in place).
     */
    public static void softmaxBackward(float[] y, int yOff, int rows, int cols, float[] dy, int dyOff,
                                       float[] dx, int dxOff) {
        checkBackward("softmaxBackward", y, yOff, rows, cols, dy, dyOff, dx, dxOff);
        for (int r = 0; r < rows; r++) {
            int yr = yOff + r * cols;
            int dyr = dyOff + r * cols;
            int dxr = dxOff + r * cols;
            float dot = Reductions.dot(y, yr, dy, dyr, cols);
            int i = softmaxBackwardBody(dot, y, yr, dy, dyr, dx, dxr, cols);
            // scalar tail
            for (; i < cols; i++) {
                dx[dxr + i] = y[yr + i] * (dy[dyr + i] - dot);
            }
        }
    }

    /**
     * Given {@code y = logSoftmax(x)} and {@code dy = dL/dy}, writes {@code dx = dL/dx = dy - exp(y) * sum(dy)}
     * row by row; dx may be y or dy (in place).
     */
    public static void logSoftmaxBackward(float[] y, int yOff, int rows, int cols, float[] dy, int dyOff,
                                          float[] dx, int dxOff) {
        checkBackward("logSoftmaxBackward", y, yOff, rows, cols, dy, dyOff, dx, dxOff);
        for (int r = 0; r < rows; r++) {
            int yr = yOff + r * cols;
            int dyr = dyOff + r * cols;
            int dxr = dxOff + r * cols;
            float sum = Reductions.sum(dy, dyr, cols);
            int i = logSoftmaxBackwardBody(sum, y, yr, dy, dyr, dx, dxr, cols);
            // scalar tail
            for (; i < cols; i++) {
                dx[dxr + i] = Math.fma((float) Math.exp(y[yr + i]), -sum, dy[dyr + i]);
            }
        }
    }

    // Row primitives, shared with CrossEntropy: vector loop, one reduction, scalar tail.

    /** The sum of {@code exp(x[i] - shift)} over n floats. */
    static float expSum(float[] x, int xOff, int n, float shift) {
        int step = S.length();
        int bound = S.loopBound(n);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        int i = 0;
        for (; i <= bound - 2 * step; i += 2 * step) {
            a0 = a0.add(FloatVector.fromArray(S, x, xOff + i).sub(shift).lanewise(VectorOperators.EXP));
            a1 = a1.add(FloatVector.fromArray(S, x, xOff + i + step).sub(shift).lanewise(VectorOperators.EXP));
        }
        for (; i < bound; i += step) {
            a0 = a0.add(FloatVector.fromArray(S, x, xOff + i).sub(shift).lanewise(VectorOperators.EXP));
        }
        a0.add(a1).intoArray(Lanes.scratch(), 0);
        float s = Lanes.sum();
        // scalar tail
        for (; i < n; i++) {
            s += (float) Math.exp(x[xOff + i] - shift);
        }
        return s;
    }

    /** The sum of {@code e[i] = exp(x[i] - shift)} over n floats, also writing each e[i] to out (which may be x). */
    static float expSum(float[] x, int xOff, int n, float shift, float[] out, int outOff) {
        int step = S.length();
        int bound = S.loopBound(n);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        int i = 0;
        for (; i <= bound - 2 * step; i += 2 * step) {
            FloatVector e0 = FloatVector.fromArray(S, x, xOff + i).sub(shift).lanewise(VectorOperators.EXP);
            FloatVector e1 = FloatVector.fromArray(S, x, xOff + i + step).sub(shift).lanewise(VectorOperators.EXP);
            e0.intoArray(out, outOff + i);
            e1.intoArray(out, outOff + i + step);
            a0 = a0.add(e0);
            a1 = a1.add(e1);
        }
        for (; i < bound; i += step) {
            FloatVector e0 = FloatVector.fromArray(S, x, xOff + i).sub(shift).lanewise(VectorOperators.EXP);
            e0.intoArray(out, outOff + i);
            a0 = a0.add(e0);
        }
        a0.add(a1).intoArray(Lanes.scratch(), 0);
        float s = Lanes.sum();
        // scalar tail
        for (; i < n; i++) {
            float e = (float) Math.exp(x[xOff + i] - shift);
            out[outOff + i] = e;
            s += e;
        }
        return s;
    }

    // Each body handles whole vectors and returns where the scalar tail starts.

    private static int logSoftmaxBody(float[] x, int xOff, float max, float logSum, float[] y, int yOff, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            // two subtractions, not one of (max + logSum): that sum would round away log-probabilities
            // near 0 when the logits are large
            FloatVector.fromArray(S, x, xOff + i).sub(max).sub(logSum).intoArray(y, yOff + i);
        }
        return bound;
    }

    private static int softmaxBackwardBody(float dot, float[] y, int yOff, float[] dy, int dyOff,
                                           float[] dx, int dxOff, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector g = FloatVector.fromArray(S, dy, dyOff + i).sub(dot);
            FloatVector.fromArray(S, y, yOff + i).mul(g).intoArray(dx, dxOff + i);
        }
        return bound;
    }

    private static int logSoftmaxBackwardBody(float sum, float[] y, int yOff, float[] dy, int dyOff,
                                              float[] dx, int dxOff, int n) {
        int bound = S.loopBound(n);
        FloatVector minusSum = FloatVector.broadcast(S, -sum);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector p = FloatVector.fromArray(S, y, yOff + i).lanewise(VectorOperators.EXP);
            p.fma(minusSum, FloatVector.fromArray(S, dy, dyOff + i)).intoArray(dx, dxOff + i);
        }
        return bound;
    }

    static void checkForward(String op, float[] x, int xOff, int rows, int cols, float[] y, int yOff) {
        Check.size(op, "rows", rows);
        Check.size(op, "cols", cols);
        Check.matrix(op, "x", rows, cols, x, xOff, Math.max(1, cols));
        Check.matrix(op, "y", rows, cols, y, yOff, Math.max(1, cols));
        Check.sameOrDisjoint(op, "y", y, yOff, "x", x, xOff, rows * cols);
    }

    static void checkBackward(String op, float[] y, int yOff, int rows, int cols, float[] dy, int dyOff,
                              float[] dx, int dxOff) {
        Check.size(op, "rows", rows);
        Check.size(op, "cols", cols);
        Check.matrix(op, "y", rows, cols, y, yOff, Math.max(1, cols));
        Check.matrix(op, "dy", rows, cols, dy, dyOff, Math.max(1, cols));
        Check.matrix(op, "dx", rows, cols, dx, dxOff, Math.max(1, cols));
        Check.sameOrDisjoint(op, "dx", dx, dxOff, "y", y, yOff, rows * cols);
        Check.sameOrDisjoint(op, "dx", dx, dxOff, "dy", dy, dyOff, rows * cols);
    }
}
