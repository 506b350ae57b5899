package dev.isthmus.nn.quant;

import static dev.isthmus.nn.quant.Messages.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ErrorStatsTest {
    @Test
    void byHand() {
        ErrorStats s = new ErrorStats();
        // signal 1 + 4 + 4 = 9, noise 0.25: 10 log10(36)
        s.add(new float[] {7f, 1f, 2f, -2f}, 1, new float[] {1f, 2.5f, -2f, 9f}, 0, 3);
        assertEquals(3, s.count());
        assertEquals(10 * Math.log10(36), s.sqnrDb(), 1e-12);
        assertEquals(0.5, s.maxAbsError());
        assertEquals(0.5 / 3, s.meanAbsError(), 1e-15);
    }

    @Test
    void exactOutputIsInfinitelyGood() {
        ErrorStats s = new ErrorStats();
        float[] x = {1f, -3f, 0f};
        s.add(x, 0, x.clone(), 0, 3);
        assertEquals(Double.POSITIVE_INFINITY, s.sqnrDb());
        assertEquals(0.0, s.maxAbsError());
    }

    @Test
    void mergedPartsEqualTheWhole() {
        SplittableRandom r = new SplittableRandom(9);
        int n = 1001;
        float[] ref = new float[n];
        float[] act = new float[n];
        for (int i = 0; i < n; i++) {
            ref[i] = (float) r.nextDouble(-5, 5);
            act[i] = ref[i] + (float) r.nextDouble(-0.01, 0.01);
        }
        ErrorStats whole = new ErrorStats();
        whole.add(ref, 0, act, 0, n);
        ErrorStats a = new ErrorStats();
        ErrorStats b = new ErrorStats();
        a.add(ref, 0, act, 0, 400);
        b.add(ref, 400, act, 400, n - 400);
        a.addAll(b);
        assertEquals(whole.count(), a.count());
        assertEquals(whole.sqnrDb(), a.sqnrDb(), 1e-9);
        assertEquals(whole.maxAbsError(), a.maxAbsError());
        assertEquals(whole.meanAbsError(), a.meanAbsError(), 1e-15);
        // noise of about 0.0058 rms on a signal of about 2.9 rms: near 54 dB
        assertTrue(whole.sqnrDb() > 50 && whole.sqnrDb() < 58, "sqnr " + whole.sqnrDb());
    }

    @Test
    void nanShowsInTheStatistics() {
        ErrorStats s = new ErrorStats();
        s.add(new float[] {1f, 2f}, 0, new float[] {Float.NaN, 100f}, 0, 2);
        assertTrue(Double.isNaN(s.maxAbsError()));
        assertTrue(Double.isNaN(s.sqnrDb()));
    }

    @Test
    void errorsAreNamed() {
        ErrorStats s = new ErrorStats();
        assertMessage(IllegalStateException.class, s::sqnrDb, "no values compared");
        assertMessage(IllegalStateException.class, s::meanAbsError, "no values compared");
        assertMessage(IllegalStateException.class, s::maxAbsError, "no values compared");
        assertMessage(IllegalArgumentException.class, () -> s.add(new float[4], 0, new float[3], 1, 3), "actual",
                "[1, 1 + 3)", "length 3");
        assertMessage(IllegalArgumentException.class, () -> s.add(new float[2], 0, new float[3], 0, 3), "reference",
                "length 2");
        assertMessage(IllegalArgumentException.class, () -> s.addAll(null), "other");
    }
}
