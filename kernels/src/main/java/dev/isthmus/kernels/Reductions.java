package dev.isthmus.kernels;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums, maxima and per-channel statistics of row-major float matrices on the Vector API.
 *
 * <p>Sums accumulate in float vectors with several independent accumulators, so they differ from
 * the double-precision {@link ScalarReductions} by rounding that grows with the number of terms
 * (about n / lanes roundings in a row); a sum that exceeds the float range is infinite. NaN
 * propagates: a NaN in a row makes that row's sum and maximum NaN, and a NaN in a channel makes
 * that channel's mean and variance NaN. Outputs must not overlap the input.
 */
public final class Reductions {
    private static final VectorSpecies<Float> S = Species.FLOAT;

    private Reductions() {}

    /** {@code out[r] = sum of row r} of the {@code rows x cols} matrix x, for r in [0, rows). */
    public static void sumRows(float[] x, int off, int rows, int cols, float[] out, int outOff) {
        checkRows("sumRows", x, off, rows, cols, out, outOff, rows, false);
        for (int r = 0; r < rows; r++) {
            out[outOff + r] = sum(x, off + r * cols, cols);
        }
    }

    /**
     * {@code out[j] = sum of column j} of the {@code rows x cols} matrix x, for j in [0, cols): the
     * gradient of a bias added to every row. The output is overwritten, not accumulated into.
     */
    public static void sumColumns(float[] x, int off, int rows, int cols, float[] out, int outOff) {
        checkRows("sumColumns", x, off, rows, cols, out, outOff, cols, false);
        int j = sumColumnsBody(x, off, rows, cols, out, outOff);
        // scalar tail
        for (; j < cols; j++) {
            float s = 0f;
            for (int r = 0; r < rows; r++) {
                s += x[off + r * cols + j];
            }
            out[outOff + j] = s;
        }
    }

    /** The sum of {@code x[i] * x[i]} for i in [0, n), accumulated in float (infinite past the float range). */
    public static double sumOfSquares(float[] x, int off, int n) {
        Check.size("sumOfSquares", "n", n);
        Check.vector("sumOfSquares", "x", n, x, off);
        return dot(x, off, x, off, n);
    }

    /**
     * {@code out[r] = max of row r}, for r in [0, rows); a row containing NaN gives NaN.
     *
     * @throws IllegalArgumentException also when {@code cols == 0} and {@code rows > 0} (an empty row has no maximum)
     */
    public static void maxRows(float[] x, int off, int rows, int cols, float[] out, int outOff) {
        checkRows("maxRows", x, off, rows, cols, out, outOff, rows, true);
        for (int r = 0; r < rows; r++) {
            out[outOff + r] = max(x, off + r * cols, cols);
        }
    }

    /**
     * {@code out[r] = the first column holding the maximum of row r}, for r in [0, rows); NaN counts
     * as greater than every number, so a row containing NaN gives the column of its first NaN.
     *
     * @throws IllegalArgumentException also when {@code cols == 0} and {@code rows > 0} (an empty row has no maximum)
     */
    public static void argmaxRows(float[] x, int off, int rows, int cols, int[] out, int outOff) {
        checkArgmax(x, off, rows, cols, out, outOff);
        for (int r = 0; r < rows; r++) {
            out[outOff + r] = argmax(x, off + r * cols, cols);
        }
    }

