package dev.isthmus.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise arithmetic over {@code n} contiguous floats on the Vector API.
 *
 * <p>The output may be an input itself (same array and offset: in place) or a disjoint range; a
 * partial overlap is an error. NaN propagates through every operation.
 */
public final class Elementwise {
    private static final VectorSpecies<Float> S = Species.FLOAT;

    private Elementwise() {}

    /** {@code out[i] = a[i] + b[i]} for i in [0, n). */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        checkBinary("add", a, aOff, b, bOff, out, outOff, n);
        int i = addBody(a, aOff, b, bOff, out, outOff, n);
        // scalar tail
        for (; i < n; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    /** {@code out[i] = a[i] * b[i]} for i in [0, n). */
    public static void multiply(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        checkBinary("multiply", a, aOff, b, bOff, out, outOff, n);
        int i = multiplyBody(a, aOff, b, bOff, out, outOff, n);
        // scalar tail
        for (; i < n; i++) {
            out[outOff + i] = a[aOff + i] * b[bOff + i];
        }
    }

    /** {@code out[i] = alpha * x[i]} for i in [0, n). */
    public static void scale(float alpha, float[] x, int xOff, float[] out, int outOff, int n) {
        checkUnary("scale", x, xOff, out, outOff, n);
        int i = scaleBody(alpha, x, xOff, out, outOff, n);
        // scalar tail
        for (; i < n; i++) {
            out[outOff + i] = alpha * x[xOff + i];
        }
    }

    /** {@code y[i] += alpha * x[i]} for i in [0, n), with one rounding per element (fused multiply-add). */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        checkAxpy(x, xOff, y, yOff, n);
        int i = axpyBody(alpha, x, xOff, y, yOff, n);
        // scalar tail
        for (; i < n; i++) {
            y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
        }
    }

    /**
     * {@code out[i] = min(max(x[i], lo), hi)} for i in [0, n); NaN stays NaN.
     *
     * @throws IllegalArgumentException unless {@code lo <= hi} (so also when either is NaN)
     */
    public static void clamp(float lo, float hi, float[] x, int xOff, float[] out, int outOff, int n) {
        checkClamp(lo, hi, x, xOff, out, outOff, n);
        int i = clampBody(lo, hi, x, xOff, out, outOff, n);
        // scalar tail
        for (; i < n; i++) {
            out[outOff + i] = Math.min(Math.max(x[xOff + i], lo), hi);
        }
    }

    // Each body handles whole vectors and returns where the scalar tail starts.

    private static int addBody(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector.fromArray(S, a, aOff + i).add(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, outOff + i);
        }
        return bound;
    }

    private static int multiplyBody(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector.fromArray(S, a, aOff + i).mul(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, outOff + i);
        }
        return bound;
    }

    /** Also the normalization step of {@link Softmax} and {@link CrossEntropy}. */
    static int scaleBody(float alpha, float[] x, int xOff, float[] out, int outOff, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xOff + i).mul(alpha).intoArray(out, outOff + i);
        }
        return bound;
    }

    private static int axpyBody(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int bound = S.loopBound(n);
        FloatVector a = FloatVector.broadcast(S, alpha);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xOff + i).fma(a, FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        return bound;
    }

    private static int clampBody(float lo, float hi, float[] x, int xOff, float[] out, int outOff, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            // lanewise max and min follow Math.max and Math.min, which return NaN for a NaN operand
            FloatVector.fromArray(S, x, xOff + i).max(lo).min(hi).intoArray(out, outOff + i);
        }
        return bound;
    }

    static void checkBinary(String op, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        Check.size(op, "n", n);
        Check.vector(op, "a", n, a, aOff);
        Check.vector(op, "b", n, b, bOff);
        Check.vector(op, "out", n, out, outOff);
        Check.sameOrDisjoint(op, "out", out, outOff, "a", a, aOff, n);
        Check.sameOrDisjoint(op, "out", out, outOff, "b", b, bOff, n);
    }

    static void checkUnary(String op, float[] x, int xOff, float[] out, int outOff, int n) {
        Check.size(op, "n", n);
        Check.vector(op, "x", n, x, xOff);
        Check.vector(op, "out", n, out, outOff);
        Check.sameOrDisjoint(op, "out", out, outOff, "x", x, xOff, n);
    }

    static void checkAxpy(float[] x, int xOff, float[] y, int yOff, int n) {
        Check.size("axpy", "n", n);
        Check.vector("axpy", "x", n, x, xOff);
        Check.vector("axpy", "y", n, y, yOff);
        Check.sameOrDisjoint("axpy", "y", y, yOff, "x", x, xOff, n);
    }

    static void checkClamp(float lo, float hi, float[] x, int xOff, float[] out, int outOff, int n) {
        // written as !(lo <= hi) so that a NaN bound is rejected too
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("clamp: lo must be <= hi, got lo=" + lo + ", hi=" + hi);
        }
        checkUnary("clamp", x, xOff, out, outOff, n);
    }
}
