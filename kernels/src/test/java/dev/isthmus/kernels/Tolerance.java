package dev.isthmus.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Error bounds for comparing a Vector API kernel with its double-precision scalar reference, in
 * units of {@link #U}, the relative error of one rounded float operation.
 *
 * <p>The bounds are worst cases derived from the order of the kernel's operations, not fudge
 * factors: a float sum of terms t_i computed along a chain of k dependent additions is off by at
 * most about {@code k * U * sum |t_i|}. A real bug (an element dropped, counted twice, or taken
 * from the wrong row) moves a result by a whole term, which is far outside these bounds for the
 * sizes tested (for 4098 terms in 8 lanes, a chain of about 540 roundings against 1/4098 of the sum).
 */
final class Tolerance {
    /** Unit roundoff of float: 2^-24. */
    static final double U = 0x1p-24;

    private Tolerance() {}

    /**
     * The longest chain of dependent roundings in a vector-accumulated float sum of n terms: at
     * most n / lanes additions into one lane accumulator (fewer when the kernel keeps several),
     * then combining accumulators, reducing the lanes and adding the scalar tail (under 3 * lanes + 4).
     */
    static double sumChain(int n) {
        int lanes = Species.FLOAT.length();
        return (double) n / lanes + 3 * lanes + 4;
    }

    /** Asserts {@code |expected - actual| <= tolerance}; NaN must meet NaN and an infinity the same infinity. */
    static void assertClose(double expected, double actual, double tolerance, String where) {
        if (Double.isNaN(expected)) {
            assertTrue(Double.isNaN(actual), where + ": expected NaN, got " + actual);
            return;
        }
        if (Double.isInfinite(expected)) {
            assertEquals(expected, actual, where);
            return;
        }
        double error = Math.abs(expected - actual);
        assertTrue(error <= tolerance, where + ": expected " + expected + " within " + tolerance + ", got " + actual
                + " (off by " + error + ")");
    }
}
