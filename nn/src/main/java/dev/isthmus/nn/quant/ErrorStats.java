package dev.isthmus.nn.quant;

/**
 * How far a quantized output lands from its fp32 reference, accumulated in double over any number of
 * {@link #add} calls and merged with {@link #addAll}: signal-to-quantization-noise ratio, largest and
 * mean absolute error. A NaN in either input makes the statistics NaN, which a report shows as such.
 * Not thread-safe: one instance per thread, merged at the end.
 */
public final class ErrorStats {
    private double signal;
    private double noise;
    private double absSum;
    private double maxAbs;
    private long count;

    /** Compares {@code actual[actOff .. actOff+n)} with {@code reference[refOff .. refOff+n)} element by element. */
    public void add(float[] reference, int refOff, float[] actual, int actOff, int n) {
        if (reference == null || actual == null) {
            throw new IllegalArgumentException("ErrorStats.add: reference and actual must not be null");
        }
        checkSlice("reference", reference.length, refOff, n);
        checkSlice("actual", actual.length, actOff, n);
        for (int i = 0; i < n; i++) {
            double r = reference[refOff + i];
            double e = r - actual[actOff + i];
            double abs = Math.abs(e);
            signal += r * r;
            noise += e * e;
            absSum += abs;
            maxAbs = Math.max(maxAbs, abs);
        }
        count += n;
    }

    /** Adds everything {@code other} has compared. */
    public void addAll(ErrorStats other) {
        if (other == null) {
            throw new IllegalArgumentException("ErrorStats.addAll: other must not be null");
        }
        signal += other.signal;
        noise += other.noise;
        absSum += other.absSum;
        maxAbs = Math.max(maxAbs, other.maxAbs);
        count += other.count;
    }

    /** Elements compared. */
    public long count() {
        return count;
    }

    /**
     * {@code 10 log10(sum ref^2 / sum (ref - act)^2)}: higher is better, about 6 dB per bit of
     * precision; +Infinity when the output is exact.
     *
     * @throws IllegalStateException when nothing was compared
     */
    public double sqnrDb() {
        requireData();
        if (noise == 0) {
            return Double.POSITIVE_INFINITY;
        }
        return 10 * Math.log10(signal / noise);
    }

    /**
     * The largest {@code |ref - act|}.
     *
     * @throws IllegalStateException when nothing was compared
     */
    public double maxAbsError() {
        requireData();
        return maxAbs;
    }

    /**
     * The mean of {@code |ref - act|}.
     *
     * @throws IllegalStateException when nothing was compared
     */
    public double meanAbsError() {
        requireData();
        return absSum / count;
    }

    private void requireData() {
        if (count == 0) {
            throw new IllegalStateException("ErrorStats: no values compared yet; call add first");
        }
    }

    private static void checkSlice(String name, int length, int off, int n) {
        if (off < 0 || n < 0 || off > length - n) {
            throw new IllegalArgumentException("ErrorStats.add: " + name + " slice [" + off + ", " + off + " + " + n
                    + ") does not fit an array of length " + length);
        }
    }
}
