package dev.isthmus.nn.quant;

import static dev.isthmus.nn.quant.Messages.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class QuantParamsTest {
    @Test
    void minusOneToThreeByHand() {
        // scale 4/255; lo / scale = -63.75 rounds to -64, so zeroPoint = -128 + 64 = -64
        QuantParams p = QuantParams.forRange(-1f, 3f);
        assertEquals(4f / 255, p.scale());
        assertEquals(-64, p.zeroPoint());
        assertEquals(255f / 4, p.invScale(), 1e-4f);
        assertEquals(-64, p.quantize(0f));
        assertEquals(0f, p.dequantize(-64));
        // the bounds reach the end codes: -1 / scale = -63.75 -> -64 - 64; 3 / scale = 191.25 -> 191 - 64
        assertEquals(-128, p.quantize(-1f));
        assertEquals(127, p.quantize(3f));
        assertEquals(-1f, p.dequantize(-128), p.scale() / 2);
        assertEquals(3f, p.dequantize(127), p.scale() / 2);
        // saturation
        assertEquals(127, p.quantize(100f));
        assertEquals(-128, p.quantize(-100f));
        assertEquals(127, p.quantize(Float.POSITIVE_INFINITY));
    }

    @Test
    void otherRangesByHand() {
        // post-ReLU: every code above zero is used for positive values
        assertEquals(new QuantParams(6f / 255, -128), QuantParams.forRange(0f, 6f));
        // lo / scale = -0.5 / (0.75 / 255) = -170 -> zeroPoint 42; 0.25 / scale = 85 -> 127
        QuantParams p = QuantParams.forRange(-0.5f, 0.25f);
        assertEquals(42, p.zeroPoint());
        assertEquals(127, p.quantize(0.25f));
        // a range below zero is widened to [lo, 0], so 0 is the top code
        assertEquals(new QuantParams(2f / 255, 127), QuantParams.forRange(-2f, -1f));
        // a range above zero is widened to [0, hi]
        assertEquals(QuantParams.forRange(0f, 5f), QuantParams.forRange(1f, 5f));
        // the always-zero tensor
        assertEquals(new QuantParams(1f, 0), QuantParams.forRange(0f, 0f));
        // opposite extremes whose difference overflows a float
        QuantParams wide = QuantParams.forRange(-Float.MAX_VALUE, Float.MAX_VALUE);
        assertTrue(Float.isFinite(wide.scale()));
        assertEquals(0, wide.zeroPoint(), 1);
        // a step that underflows keeps a finite inverse
        assertTrue(Float.isFinite(QuantParams.forRange(0f, Float.MIN_VALUE).invScale()));
    }

    @Test
    void zeroIsExactOnRandomRanges() {
        SplittableRandom r = new SplittableRandom(7);
        for (int t = 0; t < 10_000; t++) {
            float lo = (float) (-Math.exp(r.nextDouble(-10, 10)) * r.nextInt(2));
            float hi = (float) (Math.exp(r.nextDouble(-10, 10)) * r.nextInt(2));
            QuantParams p = QuantParams.forRange(lo, hi);
            assertEquals(p.zeroPoint(), p.quantize(0f), p.toString());
            assertEquals(0f, p.dequantize(p.quantize(0f)), p.toString());
            // each bound comes back within half a step, as the rounded zero point moves the codes by at most that
            assertEquals(lo, p.dequantize(p.quantize(lo)), p.scale() * 0.5001f, p + " lo " + lo);
            assertEquals(hi, p.dequantize(p.quantize(hi)), p.scale() * 0.5001f, p + " hi " + hi);
        }
    }

    @Test
    void roundsHalfToEven() {
        QuantParams p = new QuantParams(1f, 0);
        assertEquals(2, p.quantize(2.5f));
        assertEquals(4, p.quantize(3.5f));
        assertEquals(-2, p.quantize(-2.5f));
        assertEquals(0, p.quantize(0.5f));
        assertEquals(1, p.quantize(0.5000001f));
    }

    @Test
    void errorsNameTheValue() {
        assertMessage(IllegalArgumentException.class, () -> QuantParams.forRange(Float.NaN, 1f), "finite", "NaN");
        assertMessage(IllegalArgumentException.class, () -> QuantParams.forRange(0f, Float.POSITIVE_INFINITY),
                "finite", "Infinity");
        assertMessage(IllegalArgumentException.class, () -> QuantParams.forRange(2f, 1f), "lo must be <= hi",
                "[2.0, 1.0]");
        assertMessage(IllegalArgumentException.class, () -> new QuantParams(0f, 0), "scale", "0.0");
        assertMessage(IllegalArgumentException.class, () -> new QuantParams(Float.NaN, 0), "scale", "NaN");
        assertMessage(IllegalArgumentException.class, () -> new QuantParams(1f, 128), "zeroPoint", "128");
        QuantParams p = QuantParams.forRange(-1f, 1f);
        assertMessage(IllegalArgumentException.class, () -> p.dequantize(-129), "-128..127", "-129");
        assertMessage(IllegalArgumentException.class, () -> p.quantize(Float.NaN), "NaN");
    }
}
