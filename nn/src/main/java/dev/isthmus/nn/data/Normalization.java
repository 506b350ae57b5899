package dev.isthmus.nn.data;

import java.util.Arrays;

/**
 * Per-feature scaling fitted on a training set and then applied, unchanged, to any set with the
 * same feature size (training, validation, test, single inputs at inference), so that no
 * statistic of the evaluation data leaks into the model's inputs.
 *
 * <p>Each feature {@code j} becomes {@code (x - center[j]) / spread[j]}. {@link #standardize}
 * uses the mean and the population standard deviation (divisor n); {@link #minMax} uses the
 * minimum and the range (max - min), mapping the training set into [0, 1]. A feature whose spread
 * is 0 in the training set (a constant pixel) is only centred, becoming 0 on the training set,
 * instead of dividing by zero. Statistics are accumulated in double.
 */
public final class Normalization {
    /** How the statistics were computed. */
    public enum Kind {
        /** Center is the mean, spread the population standard deviation. */
        STANDARDIZE,
        /** Center is the minimum, spread the range (max - min). */
        MIN_MAX
    }

    private final Kind kind;
    private final float[] center;
    private final float[] spread;
    // 1 / spread, or 1 where spread is 0: the multiply in apply is the hot part
    private final float[] inverse;

    private Normalization(Kind kind, float[] center, float[] spread) {
        this.kind = kind;
        this.center = center;
        this.spread = spread;
        this.inverse = new float[spread.length];
        for (int j = 0; j < spread.length; j++) {
            inverse[j] = spread[j] == 0 ? 1f : 1f / spread[j];
        }
    }

    /** Fits per-feature mean and standard deviation on {@code train}. */
    public static Normalization standardize(Dataset train) {
        checkFit("standardize", train);
        int n = train.size();
        int d = train.featureSize();
        float[] x = train.featureArray();
        double[] sum = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                sum[j] += x[i * d + j];
            }
        }
        double[] mean = new double[d];
        for (int j = 0; j < d; j++) {
            mean[j] = sum[j] / n;
        }
        // two passes: the sum of squared deviations does not cancel catastrophically like E[x^2] - E[x]^2
        double[] squares = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double dev = x[i * d + j] - mean[j];
                squares[j] += dev * dev;
            }
        }
        float[] center = new float[d];
        float[] spread = new float[d];
        for (int j = 0; j < d; j++) {
            center[j] = (float) mean[j];
            spread[j] = (float) Math.sqrt(squares[j] / n);
        }
        return new Normalization(Kind.STANDARDIZE, center, spread);
    }

    /** Fits per-feature minimum and range on {@code train}. */
    public static Normalization minMax(Dataset train) {
        checkFit("minMax", train);
        int n = train.size();
        int d = train.featureSize();
        float[] x = train.featureArray();
        float[] min = new float[d];
        float[] max = new float[d];
        System.arraycopy(x, 0, min, 0, d);
        System.arraycopy(x, 0, max, 0, d);
        for (int i = 1; i < n; i++) {
            for (int j = 0; j < d; j++) {
                min[j] = Math.min(min[j], x[i * d + j]);
                max[j] = Math.max(max[j], x[i * d + j]);
            }
        }
        float[] spread = new float[d];
        for (int j = 0; j < d; j++) {
            spread[j] = (float) ((double) max[j] - min[j]);
            if (!Float.isFinite(spread[j])) {
                throw new IllegalArgumentException("Normalization.minMax: feature " + j + " spans [" + min[j] + ", "
                        + max[j] + "], a range too wide for a float");
            }
        }
        return new Normalization(Kind.MIN_MAX, min, spread);
    }

    /**
     * A normalization from saved statistics (for example read back with a model): {@code center}
     * and {@code spread} per feature, each spread finite and >= 0.
     */
    public static Normalization of(Kind kind, float[] center, float[] spread) {
        if (kind == null || center == null || spread == null) {
            throw new IllegalArgumentException("Normalization.of: kind, center and spread must not be null");
        }
        if (center.length != spread.length || center.length == 0) {
            throw new IllegalArgumentException("Normalization.of: center has " + center.length + " features and spread "
                    + spread.length + "; they must be equal and positive");
        }
        for (int j = 0; j < center.length; j++) {
            if (!Float.isFinite(center[j]) || !(spread[j] >= 0) || !Float.isFinite(spread[j])) {
                throw new IllegalArgumentException("Normalization.of: feature " + j + " has center " + center[j]
                        + " and spread " + spread[j] + "; need a finite center and a finite spread >= 0");
            }
        }
        return new Normalization(kind, center.clone(), spread.clone());
    }

    /** Whether this standardizes or min-max scales. */
    public Kind kind() {
        return kind;
    }

    /** The number of features this was fitted on. */
    public int featureSize() {
        return center.length;
    }

    /** The per-feature center (mean or minimum); a copy. */
    public float[] center() {
        return center.clone();
    }

    /** The per-feature spread (standard deviation or range; 0 for a constant feature); a copy. */
    public float[] spread() {
        return spread.clone();
    }

    /** A new dataset with every example scaled; labels, shape and classes are kept. */
    public Dataset apply(Dataset data) {
        if (data == null) {
            throw new IllegalArgumentException("Normalization.apply: data is null");
        }
        checkFeatureSize(data.featureSize());
        float[] x = data.features();
        applyInPlace(x, 0, data.size());
        return Dataset.owning(x, data.featureShape(), data.labels(), data.classes());
    }

    /** Scales {@code count} consecutive examples in place, starting at {@code off} (a batch, or one input). */
    public void applyInPlace(float[] x, int off, int count) {
        if (x == null) {
            throw new IllegalArgumentException("Normalization.applyInPlace: x is null");
        }
        int d = center.length;
        if (count < 0 || off < 0 || off + (long) count * d > x.length) {
            throw new IllegalArgumentException("Normalization.applyInPlace: " + count + " examples of " + d
                    + " features from offset " + off + " do not fit in an array of " + x.length);
        }
        for (int i = 0; i < count; i++) {
            int row = off + i * d;
            for (int j = 0; j < d; j++) {
                x[row + j] = (x[row + j] - center[j]) * inverse[j];
            }
        }
    }

    @Override
    public String toString() {
        return "Normalization[" + kind + ", " + center.length + " features, center " + preview(center) + ", spread "
                + preview(spread) + "]";
    }

    private void checkFeatureSize(int size) {
        if (size != center.length) {
            throw new IllegalArgumentException("Normalization.apply: fitted on " + center.length
                    + " features, got examples of " + size);
        }
    }

    private static void checkFit(String op, Dataset train) {
        if (train == null) {
            throw new IllegalArgumentException("Normalization." + op + ": train is null");
        }
        if (train.size() == 0) {
            throw new IllegalArgumentException("Normalization." + op + ": cannot fit on an empty dataset");
        }
    }

    private static String preview(float[] a) {
        return a.length <= 4 ? Arrays.toString(a) : Arrays.toString(Arrays.copyOf(a, 4)).replace("]", ", ...]");
    }
}