    /**
     * Per-channel mean and biased variance (divided by the count) of x laid out as
     * {@code (n, channels, spatial)}, each channel taken over its {@code n * spatial} values; use
     * {@code spatial = 1} for an {@code (n, channels)} matrix. With no values (n or spatial 0) both are NaN.
     *
     * <p>Two passes keep the variance accurate when the mean is large against the spread, where
     * {@code E[x^2] - E[x]^2} would cancel to noise: the first sums deviations from the channel's
     * first value into a first mean, the second sums deviations from that mean and their squares,
     * and the sum of deviations corrects both results (the corrected two-pass algorithm of Chan,
     * Golub and LeVeque). With an infinite value the mean is infinite (or NaN for both signs) and the
     * variance NaN.
     */
    public static void meanVariance(float[] x, int off, int n, int channels, int spatial,
                                    float[] mean, int meanOff, float[] var, int varOff) {
        checkMeanVariance(x, off, n, channels, spatial, mean, meanOff, var, varOff);
        if (channels == 0) {
            return;
        }
        int count = n * spatial;
        if (count == 0) {
            Arrays.fill(mean, meanOff, meanOff + channels, Float.NaN);
            Arrays.fill(var, varOff, varOff + channels, Float.NaN);
        } else if (spatial == 1) {
            int c = meanVarianceColumnsBody(x, off, n, channels, mean, meanOff, var, varOff);
            // scalar tail
            for (; c < channels; c++) {
                float first = Float.isFinite(x[off + c]) ? x[off + c] : 0f;
                float sum = 0f;
                for (int b = 0; b < n; b++) {
                    sum += x[off + b * channels + c] - first;
                }
                float m0 = (float) (first + (double) sum / count);
                float sumD = 0f;
                float sumD2 = 0f;
                for (int b = 0; b < n; b++) {
                    float d = x[off + b * channels + c] - m0;
                    sumD += d;
                    sumD2 = Math.fma(d, d, sumD2);
                }
                finish(m0, sumD, sumD2, count, mean, meanOff + c, var, varOff + c);
            }
        } else {
            for (int c = 0; c < channels; c++) {
                meanVarianceChannel(x, off + c * spatial, n, channels * spatial, spatial,
                        mean, meanOff + c, var, varOff + c);
            }
        }
    }

    // Row primitives, shared with Softmax and CrossEntropy: vector loop, one reduction, scalar tail.

    /** The sum of n floats. */
    static float sum(float[] x, int off, int n) {
        int step = S.length();
        int bound = S.loopBound(n);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int i = 0;
        for (; i <= bound - 4 * step; i += 4 * step) {
            a0 = a0.add(FloatVector.fromArray(S, x, off + i));
            a1 = a1.add(FloatVector.fromArray(S, x, off + i + step));
            a2 = a2.add(FloatVector.fromArray(S, x, off + i + 2 * step));
            a3 = a3.add(FloatVector.fromArray(S, x, off + i + 3 * step));
        }
        for (; i < bound; i += step) {
            a0 = a0.add(FloatVector.fromArray(S, x, off + i));
        }
        a0.add(a1).add(a2.add(a3)).intoArray(Lanes.scratch(), 0);
        float s = Lanes.sum();
        // scalar tail
        for (; i < n; i++) {
            s += x[off + i];
        }
        return s;
    }

