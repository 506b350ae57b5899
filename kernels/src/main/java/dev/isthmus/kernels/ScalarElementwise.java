package dev.isthmus.kernels;

/** The plain reference for {@link Elementwise}: one element at a time. */
public final class ScalarElementwise {
    private ScalarElementwise() {}

    /** Same arguments and checks as {@link Elementwise#add}. */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        Elementwise.checkBinary("add", a, aOff, b, bOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    /** Same arguments and checks as {@link Elementwise#multiply}. */
    public static void multiply(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        Elementwise.checkBinary("multiply", a, aOff, b, bOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] * b[bOff + i];
        }
    }

    /** Same arguments and checks as {@link Elementwise#scale}. */
    public static void scale(float alpha, float[] x, int xOff, float[] out, int outOff, int n) {
        Elementwise.checkUnary("scale", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = alpha * x[xOff + i];
        }
    }

    /** Same arguments and checks as {@link Elementwise#axpy}; the product and sum are taken in double. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        Elementwise.checkAxpy(x, xOff, y, yOff, n);
        for (int i = 0; i < n; i++) {
            y[yOff + i] = (float) (y[yOff + i] + (double) alpha * x[xOff + i]);
        }
    }

    /** Same arguments and checks as {@link Elementwise#clamp}. */
    public static void clamp(float lo, float hi, float[] x, int xOff, float[] out, int outOff, int n) {
        Elementwise.checkClamp(lo, hi, x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = Math.min(Math.max(x[xOff + i], lo), hi);
        }
    }
}
