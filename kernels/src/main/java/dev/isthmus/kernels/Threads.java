package dev.isthmus.kernels;

/**
 * How many threads Isthmus computes with: system property {@value #PROPERTY}, else every available
 * processor. OpenBLAS is sized from the same property when it loads.
 */
public final class Threads {
    /** Property setting the thread count; a positive whole number. */
    public static final String PROPERTY = "isthmus.threads";

    private static final int COUNT = parse(System.getProperty(PROPERTY), Runtime.getRuntime().availableProcessors());

    private Threads() {}

    /** The configured thread count, at least 1. */
    public static int count() {
        return COUNT;
    }

    static int parse(String value, int fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(PROPERTY + "=" + value + " is not a positive whole number of threads");
    }
}
