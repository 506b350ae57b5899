package dev.isthmus.nn.quant;

/**
 * The MSE calibration's search for a clipping range over a histogram of equal bins spanning
 * {@code [lo, hi]} (which contains 0): the range whose quantize-then-dequantize error, summed over
 * the histogram's values, is smallest. Each bin brings its count and the sum and sum of squares of
 * its values' offsets inside it (in bin widths), so the search knows each bin's mean and spread.
 *
 * <p>First stage, every range whose bounds are bin edges, the lower at or below 0 and the upper at or
 * above it (about (bins / 2)^2 = 1M ranges for 2048 bins, a few milliseconds), with the error of
 * range {@code [a, b]} and step {@code s = (b - a) / 255} modelled as
 * <ul>
 * <li>{@code s^2 / 12} for each value inside (rounding error, as if every step were evenly filled), and
 * <li>{@code (value - bound)^2} for each value outside, which saturates at the bound: exact, and O(1)
 *     per range from prefix sums of count, position and position squared.
 * </ul>
 * Costs are in bin widths squared (the common factor does not change the minimum), which keeps the
 * sums well scaled.
 *
 * <p>The first model ignores where {@link QuantParams#forRange} actually puts the codes (the rounded
 * zero point moves them by up to half a step) and how values sit against them, so on data where
 * clipping barely helps (uniform data) its choice measured up to 1% worse than min-max, and on
 * discrete data (pixel levels, one-hot inputs) min-max can be exact while a clipped range is not. The
 * second stage re-prices the ranges within {@value #REFINE} edges of the first stage's choice, and the
 * min-max range, with the codes {@code forRange} gives each: every bin's values taken as spread evenly
 * over the interval with the bin's mean and variance (a point when they are all equal), their squared
 * distance to the rounded-and-saturated code integrated exactly. That is O(bins + 256) per range for
 * about 80 ranges. Ties keep min-max, then the earlier candidate, so the result is deterministic.
 */
final class ClipSearch {
    /** A chosen clipping range in data units. */
    record Range(double lo, double hi) {}

    /** Edges either side of the first stage's bounds the second stage re-prices; 4 bins is half a full-range step. */
    static final int REFINE = 4;

    private static final double STEPS = QuantParams.QMAX - QuantParams.QMIN;

    private ClipSearch() {}

    /**
     * The best range for the values described by {@code counts}, {@code offsets} and
     * {@code offsetSquares} (per bin: how many, the sum of their offsets inside the bin in bin widths,
     * and of those offsets squared), over equal bins spanning {@code [lo, hi]}, {@code lo <= 0 <= hi},
     * {@code lo < hi}. Exact zeros cost nothing in any range, so the caller leaves them out.
     */
    static Range best(long[] counts, double[] offsets, double[] offsetSquares, double lo, double hi) {
        int bins = counts.length;
        // prefix sums over bins [0, k) of count, position and position squared, positions in bin widths
        double[] n = new double[bins + 1];
        double[] s1 = new double[bins + 1];
        double[] s2 = new double[bins + 1];
        for (int k = 0; k < bins; k++) {
            n[k + 1] = n[k] + counts[k];
            s1[k + 1] = s1[k] + (double) k * counts[k] + offsets[k];
            s2[k + 1] = s2[k] + (double) k * k * counts[k] + 2.0 * k * offsets[k] + offsetSquares[k];
        }
        double total = n[bins];
        double width = (hi - lo) / bins;
        double zero = -lo / width;
        int lastLower = (int) Math.min(bins, Math.floor(zero));
        int firstUpper = (int) Math.max(0, Math.ceil(zero));
        double rounding = 1 / (STEPS * STEPS * 12);

        // saturation cost of the values at or above each upper edge j, hoisted out of the pair loop
        double[] aboveCost = new double[bins + 1];
        for (int j = firstUpper; j <= bins; j++) {
            aboveCost[j] = (s2[bins] - s2[j]) - 2.0 * j * (s1[bins] - s1[j]) + (double) j * j * (total - n[j]);
        }
        double bestCost = Double.POSITIVE_INFINITY;
        int bestI = 0;
        int bestJ = bins;
        for (int i = 0; i <= lastLower; i++) {
            double belowCount = n[i];
            double belowCost = (double) i * i * n[i] - 2.0 * i * s1[i] + s2[i];
            for (int j = bins; j >= Math.max(firstUpper, i + 1); j--) {
                double inside = n[j] - belowCount;
                double span = j - i;
                double cost = belowCost + aboveCost[j] + inside * span * span * rounding;
                if (cost < bestCost) {
                    bestCost = cost;
                    bestI = i;
                    bestJ = j;
                }
            }
        }

        // second stage: min-max first, so it wins ties
        Range best = edges(0, bins, bins, lo, hi, width);
        bestCost = priced(counts, offsets, offsetSquares, lo, width, best);
        for (int i = Math.max(0, bestI - REFINE); i <= Math.min(lastLower, bestI + REFINE); i++) {
            for (int j = Math.max(firstUpper, bestJ - REFINE); j <= Math.min(bins, bestJ + REFINE); j++) {
                if (j <= i) {
                    continue;
                }
                Range r = edges(i, j, bins, lo, hi, width);
                double cost = priced(counts, offsets, offsetSquares, lo, width, r);
                if (cost < bestCost) {
                    bestCost = cost;
                    best = r;
                }
            }
        }
        return best;
    }

