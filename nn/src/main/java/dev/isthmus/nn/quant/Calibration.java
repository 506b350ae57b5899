package dev.isthmus.nn.quant;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * How an {@link ActivationObserver} turns what it saw into an int8 range: {@link #minMax()},
 * {@link #percentile(double)} or {@link #mse()}; {@link #parse} reads the same forms {@link #toString}
 * writes, for command-line flags and reports.
 *
 * @param method     which rule picks the range
 * @param percentile for {@link Method#PERCENTILE}, the upper percentile kept, in (50, 100]; the other
 *                   methods carry 100 (they keep or choose the whole range themselves), so that two
 *                   equal calibrations are equal records
 */
public record Calibration(Method method, double percentile) {
    /** The rules an observer can apply. */
    public enum Method {
        /** The exact smallest and largest value seen. */
        MIN_MAX,
        /** Clips the tails beyond a percentile (both tails unless the data is never negative). */
        PERCENTILE,
        /** The clipping range minimizing the expected squared quantization error over the histogram. */
        MSE
    }

    /** The percentile {@code parse("percentile")} uses: clips one value in 10,000 per tail. */
    public static final double DEFAULT_PERCENTILE = 99.99;

    private static final String FORMS = "minmax, percentile (= percentile:" + DEFAULT_PERCENTILE
            + "), percentile:P with 50 < P <= 100, or mse";

    public Calibration {
        if (method == null) {
            throw new IllegalArgumentException("Calibration: method must not be null (MIN_MAX, PERCENTILE or MSE)");
        }
        if (method == Method.PERCENTILE) {
            // NaN fails both comparisons, so it is refused here too
            if (!(percentile > 50 && percentile <= 100)) {
                throw new IllegalArgumentException("Calibration: percentile must be in (50, 100], e.g. "
                        + DEFAULT_PERCENTILE + ", got " + percentile);
            }
        } else if (percentile != 100) {
            throw new IllegalArgumentException("Calibration: " + method + " takes no percentile (pass 100), got "
                    + percentile);
        }
    }

    /** The exact range of the calibration data. */
    public static Calibration minMax() {
        return new Calibration(Method.MIN_MAX, 100);
    }

    /** Clips at the {@code p}-th percentile, {@code p} in (50, 100], e.g. 99.99. */
    public static Calibration percentile(double p) {
        return new Calibration(Method.PERCENTILE, p);
    }

    /** The range minimizing the expected squared error of quantizing the calibration data. */
    public static Calibration mse() {
        return new Calibration(Method.MSE, 100);
    }

    /**
     * Reads {@code minmax}, {@code percentile} ({@value #DEFAULT_PERCENTILE}), {@code percentile:P} or
     * {@code mse}, in any case and with surrounding blanks ignored.
     *
     * @throws IllegalArgumentException naming the text and the accepted forms when it is none of them
     */
    public static Calibration parse(String s) {
        if (s == null) {
            throw new IllegalArgumentException("calibration must not be null; expected " + FORMS);
        }
        String t = s.strip().toLowerCase(Locale.ROOT);
        switch (t) {
            case "minmax":
                return minMax();
            case "mse":
                return mse();
            case "percentile":
                return percentile(DEFAULT_PERCENTILE);
            default:
                break;
        }
        if (t.startsWith("percentile:")) {
            String number = t.substring("percentile:".length()).strip();
            double p;
            try {
                p = Double.parseDouble(number);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("calibration '" + s + "': '" + number
                        + "' is not a number; expected " + FORMS);
            }
            if (!(p > 50 && p <= 100)) {
                throw new IllegalArgumentException("calibration '" + s + "': percentile must be in (50, 100], got "
                        + number + "; expected " + FORMS);
            }
            return percentile(p);
        }
        throw new IllegalArgumentException("unknown calibration '" + s + "'; expected " + FORMS);
    }

    /** The form {@link #parse} reads back to an equal calibration: {@code minmax}, {@code percentile:99.99}, {@code mse}. */
    @Override
    public String toString() {
        return switch (method) {
            case MIN_MAX -> "minmax";
            case MSE -> "mse";
            // shortest decimal that reads back to the same double, without a trailing ".0"
            case PERCENTILE -> "percentile:" + BigDecimal.valueOf(percentile).stripTrailingZeros().toPlainString();
        };
    }
}