    /** The sum of {@code a[i] * b[i]} over n floats. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int step = S.length();
        int bound = S.loopBound(n);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int i = 0;
        for (; i <= bound - 4 * step; i += 4 * step) {
            a0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), a0);
            a1 = FloatVector.fromArray(S, a, aOff + i + step).fma(FloatVector.fromArray(S, b, bOff + i + step), a1);
            a2 = FloatVector.fromArray(S, a, aOff + i + 2 * step)
                    .fma(FloatVector.fromArray(S, b, bOff + i + 2 * step), a2);
            a3 = FloatVector.fromArray(S, a, aOff + i + 3 * step)
                    .fma(FloatVector.fromArray(S, b, bOff + i + 3 * step), a3);
        }
        for (; i < bound; i += step) {
            a0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), a0);
        }
        a0.add(a1).add(a2.add(a3)).intoArray(Lanes.scratch(), 0);
        float s = Lanes.sum();
        // scalar tail
        for (; i < n; i++) {
            s = Math.fma(a[aOff + i], b[bOff + i], s);
        }
        return s;
    }

    /** The maximum of n floats (negative infinity for none); NaN if any is NaN, as with {@link Math#max}. */
    static float max(float[] x, int off, int n) {
        int step = S.length();
        int bound = S.loopBound(n);
        FloatVector a0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int i = 0;
        // lanewise max and MAX reductions follow Math.max, so a NaN lane wins
        for (; i <= bound - 4 * step; i += 4 * step) {
            a0 = a0.max(FloatVector.fromArray(S, x, off + i));
            a1 = a1.max(FloatVector.fromArray(S, x, off + i + step));
            a2 = a2.max(FloatVector.fromArray(S, x, off + i + 2 * step));
            a3 = a3.max(FloatVector.fromArray(S, x, off + i + 3 * step));
        }
        for (; i < bound; i += step) {
            a0 = a0.max(FloatVector.fromArray(S, x, off + i));
        }
        float m = a0.max(a1).max(a2.max(a3)).reduceLanes(VectorOperators.MAX);
        // scalar tail
        for (; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    /** The first index of the maximum of n >= 1 floats, or of the first NaN. */
    private static int argmax(float[] x, int off, int n) {
        float m = max(x, off, n);
        int step = S.length();
        int bound = S.loopBound(n);
        int i = 0;
        // A search, not a reduction: the loop leaves at the first vector holding the maximum.
        if (Float.isNaN(m)) {
            for (; i < bound; i += step) {
                VectorMask<Float> nan = FloatVector.fromArray(S, x, off + i).test(VectorOperators.IS_NAN);
                if (nan.anyTrue()) {
                    return i + nan.firstTrue();
                }
            }
            // scalar tail
            for (; i < n; i++) {
                if (Float.isNaN(x[off + i])) {
                    return i;
                }
            }
        } else {
            for (; i < bound; i += step) {
                VectorMask<Float> hit = FloatVector.fromArray(S, x, off + i).compare(VectorOperators.EQ, m);
                if (hit.anyTrue()) {
                    return i + hit.firstTrue();
                }
            }
            // scalar tail
            for (; i < n; i++) {
                if (x[off + i] == m) {
                    return i;
                }
            }
        }
        throw new AssertionError("the maximum " + m + " was not found in its row");
    }

    /** Column sums over whole vectors of columns, four then one at a time; returns the first column left. */
    private static int sumColumnsBody(float[] x, int off, int rows, int cols, float[] out, int outOff) {
        int step = S.length();
        int bound = S.loopBound(cols);
        int j = 0;
        // Four column vectors share each pass down the rows: four independent accumulators.
        for (; j <= bound - 4 * step; j += 4 * step) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int r = 0, p = off + j; r < rows; r++, p += cols) {
                a0 = a0.add(FloatVector.fromArray(S, x, p));
                a1 = a1.add(FloatVector.fromArray(S, x, p + step));
                a2 = a2.add(FloatVector.fromArray(S, x, p + 2 * step));
                a3 = a3.add(FloatVector.fromArray(S, x, p + 3 * step));
            }
            a0.intoArray(out, outOff + j);
            a1.intoArray(out, outOff + j + step);
            a2.intoArray(out, outOff + j + 2 * step);
            a3.intoArray(out, outOff + j + 3 * step);
        }
        for (; j < bound; j += step) {
            FloatVector a0 = FloatVector.zero(S);
            for (int r = 0, p = off + j; r < rows; r++, p += cols) {
                a0 = a0.add(FloatVector.fromArray(S, x, p));
            }
            a0.intoArray(out, outOff + j);
        }
        return j;
    }