    private static Range edges(int i, int j, int bins, double lo, double hi, double width) {
        // the outer edges are the exact bounds, not a product that may round past them
        double a = i == 0 ? lo : lo + i * width;
        double b = j == bins ? hi : lo + j * width;
        return new Range(Math.min(a, 0), Math.max(b, 0));
    }

    /** The second stage's squared error of the histogram under the codes {@code forRange} gives {@code r}. */
    private static double priced(long[] counts, double[] offsets, double[] offsetSquares, double lo, double width,
                                 Range r) {
        QuantParams p = QuantParams.forRange((float) r.lo(), (float) r.hi());
        double total = 0;
        for (int k = 0; k < counts.length; k++) {
            long c = counts[k];
            if (c == 0) {
                continue;
            }
            double mean = offsets[k] / c;
            double variance = Math.max(0, offsetSquares[k] / c - mean * mean);
            // an even spread of this variance is sqrt(12 variance) wide
            double half = Math.sqrt(3 * variance);
            double center = lo + (k + mean) * width;
            total += c * meanSquaredError(p, center - half * width, center + half * width);
        }
        return total;
    }

    /**
     * The mean of (x - dequantize(quantize(x)))^2 over x spread evenly on [from, to], in double:
     * the integral over each code's cell, the end codes' cells reaching to infinity (saturation).
     */
    static double meanSquaredError(QuantParams p, double from, double to) {
        double s = p.scale();
        int zp = p.zeroPoint();
        int q = (int) Math.max(QuantParams.QMIN, Math.min(QuantParams.QMAX, Math.rint(from / s) + zp));
        // relative to the data's magnitude, a narrower interval is a point: integrating it would only add rounding
        if (to - from <= 1e-9 * Math.max(Math.abs(from), s)) {
            double e = from - (double) (q - zp) * s;
            return e * e;
        }
        double sum = 0;
        double at = from;
        while (at < to) {
            double cellEnd = q == QuantParams.QMAX ? Double.POSITIVE_INFINITY : (q - zp + 0.5) * s;
            double end = Math.max(at, Math.min(to, cellEnd));
            double code = (double) (q - zp) * s;
            double u = at - code;
            double v = end - code;
            sum += (v * v * v - u * u * u) / 3;
            at = end;
            q++;
        }
        return sum / (to - from);
    }
}
