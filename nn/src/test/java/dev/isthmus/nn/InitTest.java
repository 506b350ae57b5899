package dev.isthmus.nn;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InitTest {
    static double[] meanStdMax(float[] w) {
        double sum = 0;
        double sq = 0;
        double max = 0;
        for (float v : w) {
            sum += v;
            sq += (double) v * v;
            max = Math.max(max, Math.abs(v));
        }
        double mean = sum / w.length;
        return new double[] {mean, Math.sqrt(sq / w.length - mean * mean), max};
    }

    @Test
    void distributionsHaveTheirPublishedSpread() {
        int fanIn = 300;
        int fanOut = 100;
        float[] w = new float[200_000];
        // He normal: std sqrt(2 / fan_in); He uniform: limit sqrt(6 / fan_in), std limit / sqrt(3)
        Init.HE_NORMAL.fill(w, fanIn, fanOut, new SplittableRandom(1));
        double[] s = meanStdMax(w);
        assertEquals(Math.sqrt(2.0 / fanIn), s[1], 0.01 * Math.sqrt(2.0 / fanIn));
        assertEquals(0, s[0], 0.001);
        Init.HE_UNIFORM.fill(w, fanIn, fanOut, new SplittableRandom(2));
        s = meanStdMax(w);
        double limit = Math.sqrt(6.0 / fanIn);
        assertTrue(s[2] <= limit && s[2] > 0.999 * limit, "max " + s[2] + " vs limit " + limit);
        assertEquals(limit / Math.sqrt(3), s[1], 0.01 * limit);
        // Xavier: over fan_in + fan_out
        Init.XAVIER_NORMAL.fill(w, fanIn, fanOut, new SplittableRandom(3));
        assertEquals(Math.sqrt(2.0 / (fanIn + fanOut)), meanStdMax(w)[1], 0.01 * Math.sqrt(2.0 / (fanIn + fanOut)));
        Init.XAVIER_UNIFORM.fill(w, fanIn, fanOut, new SplittableRandom(4));
        double xl = Math.sqrt(6.0 / (fanIn + fanOut));
        assertTrue(meanStdMax(w)[2] <= xl, "xavier uniform within its limit");
        Init.constant(0.25f).fill(w, fanIn, fanOut, new SplittableRandom(5));
        assertEquals(0.25f, w[12345]);
        Init.ZEROS.fill(w, fanIn, fanOut, new SplittableRandom(5));
        assertEquals(0f, w[777]);
    }

    @Test
    void namesParseBackAndUnknownNamesAreNamed() {
        for (Init i : new Init[] {Init.HE_NORMAL, Init.HE_UNIFORM, Init.XAVIER_NORMAL, Init.XAVIER_UNIFORM, Init.ZEROS,
                Init.constant(-1.5f)}) {
            assertEquals(i, Init.parse(i.label()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Init.parse("lecun"));
        assertTrue(e.getMessage().contains("lecun") && e.getMessage().contains("he_normal"), e.getMessage());
    }

    @Test
    void predictRejectsAWrongInputShapeNamingBoth() {
        Sequential m = Sequential.builder(1, 28, 28).dense(10).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.predict(Tensor.zeros(2, 784)));
        assertTrue(e.getMessage().contains("(1, 28, 28)") && e.getMessage().contains("[2, 784]"), e.getMessage());
        IllegalArgumentException built = assertThrows(IllegalArgumentException.class,
                () -> Sequential.builder(784).dense(16).add(new dev.isthmus.nn.layer.Dense(20, 4)));
        assertTrue(built.getMessage().contains("(20)") && built.getMessage().contains("(16)"), built.getMessage());
    }
}
