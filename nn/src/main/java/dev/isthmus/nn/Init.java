package dev.isthmus.nn;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How a layer's weights start. Fan-in and fan-out are the inputs and outputs of one unit: for a dense
 * layer its input and output features, for a convolution {@code channels * kH * kW} and
 * {@code outChannels * kH * kW}.
 *
 * <ul>
 * <li>Xavier/Glorot (Glorot and Bengio, 2010), for tanh and sigmoid layers: uniform in
 *     {@code +-sqrt(6 / (fanIn + fanOut))}, or normal with standard deviation
 *     {@code sqrt(2 / (fanIn + fanOut))}.
 * <li>He/Kaiming (He et al., 2015), for ReLU layers (the default of dense and convolution layers):
 *     uniform in {@code +-sqrt(6 / fanIn)}, or normal with standard deviation {@code sqrt(2 / fanIn)}.
 * <li>zeros, or a constant.
 * </ul>
 *
 * @param kind  which rule
 * @param value the constant, for {@link Kind#CONSTANT}
 */
public record Init(Kind kind, float value) {
    public enum Kind { XAVIER_UNIFORM, XAVIER_NORMAL, HE_UNIFORM, HE_NORMAL, ZEROS, CONSTANT }

    public static final Init XAVIER_UNIFORM = new Init(Kind.XAVIER_UNIFORM, 0f);
    public static final Init XAVIER_NORMAL = new Init(Kind.XAVIER_NORMAL, 0f);
    public static final Init HE_UNIFORM = new Init(Kind.HE_UNIFORM, 0f);
    public static final Init HE_NORMAL = new Init(Kind.HE_NORMAL, 0f);
    public static final Init ZEROS = new Init(Kind.ZEROS, 0f);

    public Init {
        if (kind == null) {
            throw new IllegalArgumentException("init kind is null");
        }
        if (!Float.isFinite(value)) {
            throw new IllegalArgumentException("init constant " + value + " is not finite");
        }
    }

    /** Every value equal to {@code value}. */
    public static Init constant(float value) {
        return new Init(Kind.CONSTANT, value);
    }

    /**
     * Parses a name as written in model files and on the command line: {@code xavier_uniform},
     * {@code xavier_normal}, {@code he_uniform}, {@code he_normal}, {@code zeros} or a number.
     */
    public static Init parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "xavier_uniform", "glorot_uniform" -> XAVIER_UNIFORM;
            case "xavier_normal", "glorot_normal" -> XAVIER_NORMAL;
            case "he_uniform", "kaiming_uniform" -> HE_UNIFORM;
            case "he_normal", "kaiming_normal" -> HE_NORMAL;
            case "zeros" -> ZEROS;
            default -> {
                try {
                    yield constant(Float.parseFloat(n));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("unknown initialization '" + name
                            + "': expected xavier_uniform, xavier_normal, he_uniform, he_normal, zeros or a number");
                }
            }
        };
    }

    /** The name {@link #parse} reads back. */
    public String label() {
        return kind == Kind.CONSTANT ? Float.toString(value) : kind.name().toLowerCase(Locale.ROOT);
    }

    /** Fills {@code w} by this rule, drawing from {@code rng}. */
    public void fill(float[] w, int fanIn, int fanOut, SplittableRandom rng) {
        switch (kind) {
            case XAVIER_UNIFORM -> uniform(w, Math.sqrt(6.0 / (fanIn + fanOut)), rng);
            case XAVIER_NORMAL -> normal(w, Math.sqrt(2.0 / (fanIn + fanOut)), rng);
            case HE_UNIFORM -> uniform(w, Math.sqrt(6.0 / fanIn), rng);
            case HE_NORMAL -> normal(w, Math.sqrt(2.0 / fanIn), rng);
            case ZEROS -> java.util.Arrays.fill(w, 0f);
            case CONSTANT -> java.util.Arrays.fill(w, value);
        }
    }

    private static void uniform(float[] w, double limit, SplittableRandom rng) {
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
        }
    }

    private static void normal(float[] w, double std, SplittableRandom rng) {
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rng.nextGaussian() * std);
        }
    }
}