    /**
     * Mean and variance of the channels of an (n, channels) matrix, a vector of channels at a time:
     * pass one sums the columns' deviations from their first row into a first mean, pass two sums
     * deviations from that mean and their squares.
     */
    private static int meanVarianceColumnsBody(float[] x, int off, int n, int channels,
                                               float[] mean, int meanOff, float[] var, int varOff) {
        int step = S.length();
        int bound = S.loopBound(channels);
        float inverse = 1f / n;
        int c = 0;
        for (; c <= bound - 2 * step; c += 2 * step) {
            FloatVector k0 = finiteOrZero(FloatVector.fromArray(S, x, off + c));
            FloatVector k1 = finiteOrZero(FloatVector.fromArray(S, x, off + c + step));
            FloatVector s0 = FloatVector.zero(S);
            FloatVector s1 = s0;
            for (int b = 0, p = off + c; b < n; b++, p += channels) {
                s0 = s0.add(FloatVector.fromArray(S, x, p).sub(k0));
                s1 = s1.add(FloatVector.fromArray(S, x, p + step).sub(k1));
            }
            FloatVector m0 = s0.mul(inverse).add(k0);
            FloatVector m1 = s1.mul(inverse).add(k1);
            FloatVector d0 = FloatVector.zero(S);
            FloatVector d1 = d0;
            FloatVector q0 = d0;
            FloatVector q1 = d0;
            for (int b = 0, p = off + c; b < n; b++, p += channels) {
                FloatVector e0 = FloatVector.fromArray(S, x, p).sub(m0);
                FloatVector e1 = FloatVector.fromArray(S, x, p + step).sub(m1);
                d0 = d0.add(e0);
                d1 = d1.add(e1);
                q0 = e0.fma(e0, q0);
                q1 = e1.fma(e1, q1);
            }
            // mean = m + sum(d) / n; var = (sum(d^2) - sum(d)^2 / n) / n, never below 0 (NaN stays NaN)
            FloatVector c0 = d0.mul(inverse);
            FloatVector c1 = d1.mul(inverse);
            keepInfinite(m0, m0.add(c0)).intoArray(mean, meanOff + c);
            keepInfinite(m1, m1.add(c1)).intoArray(mean, meanOff + c + step);
            q0.sub(d0.mul(c0)).mul(inverse).max(0f).intoArray(var, varOff + c);
            q1.sub(d1.mul(c1)).mul(inverse).max(0f).intoArray(var, varOff + c + step);
        }
        for (; c < bound; c += step) {
            FloatVector k0 = finiteOrZero(FloatVector.fromArray(S, x, off + c));
            FloatVector s0 = FloatVector.zero(S);
            for (int b = 0, p = off + c; b < n; b++, p += channels) {
                s0 = s0.add(FloatVector.fromArray(S, x, p).sub(k0));
            }
            FloatVector m0 = s0.mul(inverse).add(k0);
            FloatVector d0 = FloatVector.zero(S);
            FloatVector q0 = d0;
            for (int b = 0, p = off + c; b < n; b++, p += channels) {
                FloatVector e0 = FloatVector.fromArray(S, x, p).sub(m0);
                d0 = d0.add(e0);
                q0 = e0.fma(e0, q0);
            }
            FloatVector c0 = d0.mul(inverse);
            keepInfinite(m0, m0.add(c0)).intoArray(mean, meanOff + c);
            q0.sub(d0.mul(c0)).mul(inverse).max(0f).intoArray(var, varOff + c);
        }
        return c;
    }

    /** Mean and variance of one channel: n runs of {@code spatial} contiguous floats, {@code stride} apart. */
    private static void meanVarianceChannel(float[] x, int off, int n, int stride, int spatial,
                                            float[] mean, int meanIndex, float[] var, int varIndex) {
        int step = S.length();
        int bound = S.loopBound(spatial);
        float first = Float.isFinite(x[off]) ? x[off] : 0f;
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = s0;
        float tail = 0f;
        for (int b = 0, p = off; b < n; b++, p += stride) {
            int i = 0;
            for (; i <= bound - 2 * step; i += 2 * step) {
                s0 = s0.add(FloatVector.fromArray(S, x, p + i).sub(first));
                s1 = s1.add(FloatVector.fromArray(S, x, p + i + step).sub(first));
            }
            for (; i < bound; i += step) {
                s0 = s0.add(FloatVector.fromArray(S, x, p + i).sub(first));
            }
            // scalar tail
            for (; i < spatial; i++) {
                tail += x[p + i] - first;
            }
        }
        int count = n * spatial;
        s0.add(s1).intoArray(Lanes.scratch(), 0);
        float m = (float) (first + (Lanes.sum() + (double) tail) / count);

        FloatVector d0 = FloatVector.zero(S);
        FloatVector d1 = d0;
        FloatVector q0 = d0;
        FloatVector q1 = d0;
        float dTail = 0f;
        float qTail = 0f;
        for (int b = 0, p = off; b < n; b++, p += stride) {
            int i = 0;
            for (; i <= bound - 2 * step; i += 2 * step) {
                FloatVector e0 = FloatVector.fromArray(S, x, p + i).sub(m);
                FloatVector e1 = FloatVector.fromArray(S, x, p + i + step).sub(m);
                d0 = d0.add(e0);
                d1 = d1.add(e1);
                q0 = e0.fma(e0, q0);
                q1 = e1.fma(e1, q1);
            }
            for (; i < bound; i += step) {
                FloatVector e0 = FloatVector.fromArray(S, x, p + i).sub(m);
                d0 = d0.add(e0);
                q0 = e0.fma(e0, q0);
            }
            // scalar tail
            for (; i < spatial; i++) {
                float e = x[p + i] - m;
                dTail += e;
                qTail = Math.fma(e, e, qTail);
            }
        }
        d0.add(d1).intoArray(Lanes.scratch(), 0);
        float sumD = Lanes.sum() + dTail;
        q0.add(q1).intoArray(Lanes.scratch(), 0);
        float sumD2 = Lanes.sum() + qTail;
        finish(m, sumD, sumD2, count, mean, meanIndex, var, varIndex);
    }

