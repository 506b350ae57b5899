package dev.isthmus.kernels;

/** The plain reference for {@link Softmax}: one element at a time, sums and exponentials in double. */
public final class ScalarSoftmax {
    private ScalarSoftmax() {}

    /** Same arguments and checks as {@link Softmax#softmax}. */
    public static void softmax(float[] x, int xOff, int rows, int cols, float[] y, int yOff) {
        Softmax.checkForward("softmax", x, xOff, rows, cols, y, yOff);
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * cols;
            int yr = yOff + r * cols;
            float max = ScalarReductions.max(x, xr, cols);
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += Math.exp((double) x[xr + j] - max);
            }
            for (int j = 0; j < cols; j++) {
                y[yr + j] = (float) (Math.exp((double) x[xr + j] - max) / sum);
            }
        }
    }

    /** Same arguments and checks as {@link Softmax#logSoftmax}. */
    public static void logSoftmax(float[] x, int xOff, int rows, int cols, float[] y, int yOff) {
        Softmax.checkForward("logSoftmax", x, xOff, rows, cols, y, yOff);
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * cols;
            int yr = yOff + r * cols;
            float max = ScalarReductions.max(x, xr, cols);
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += Math.exp((double) x[xr + j] - max);
            }
            double logSum = Math.log(sum);
            for (int j = 0; j < cols; j++) {
                y[yr + j] = (float) (((double) x[xr + j] - max) - logSum);
            }
        }
    }

    /** Same arguments and checks as {@link Softmax#softmaxBackward}. */
    public static void softmaxBackward(float[] y, int yOff, int rows, int cols, float[] dy, int dyOff,
                                       float[] dx, int dxOff) {
        Softmax.checkBackward("softmaxBackward", y, yOff, rows, cols, dy, dyOff, dx, dxOff);
        for (int r = 0; r < rows; r++) {
            int yr = yOff + r * cols;
            int dyr = dyOff + r * cols;
            int dxr = dxOff + r * cols;
            double dot = 0;
            for (int j = 0; j < cols; j++) {
                dot += (double) y[yr + j] * dy[dyr + j];
            }
            for (int j = 0; j < cols; j++) {
                dx[dxr + j] = (float) (y[yr + j] * (dy[dyr + j] - dot));
            }
        }
    }

    /** Same arguments and checks as {@link Softmax#logSoftmaxBackward}. */
    public static void logSoftmaxBackward(float[] y, int yOff, int rows, int cols, float[] dy, int dyOff,
                                          float[] dx, int dxOff) {
        Softmax.checkBackward("logSoftmaxBackward", y, yOff, rows, cols, dy, dyOff, dx, dxOff);
        for (int r = 0; r < rows; r++) {
            int yr = yOff + r * cols;
            int dyr = dyOff + r * cols;
            int dxr = dxOff + r * cols;
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += dy[dyr + j];
            }
            for (int j = 0; j < cols; j++) {
                dx[dxr + j] = (float) (dy[dyr + j] - Math.exp(y[yr + j]) * sum);
            }
        }
    }
}
