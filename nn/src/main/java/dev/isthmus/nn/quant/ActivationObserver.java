package dev.isthmus.nn.quant;

/**
 * Statistics of one tensor (a layer's input) over calibration data, turned into {@link QuantParams}
 * by {@link #params(Calibration)}. Feed the data twice: {@link #observeRange} for every batch, then
 * {@link #endRange}, then {@link #observeHistogram} for the same batches; {@link Calibration.Method#MIN_MAX}
 * needs only the first pass. Not thread-safe: one observer per tensor, fed by one thread.
 */
public final class ActivationObserver {
    /**
     * Histogram bins over the observed range: 8 per int8 step of the full range, so percentile
     * interpolation and the MSE search's clipping points are finer than the quantization they choose
     * for, while the table stays 16 KB and the MSE search a few milliseconds.
     */
    public static final int BINS = 2048;

    private enum Phase { RANGE, HISTOGRAM }

    private final String where;
    private Phase phase = Phase.RANGE;
    private float min = Float.POSITIVE_INFINITY;
    private float max = Float.NEGATIVE_INFINITY;
    private long count;

    // pass 2: bins over [histLo, histHi]. For the MSE search, nonzero values also add their offset
    // within their bin (in bin widths, 0..1) and its square, so it knows where in a bin they sit (a
    // discrete input such as pixel levels is a few point masses, not an even spread); exact zeros are
    // counted apart, as every range represents them exactly
    private final long[] histogram = new long[BINS];
    private final double[] offsets = new double[BINS];
    private final double[] offsetSquares = new double[BINS];
    private double histLo;
    private double histHi;
    private int zeroBin;
    private long histCount;
    private long zeros;

    /**
     * @param where what this tensor is, e.g. {@code "step 2 (dense 256 -> 128) input"}, named in every error
     */
    public ActivationObserver(String where) {
        if (where == null) {
            throw new IllegalArgumentException("ActivationObserver: where must name the observed tensor, got null");
        }
        this.where = where;
    }

    /** What this observer watches, as given to the constructor. */
    public String where() {
        return where;
    }

    /**
     * Pass 1: widens the range with {@code x[off .. off+n)}.
     *
     * @throws IllegalArgumentException naming the tensor, the index within this call and the value when
     *                                  one is NaN or infinite (it has no int8 code)
     * @throws IllegalStateException    after {@link #endRange}
     */
    public void observeRange(float[] x, int off, int n) {
        if (phase != Phase.RANGE) {
            throw new IllegalStateException(where + ": observeRange after endRange; the range pass is over "
                    + "(feed the data to observeHistogram now)");
        }
        checkSlice(x, off, n);
        float lo = min;
        float hi = max;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            if (!Float.isFinite(v)) {
                throw nonFinite(i, off, v);
            }
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        min = lo;
        max = hi;
        count += n;
    }

    /**
     * Ends pass 1: fixes the histogram's range to {@code [min(min, 0), max(max, 0)]} in {@value #BINS}
     * bins, 0 included so that the same bins serve the ranges {@link QuantParams#forRange} widens.
     *
     * @throws IllegalStateException when called twice
     */
    public void endRange() {
        if (phase != Phase.RANGE) {
            throw new IllegalStateException(where + ": endRange called twice");
        }
        phase = Phase.HISTOGRAM;
        histLo = count == 0 ? 0 : Math.min(min, 0f);
        histHi = count == 0 ? 0 : Math.max(max, 0f);
        zeroBin = histHi == histLo ? 0 : bin((0 - histLo) * (BINS / (histHi - histLo)));
    }

