package dev.isthmus.kernels;

/** The plain reference for {@link Reductions}: one element at a time, sums in double. */
public final class ScalarReductions {
    private ScalarReductions() {}

    /** Same arguments and checks as {@link Reductions#sumRows}. */
    public static void sumRows(float[] x, int off, int rows, int cols, float[] out, int outOff) {
        Reductions.checkRows("sumRows", x, off, rows, cols, out, outOff, rows, false);
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += x[off + r * cols + j];
            }
            out[outOff + r] = (float) sum;
        }
    }

    /** Same arguments and checks as {@link Reductions#sumColumns}. */
    public static void sumColumns(float[] x, int off, int rows, int cols, float[] out, int outOff) {
        Reductions.checkRows("sumColumns", x, off, rows, cols, out, outOff, cols, false);
        for (int j = 0; j < cols; j++) {
            double sum = 0;
            for (int r = 0; r < rows; r++) {
                sum += x[off + r * cols + j];
            }
            out[outOff + j] = (float) sum;
        }
    }

    /** Same arguments and checks as {@link Reductions#sumOfSquares}, accumulated in double (so finite further). */
    public static double sumOfSquares(float[] x, int off, int n) {
        Check.size("sumOfSquares", "n", n);
        Check.vector("sumOfSquares", "x", n, x, off);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (double) x[off + i] * x[off + i];
        }
        return sum;
    }

    /** Same arguments and checks as {@link Reductions#maxRows}. */
    public static void maxRows(float[] x, int off, int rows, int cols, float[] out, int outOff) {
        Reductions.checkRows("maxRows", x, off, rows, cols, out, outOff, rows, true);
        for (int r = 0; r < rows; r++) {
            out[outOff + r] = max(x, off + r * cols, cols);
        }
    }

    /** Same arguments and checks as {@link Reductions#argmaxRows}. */
    public static void argmaxRows(float[] x, int off, int rows, int cols, int[] out, int outOff) {
        Reductions.checkArgmax(x, off, rows, cols, out, outOff);
        for (int r = 0; r < rows; r++) {
            int start = off + r * cols;
            int best = 0;
            for (int j = 0; j < cols; j++) {
                if (Float.isNaN(x[start + j])) {
                    best = j;
                    break;
                }
                if (x[start + j] > x[start + best]) {
                    best = j;
                }
            }
            out[outOff + r] = best;
        }
    }

    /** Same arguments and checks as {@link Reductions#meanVariance}: two plain passes in double. */
    public static void meanVariance(float[] x, int off, int n, int channels, int spatial,
                                    float[] mean, int meanOff, float[] var, int varOff) {
        Reductions.checkMeanVariance(x, off, n, channels, spatial, mean, meanOff, var, varOff);
        long count = (long) n * spatial;
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int b = 0; b < n; b++) {
                for (int s = 0; s < spatial; s++) {
                    sum += x[off + (b * channels + c) * spatial + s];
                }
            }
            double m = sum / count;
            double squares = 0;
            for (int b = 0; b < n; b++) {
                for (int s = 0; s < spatial; s++) {
                    double d = x[off + (b * channels + c) * spatial + s] - m;
                    squares += d * d;
                }
            }
            mean[meanOff + c] = (float) m;
            var[varOff + c] = (float) (squares / count);
        }
    }

    /** The maximum of n floats by {@link Math#max} (NaN if any is NaN; negative infinity for none). */
    static float max(float[] x, int off, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }
}
