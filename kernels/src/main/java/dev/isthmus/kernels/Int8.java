package dev.isthmus.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Conversions between float tensors and int8 ones with a scale and a zero point
 * ({@code real = (q - zeroPoint) * scale}), and the absolute maximum that picks a dynamic scale.
 * Results equal {@link ScalarInt8}'s bit for bit. Nothing here allocates.
 */
public final class Int8 {
    private static final VectorSpecies<Float> F = Species.FLOAT;
    private static final VectorSpecies<Integer> I = Species.INT;
    private static final VectorSpecies<Byte> BF = Species.BYTE_FOR_FLOAT;
    private static final int L = F.length();
    /** With 128-bit vectors a byte vector holds two float vectors' lanes: those widths go through scalar code. */
    private static final boolean BYTES_MATCH_FLOATS = BF.length() == L;
    /** Adding and subtracting it rounds a float of magnitude below 2^22 to an integer, half to even. */
    private static final float ROUNDER = 0x1.8p23f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);

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
        float lo = -128 - zeroPoint;
        float hi = 127 - zeroPoint;
        boolean ok = true;
        int i = 0;
        if (BYTES_MATCH_FLOATS) {
            VectorMask<Float> nan = F.maskAll(false);
            for (int bound = F.loopBound(n); i < bound; i += L) {
                FloatVector f = FloatVector.fromArray(F, x, xOff + i).mul(invScale);
                VectorMask<Float> isNaN = f.test(VectorOperators.IS_NAN);
                nan = nan.or(isNaN);
                // clamped first (NaN passes both tests), so the rounding trick is exact; NaN rounds from 0
                f = f.blend(lo, f.compare(VectorOperators.LT, lo));
                f = f.blend(hi, f.compare(VectorOperators.GT, hi)).blend(0f, isNaN);
                ((ByteVector) f.add(ROUNDER).reinterpretAsInts().sub(ROUNDER_BITS - zeroPoint)
                        .convertShape(VectorOperators.I2B, BF, 0)).intoArray(q, qOff + i);
            }
            ok = !nan.anyTrue();
        }
        // scalar tail
        for (; i < n; i++) {
            float f = x[xOff + i] * invScale;
            if (f != f) {
                q[qOff + i] = (byte) zeroPoint;
                ok = false;
                continue;
            }
            f = f < lo ? lo : f > hi ? hi : f;
            q[qOff + i] = (byte) ((int) Math.rint(f) + zeroPoint);
        }
        return ok;
    }

    /**
     * {@code y[yOff + i] = (float) (q[qOff + i] - zeroPoint) * scale} for i below n.
     *
     * @throws IllegalArgumentException on a null or short array, a negative n or zeroPoint outside [-128, 127]
     */
    public static void dequantize(byte[] q, int qOff, int n, float scale, int zeroPoint, float[] y, int yOff) {
        checkDequantize(q, qOff, n, zeroPoint, y, yOff);
        int i = 0;
        if (BYTES_MATCH_FLOATS) {
            for (int bound = F.loopBound(n); i < bound; i += L) {
                // q - zeroPoint is a small integer: exact in float, so this is (float) (q - zeroPoint) * scale
                ((FloatVector) ByteVector.fromArray(BF, q, qOff + i).convertShape(VectorOperators.B2F, F, 0))
                        .sub(zeroPoint).mul(scale).intoArray(y, yOff + i);
            }
        }
        // scalar tail
        for (; i < n; i++) {
            y[yOff + i] = (float) (q[qOff + i] - zeroPoint) * scale;
        }
    }

    /**
     * The largest {@code |x[xOff + i]|} for i below n ({@code 0.0} when n is 0), or NaN when some
     * element is NaN.
     *
     * @throws IllegalArgumentException on a null or short array or a negative n
     */
    public static float maxAbs(float[] x, int xOff, int n) {
        Check.vector("int8 max abs", "x", n, x, xOff);
        // Without the sign bit, float bits order as the floats do, and every NaN is above infinity:
        // an int max finds the largest magnitude, or a NaN if there is one.
        IntVector max = IntVector.zero(I);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            max = max.max(FloatVector.fromArray(F, x, xOff + i).reinterpretAsInts().and(0x7fffffff));
        }
        int bits = max.reduceLanes(VectorOperators.MAX);
        // scalar tail
        for (; i < n; i++) {
            bits = Math.max(bits, Float.floatToRawIntBits(x[xOff + i]) & 0x7fffffff);
        }
        return Float.intBitsToFloat(bits);
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