    /**
     * Pass 2: counts {@code x[off .. off+n)} into the histogram. Values outside the pass-1 range (data
     * that changed between passes) land in the first or last bin.
     *
     * @throws IllegalArgumentException as {@link #observeRange} for NaN or infinite values
     * @throws IllegalStateException    before {@link #endRange}
     */
    public void observeHistogram(float[] x, int off, int n) {
        if (phase != Phase.HISTOGRAM) {
            throw new IllegalStateException(where + ": observeHistogram before endRange; feed every batch to "
                    + "observeRange first, then call endRange");
        }
        checkSlice(x, off, n);
        double width = histHi - histLo;
        double perUnit = width == 0 ? 0 : BINS / width;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            if (!Float.isFinite(v)) {
                throw nonFinite(i, off, v);
            }
            if (v == 0) {
                zeros++;
                histogram[zeroBin]++;
                continue;
            }
            double at = (v - histLo) * perUnit;
            int b = bin(at);
            double offset = Math.max(0, Math.min(1, at - b));
            histogram[b]++;
            offsets[b] += offset;
            offsetSquares[b] += offset * offset;
        }
        histCount += n;
    }

    /** Values seen by pass 1. */
    public long count() {
        return count;
    }

    /**
     * Smallest value seen by pass 1.
     *
     * @throws IllegalArgumentException when pass 1 saw no values
     */
    public float min() {
        requireData();
        return min;
    }

    /**
     * Largest value seen by pass 1.
     *
     * @throws IllegalArgumentException when pass 1 saw no values
     */
    public float max() {
        requireData();
        return max;
    }

    /**
     * The int8 parameters {@code c} picks from what was observed:
     * <ul>
     * <li>MIN_MAX: the exact range of pass 1.
     * <li>PERCENTILE with p: for data never negative (after a ReLU), [0, p-th percentile]; otherwise
     *     [(100-p)-th, p-th percentile], interpolated linearly inside a histogram bin and kept within
     *     the exact range.
     * <li>MSE: the pair of bin edges, one at or below 0 and one at or above it, whose range minimizes the
     *     squared error of quantizing then dequantizing the histogram's values: every pair priced by a
     *     quick model, then the pairs near the best and the min-max range priced against the actual
     *     codes. Never worse than min-max by that second measure; a few milliseconds for {@value #BINS} bins.
     * </ul>
     * The range then goes through {@link QuantParams#forRange}.
     *
     * @throws IllegalArgumentException "calibration saw no values for ..." when pass 1 saw nothing
     * @throws IllegalStateException    for PERCENTILE or MSE before pass 2 has seen values
     */
    public QuantParams params(Calibration c) {
        if (c == null) {
            throw new IllegalArgumentException(where + ": calibration must not be null (minmax, percentile or mse)");
        }
        requireData();
        if (c.method() == Calibration.Method.MIN_MAX) {
            return QuantParams.forRange(min, max);
        }
        if (histCount == 0) {
            throw new IllegalStateException(where + ": " + c + " calibration needs the histogram pass: call endRange, "
                    + "then feed the same data to observeHistogram");
        }
        if (histHi == histLo) {
            return QuantParams.forRange(0f, 0f);
        }
        return switch (c.method()) {
            case PERCENTILE -> {
                double q = c.percentile() / 100;
                float hi = (float) quantile(q);
                float lo = min >= 0 ? 0f : (float) quantile(1 - q);
                yield QuantParams.forRange(Math.min(lo, hi), hi);
            }
            case MSE -> {
                long[] priced = histogram.clone();
                priced[zeroBin] -= zeros;
                ClipSearch.Range range = ClipSearch.best(priced, offsets, offsetSquares, histLo, histHi);
                yield QuantParams.forRange((float) range.lo(), (float) range.hi());
            }
            case MIN_MAX -> throw new AssertionError("handled above");
        };
    }

    /**
     * The value below which a fraction {@code q} of the histogram lies, assuming values spread evenly
     * inside each bin; {@code q <= 0} is the exact minimum and {@code q >= 1} the exact maximum.
     */
    double quantile(double q) {
        if (q <= 0) {
            return min;
        }
        if (q >= 1) {
            return max;
        }
        double rank = q * histCount;
        double binWidth = (histHi - histLo) / BINS;
        long below = 0;
        for (int b = 0; b < BINS; b++) {
            long inBin = histogram[b];
            if (inBin > 0 && below + inBin >= rank) {
                double v = histLo + (b + (rank - below) / inBin) * binWidth;
                return Math.max(min, Math.min(max, v));
            }
            below += inBin;
        }
        return max;
    }

    /** The bin of a position in bin widths from histLo; out-of-range positions (data that changed between passes) go to the end bins. */
    private static int bin(double at) {
        return (int) Math.max(0, Math.min(BINS - 1, at));
    }

    private void requireData() {
        if (count == 0) {
            throw new IllegalArgumentException("calibration saw no values for " + where);
        }
    }

    private IllegalArgumentException nonFinite(int i, int off, float v) {
        return new IllegalArgumentException(where + ": value at index " + i + " of this call (array index "
                + (off + i) + ") is " + v + "; calibration data must be finite");
    }

    private void checkSlice(float[] x, int off, int n) {
        if (x == null) {
            throw new IllegalArgumentException(where + ": the values array is null");
        }
        if (off < 0 || n < 0 || off > x.length - n) {
            throw new IllegalArgumentException(where + ": slice [" + off + ", " + off + " + " + n
                    + ") does not fit an array of length " + x.length);
        }
    }
}
