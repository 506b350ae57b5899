package dev.isthmus.kernels;

import static dev.isthmus.kernels.Im2colTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Int8Test {
    static final int[] SIZES = {0, 1, 3, 7, 15, 16, 17, 31, 33, 63, 64, 65, 127, 207, 1021, 4098};

    static float[] randomFloats(SplittableRandom r, int length, double range) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = (float) r.nextDouble(-range, range);
        }
        return x;
    }

    @Test
    void quantizeMatchesTheReference() {
        SplittableRandom r = new SplittableRandom(1);
        for (int n : SIZES) {
            float[] x = randomFloats(r, n + 9, 3);
            for (int zp : new int[] {0, -128, 127, 17}) {
                for (float inv : new float[] {40f, 1f, 0.5f, 1e6f}) {
                    byte[] want = new byte[n + 6];
                    byte[] got = new byte[n + 6];
                    Arrays.fill(want, (byte) 55);
                    Arrays.fill(got, (byte) 55);
                    boolean okWant = ScalarInt8.quantize(x, 4, n, inv, zp, want, 3);
                    boolean okGot = Int8.quantize(x, 4, n, inv, zp, got, 3);
                    assertArrayEquals(want, got, "n=" + n + " zp=" + zp + " invScale=" + inv);
                    assertTrue(okWant && okGot);
                }
            }
        }
    }

    /** NaN writes the zero point and reports false wherever it sits; infinities saturate; halves go to even. */
    @Test
    void quantizeHandlesNaNInfinityAndTies() {
        for (int n : SIZES) {
            for (int at = 0; at < n; at += Math.max(1, n / 5)) {
                float[] x = new float[n];
                for (int i = 0; i < n; i++) {
                    x[i] = (i % 7 - 3) * 0.5f;
                }
                x[at] = Float.NaN;
                byte[] got = new byte[n];
                byte[] want = new byte[n];
                assertFalse(Int8.quantize(x, 0, n, 1f, -3, got, 0), "NaN at " + at + " of " + n);
                assertFalse(ScalarInt8.quantize(x, 0, n, 1f, -3, want, 0));
                assertArrayEquals(want, got);
                assertEquals(-3, got[at]);
            }
        }
        float[] x = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f,
            126.5f, 127.5f, -128.5f, -129.5f, Float.MAX_VALUE, -Float.MAX_VALUE, -0f, 1e-30f, 3e9f, -3e9f};
        byte[] q = new byte[x.length];
        assertTrue(Int8.quantize(x, 0, x.length, 1f, 0, q, 0));
        assertArrayEquals(new byte[] {127, -128, 0, 2, 2, 0, -2, -2, 126, 127, -128, -128, 127, -128, 0, 0, 127, -128},
                q);
        assertTrue(Int8.quantize(x, 0, x.length, 1f, 100, q, 0));
        assertArrayEquals(new byte[] {127, -128, 100, 102, 102, 100, 98, 98, 127, 127, -28, -30, 127, -128, 100, 100,
            127, -128}, q);
    }

    @Test
    void dequantizeMatchesTheReference() {
        SplittableRandom r = new SplittableRandom(2);
        for (int n : SIZES) {
            byte[] q = Int8GemmTest.randomBytes(r, n + 4);
            for (int zp : new int[] {0, -128, 127}) {
                float[] want = new float[n + 5];
                float[] got = new float[n + 5];
                ScalarInt8.dequantize(q, 4, n, 0.037f, zp, want, 1);
                Int8.dequantize(q, 4, n, 0.037f, zp, got, 1);
                assertArrayEquals(want, got, "n=" + n + " zp=" + zp);
            }
        }
    }

    @Test
    void maxAbsMatchesTheReferenceAndSeesNaN() {
        SplittableRandom r = new SplittableRandom(3);
        for (int n : SIZES) {
            float[] x = randomFloats(r, n + 2, 100);
            assertEquals(ScalarInt8.maxAbs(x, 2, n), Int8.maxAbs(x, 2, n), "n=" + n);
            for (int at = 0; at < n; at += Math.max(1, n / 3)) {
                float[] y = x.clone();
                y[2 + at] = Float.NaN;
                assertTrue(Float.isNaN(Int8.maxAbs(y, 2, n)), "NaN at " + at + " of " + n);
                y[2 + at] = Float.NEGATIVE_INFINITY;
                assertEquals(Float.POSITIVE_INFINITY, Int8.maxAbs(y, 2, n));
            }
        }
        assertEquals(0f, Int8.maxAbs(new float[] {-0f, -0f}, 0, 2));
        assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(Int8.maxAbs(new float[] {-0f}, 0, 1)));
    }

    @Test
    void badArgumentsNameTheValues() {
        float[] x = new float[4];
        byte[] q = new byte[4];
        assertMessage("x needs 4 floats from offset 1, but the array has 4", () -> Int8.quantize(x, 1, 4, 1f, 0, q, 0));
        assertMessage("q needs 4 bytes from offset 2, but the array has 4", () -> Int8.quantize(x, 0, 4, 1f, 0, q, 2));
        assertMessage("n must be >= 0, got -1", () -> Int8.quantize(x, 0, -1, 1f, 0, q, 0));
        assertMessage("invScale must be positive and finite, got 0.0", () -> Int8.quantize(x, 0, 4, 0f, 0, q, 0));
        assertMessage("invScale must be positive and finite, got NaN", () -> Int8.quantize(x, 0, 4, Float.NaN, 0, q, 0));
        assertMessage("invScale must be positive and finite, got Infinity",
                () -> Int8.quantize(x, 0, 4, Float.POSITIVE_INFINITY, 0, q, 0));
        assertMessage("zeroPoint must be in [-128, 127], got 200", () -> Int8.quantize(x, 0, 4, 1f, 200, q, 0));
        assertMessage("zeroPoint must be in [-128, 127], got -129", () -> Int8.dequantize(q, 0, 4, 1f, -129, x, 0));
        assertMessage("y is null", () -> Int8.dequantize(q, 0, 4, 1f, 0, null, 0));
        assertMessage("q needs 5 bytes from offset 0, but the array has 4", () -> Int8.dequantize(q, 0, 5, 1f, 0, x, 0));
        assertMessage("x needs 3 floats from offset 2, but the array has 4", () -> Int8.maxAbs(x, 2, 3));
        assertMessage("x is null", () -> Int8.maxAbs(null, 0, 3));
    }
}