    /** The first row shifts the sums toward zero, unless it is not finite (then inf - inf would be NaN). */
    private static FloatVector finiteOrZero(FloatVector v) {
        return v.blend(0f, v.test(VectorOperators.IS_FINITE).not());
    }

    /** The corrected mean, except where the first mean is infinite: that is the answer. */
    private static FloatVector keepInfinite(FloatVector first, FloatVector corrected) {
        return corrected.blend(first, first.test(VectorOperators.IS_INFINITE));
    }

    /** Corrects a first mean m by the deviations from it and writes mean and variance. */
    private static void finish(float m, float sumD, float sumD2, int count,
                               float[] mean, int meanIndex, float[] var, int varIndex) {
        double correction = (double) sumD / count;
        // an infinite first mean is the answer: correcting it would give inf - inf = NaN
        mean[meanIndex] = Float.isInfinite(m) ? m : (float) (m + correction);
        // Math.max keeps NaN; rounding can push an exact 0 a little below
        var[varIndex] = (float) Math.max((sumD2 - sumD * correction) / count, 0.0);
    }

    static void checkRows(String op, float[] x, int off, int rows, int cols, float[] out, int outOff, int outLength,
                          boolean needsColumns) {
        Check.size(op, "rows", rows);
        Check.size(op, "cols", cols);
        if (needsColumns && rows > 0 && cols == 0) {
            throw new IllegalArgumentException(op + ": rows are empty (cols = 0) but rows = " + rows
                    + ": an empty row has no maximum");
        }
        Check.matrix(op, "x", rows, cols, x, off, Math.max(1, cols));
        Check.vector(op, "out", outLength, out, outOff);
        Check.disjoint(op, "out", out, outOff, outLength, "x", x, off, rows * cols);
    }

    static void checkArgmax(float[] x, int off, int rows, int cols, int[] out, int outOff) {
        Check.size("argmaxRows", "rows", rows);
        Check.size("argmaxRows", "cols", cols);
        if (rows > 0 && cols == 0) {
            throw new IllegalArgumentException("argmaxRows: rows are empty (cols = 0) but rows = " + rows
                    + ": an empty row has no maximum");
        }
        Check.matrix("argmaxRows", "x", rows, cols, x, off, Math.max(1, cols));
        Check.vector("argmaxRows", "out", rows, out, outOff);
    }

    static void checkMeanVariance(float[] x, int off, int n, int channels, int spatial,
                                  float[] mean, int meanOff, float[] var, int varOff) {
        String op = "meanVariance";
        Check.size(op, "n", n);
        Check.size(op, "channels", channels);
        Check.size(op, "spatial", spatial);
        if (x == null) {
            throw new IllegalArgumentException(op + ": x is null");
        }
        long total = (long) n * channels * spatial;
        if (off < 0 || off + total > x.length) {
            throw new IllegalArgumentException(op + ": x is (n=" + n + ", channels=" + channels + ", spatial=" + spatial
                    + ") at offset " + off + ", which needs " + (off + total) + " floats, but the array has "
                    + x.length);
        }
        Check.vector(op, "mean", channels, mean, meanOff);
        Check.vector(op, "var", channels, var, varOff);
        Check.disjoint(op, "mean", mean, meanOff, channels, "var", var, varOff, channels);
        Check.disjoint(op, "mean", mean, meanOff, channels, "x", x, off, (int) total);
        Check.disjoint(op, "var", var, varOff, channels, "x", x, off, (int) total);
    }

}
