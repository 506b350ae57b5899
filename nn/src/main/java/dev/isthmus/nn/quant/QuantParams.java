package dev.isthmus.nn.quant;

/**
 * Affine int8 parameters of one activation tensor, {@code real = (q - zeroPoint) * scale} with
 * {@code q} in -128..127; build them from a calibrated range with {@link #forRange}.
 *
 * @param scale     the real value of one int8 step, finite and positive
 * @param zeroPoint the int8 code of real 0.0, in -128..127
 */
public record QuantParams(float scale, int zeroPoint) {
    /** Smallest int8 code. */
    public static final int QMIN = -128;
    /** Largest int8 code. */
    public static final int QMAX = 127;

    public QuantParams {
        if (!(scale > 0) || !Float.isFinite(scale)) {
            throw new IllegalArgumentException("QuantParams: scale must be finite and > 0, got " + scale);
        }
        if (zeroPoint < QMIN || zeroPoint > QMAX) {
            throw new IllegalArgumentException("QuantParams: zeroPoint must be in " + QMIN + ".." + QMAX + ", got "
                    + zeroPoint);
        }
    }

    /**
     * Parameters covering {@code [lo, hi]} with its 256 codes. The range is first widened to contain
     * 0, so that real 0.0 (padding, ReLU's output) is exactly the code {@code zeroPoint}: post-ReLU data
     * ({@code lo = 0}) gets zero point -128 and uses every code for positive values. Then
     * {@code scale = (hi - lo) / 255} and {@code zeroPoint = -128 - round(lo / scale)}; rounding the
     * zero point moves the covered range by at most half a step.
     *
     * <p>The range [0, 0] (a tensor that was always zero) gets scale 1 and zero point 0: any scale
     * represents its only value exactly, and 1 keeps {@link #invScale} finite. A range so narrow that
     * its step underflows to zero gets the smallest normal float as its step, for the same reason.
     *
     * @throws IllegalArgumentException when a bound is NaN or infinite, or {@code lo > hi}
     */
    public static QuantParams forRange(float lo, float hi) {
        if (!Float.isFinite(lo) || !Float.isFinite(hi)) {
            throw new IllegalArgumentException("QuantParams.forRange: bounds must be finite, got [" + lo + ", " + hi
                    + "]");
        }
        if (lo > hi) {
            throw new IllegalArgumentException("QuantParams.forRange: lo must be <= hi, got [" + lo + ", " + hi + "]");
        }
        double a = Math.min(lo, 0.0);
        double b = Math.max(hi, 0.0);
        if (a == b) {
            return new QuantParams(1f, 0);
        }
        // in double: hi - lo of two large floats of opposite sign overflows a float
        float scale = Math.max((float) ((b - a) / (QMAX - QMIN)), Float.MIN_NORMAL);
        long shift = Math.round(a / scale);
        int zeroPoint = (int) Math.max(QMIN, Math.min(QMAX, QMIN - shift));
        return new QuantParams(scale, zeroPoint);
    }

    /** {@code 1 / scale}, the factor a kernel multiplies by instead of dividing. */
    public float invScale() {
        return 1f / scale;
    }

    /**
     * The int8 code of {@code x}: {@code rint(x * invScale()) + zeroPoint} saturated to -128..127, the
     * float product and round-half-even a vector kernel would use, for tests and reports.
     *
     * @throws IllegalArgumentException when {@code x} is NaN (it has no code)
     */
    public int quantize(float x) {
        if (Float.isNaN(x)) {
            throw new IllegalArgumentException("QuantParams.quantize: x is NaN; only numbers have an int8 code");
        }
        double q = Math.rint(x * invScale()) + zeroPoint;
        return (int) Math.max(QMIN, Math.min(QMAX, q));
    }

    /**
     * The real value of code {@code q}, {@code (q - zeroPoint) * scale}.
     *
     * @throws IllegalArgumentException when {@code q} is outside -128..127
     */
    public float dequantize(int q) {
        if (q < QMIN || q > QMAX) {
            throw new IllegalArgumentException("QuantParams.dequantize: q must be in " + QMIN + ".." + QMAX + ", got "
                    + q);
        }
        return (q - zeroPoint) * scale;
    }
}
