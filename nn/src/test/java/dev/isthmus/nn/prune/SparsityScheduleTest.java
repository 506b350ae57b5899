package dev.isthmus.nn.prune;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparsityScheduleTest {
    private static void assertRejected(Runnable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should name '" + part + "'");
        }
    }

    @Test
    void constantIsTheSameAtEveryStep() {
        SparsitySchedule s = SparsitySchedule.constant(0.9);
        for (long step : new long[] {0, 1, 99, 100, 1_000_000_000_000L}) {
            assertEquals(0.9, s.sparsity(step), 0.0, "step " + step);
        }
        assertEquals(0.0, SparsitySchedule.constant(0).sparsity(5), 0.0);
        assertEquals("constant(sparsity=0.9)", s.describe());
        assertEquals(s.describe(), s.toString());
    }

    @Test
    void polynomialHoldsRampsAndHolds() {
        SparsitySchedule s = SparsitySchedule.polynomial(0.1, 0.9, 100, 300, 3);
        assertEquals(0.1, s.sparsity(0), 0.0);
        assertEquals(0.1, s.sparsity(99), 0.0);
        assertEquals(0.1, s.sparsity(100), 1e-15);
        // halfway: 0.9 + (0.1 - 0.9) * 0.5^3
        assertEquals(0.8, s.sparsity(200), 1e-12);
        // a quarter of the way: 0.9 - 0.8 * 0.75^3
        assertEquals(0.9 - 0.8 * 0.421875, s.sparsity(150), 1e-12);
        assertEquals(0.9, s.sparsity(300), 0.0);
        assertEquals(0.9, s.sparsity(301), 0.0);
        assertEquals(0.9, s.sparsity(Long.MAX_VALUE), 0.0);
        assertEquals("polynomial(initial=0.1, target=0.9, begin_step=100, end_step=300, power=3.0)", s.describe());
    }

    @Test
    void polynomialOfPowerOneIsAStraightLineAndNeverDecreasesTowardAHigherTarget() {
        SparsitySchedule line = SparsitySchedule.polynomial(0, 0.5, 0, 10, 1);
        for (int step = 0; step <= 10; step++) {
            assertEquals(0.05 * step, line.sparsity(step), 1e-12, "step " + step);
        }
        SparsitySchedule cubic = SparsitySchedule.polynomial(0, 0.95, 7, 1007, 3);
        double previous = -1;
        for (long step = 0; step < 1100; step++) {
            double v = cubic.sparsity(step);
            assertTrue(v >= previous && v >= 0 && v < 1, "step " + step + ": " + v + " after " + previous);
            previous = v;
        }
    }

    @Test
    void aDecreasingPolynomialIsAllowed() {
        SparsitySchedule s = SparsitySchedule.polynomial(0.8, 0.2, 0, 4, 2);
        assertEquals(0.8, s.sparsity(0), 0.0);
        assertEquals(0.2 + 0.6 * 0.25, s.sparsity(2), 1e-12);
        assertEquals(0.2, s.sparsity(4), 0.0);
    }

    @Test
    void rejectsBadArguments() {
        for (double bad : new double[] {-0.01, 1, 1.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertRejected(() -> SparsitySchedule.constant(bad), "sparsity", String.valueOf(bad), "[0, 1)");
            assertRejected(() -> SparsitySchedule.polynomial(bad, 0.5, 0, 10, 3), "initial", String.valueOf(bad));
            assertRejected(() -> SparsitySchedule.polynomial(0, bad, 0, 10, 3), "target", String.valueOf(bad));
        }
        assertRejected(() -> SparsitySchedule.polynomial(0, 0.9, -1, 10, 3), "beginStep", "-1");
        assertRejected(() -> SparsitySchedule.polynomial(0, 0.9, 10, 10, 3), "endStep", "10");
        assertRejected(() -> SparsitySchedule.polynomial(0, 0.9, 10, 5, 3), "endStep", "5");
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertRejected(() -> SparsitySchedule.polynomial(0, 0.9, 0, 10, bad), "power", String.valueOf(bad));
        }
        assertRejected(() -> SparsitySchedule.constant(0.5).sparsity(-1), "step -1");
        assertRejected(() -> SparsitySchedule.polynomial(0, 0.9, 0, 10, 3).sparsity(-3), "step -3");
    }
}
