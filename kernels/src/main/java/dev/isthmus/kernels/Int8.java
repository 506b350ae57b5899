package dev.isthmus.kernels;

/**
 * Conversions between float tensors and int8 ones with a scale and a zero point
 * ({@code real = (q - zeroPoint) * scale}), and the absolute maximum that picks a dynamic scale.
 * Results equal {@link ScalarInt8}'s bit for bit. Nothing here allocates.
 */
public final class Int8 {
    private Int8() {}

    /**
     * {@code q[qOff + i] = clamp(rint(x[xOff + i] * invScale) + zeroPoint, -128, 127)} for i below n:
     * one float multiply, rounding half to even, saturating (infinities too). A NaN element is
     * written as zeroPoint and makes the result false.
     *
     * @return false when some element of x is NaN, true otherwise
     * @throws IllegalArgumentException on a null or short array, a negative n, invScale not positive
     *                                  and finite, or zeroPoint outside [-128, 127]
     */
    public static boolean quantize(float[] x, int xOff, int n, float invScale, int zeroPoint, byte[] q, int qOff) {
        checkQuantize(x, xOff, n, invScale, zeroPoint, q, qOff);
        return ScalarInt8.quantize(x, xOff, n, invScale, zeroPoint, q, qOff);
    }

    /**
     * {@code y[yOff + i] = (float) (q[qOff + i] - zeroPoint) * scale} for i below n.
     *
     * @throws IllegalArgumentException on a null or short array, a negative n or zeroPoint outside [-128, 127]
     */
    public static void dequantize(byte[] q, int qOff, int n, float scale, int zeroPoint, float[] y, int yOff) {
        checkDequantize(q, qOff, n, zeroPoint, y, yOff);
        ScalarInt8.dequantize(q, qOff, n, scale, zeroPoint, y, yOff);
    }

    /**
     * The largest {@code |x[xOff + i]|} for i below n ({@code 0.0} when n is 0), or NaN when some
     * element is NaN.
     *
     * @throws IllegalArgumentException on a null or short array or a negative n
     */
    public static float maxAbs(float[] x, int xOff, int n) {
        Check.vector("int8 max abs", "x", n, x, xOff);
        return ScalarInt8.maxAbs(x, xOff, n);
    }

    static void checkQuantize(float[] x, int xOff, int n, float invScale, int zeroPoint, byte[] q, int qOff) {
        String op = "int8 quantize";
        Check.size(op, "n", n);
        Check.vector(op, "x", n, x, xOff);
        Check.vector(op, "q", n, q, qOff);
        if (!(invScale > 0) || invScale == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(op + ": invScale must be positive and finite, got " + invScale);
        }
        Int8Gemm.zeroPoint(op, "zeroPoint", zeroPoint);
    }

    static void checkDequantize(byte[] q, int qOff, int n, int zeroPoint, float[] y, int yOff) {
        String op = "int8 dequantize";
        Check.size(op, "n", n);
        Check.vector(op, "q", n, q, qOff);
        Check.vector(op, "y", n, y, yOff);
        Int8Gemm.zeroPoint(op, "zeroPoint", zeroPoint);
    }
}
