package dev.isthmus.nn.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Counts of (true class, predicted class) pairs for single-label classification over
 * {@code classes} classes: row t, column p counts the examples of class t predicted as p. Build one
 * from two label arrays with {@link #of}, or start empty and {@link #add} batch by batch.
 *
 * <p>Per-class scores follow the usual definitions, with one convention: a ratio whose
 * denominator is 0 is 0 (precision of a class never predicted, recall of a class never present,
 * F1 of a class with neither, accuracy of an empty matrix), so every score is a number and a class
 * the model ignores pulls the macro averages down. Macro averages are the unweighted means of the
 * per-class scores over all classes (macro F1 is the mean of the F1s, not the F1 of the means);
 * micro averages pool the counts of all classes first, which for single-label classification makes
 * micro precision, recall and F1 all equal to the accuracy.
 *
 * <p>Not thread-safe: accumulate from one thread, or give each thread its own matrix and sum.
 */
public final class ConfusionMatrix {
    private final int classes;
    private final long[] counts;

    /**
     * An empty matrix.
     *
     * @throws IllegalArgumentException when classes is below 1
     */
    public ConfusionMatrix(int classes) {
        if (classes < 1) {
            throw new IllegalArgumentException("confusion matrix: classes must be >= 1, got " + classes);
        }
        this.classes = classes;
        this.counts = new long[Math.multiplyExact(classes, classes)];
    }

    /**
     * The matrix of these true and predicted labels, paired by index.
     *
     * @throws IllegalArgumentException when the arrays differ in length or a label is outside {@code [0, classes)}
     */
    public static ConfusionMatrix of(int classes, int[] truth, int[] predicted) {
        ConfusionMatrix m = new ConfusionMatrix(classes);
        if (truth == null || predicted == null) {
            throw new IllegalArgumentException("confusion matrix: truth and predicted labels must not be null");
        }
        if (truth.length != predicted.length) {
            throw new IllegalArgumentException("confusion matrix: " + truth.length + " true labels but "
                    + predicted.length + " predicted ones; they are paired by index");
        }
        m.add(truth, predicted, 0, truth.length);
        return m;
    }

    /**
     * Counts the pairs {@code (truth[off + i], predicted[off + i])} for i in [0, n). Every label is
     * checked before anything is counted, so a failed call leaves the matrix as it was.
     *
     * @throws IllegalArgumentException when a range does not fit its array or a label is outside {@code [0, classes)}
     */
    public void add(int[] truth, int[] predicted, int off, int n) {
        check("true", truth, off, n);
        check("predicted", predicted, off, n);
        for (int i = 0; i < n; i++) {
            counts[truth[off + i] * classes + predicted[off + i]]++;
        }
    }

    /** Adds every count of another matrix of as many classes (for matrices filled by separate threads). */
    public void add(ConfusionMatrix other) {
        if (other == null || other.classes != classes) {
            throw new IllegalArgumentException("confusion matrix of " + classes + " classes cannot add "
                    + (other == null ? "null" : "a matrix of " + other.classes + " classes"));
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
    }

    private void check(String which, int[] labels, int off, int n) {
        if (labels == null) {
            throw new IllegalArgumentException("confusion matrix: " + which + " labels are null");
        }
        if (n < 0 || off < 0 || off > labels.length - n) {
            throw new IllegalArgumentException("confusion matrix: " + n + " " + which + " labels from offset " + off
                    + " do not fit in an array of " + labels.length);
        }
        for (int i = off; i < off + n; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("confusion matrix: " + which + " label " + labels[i] + " at index "
                        + i + " is outside [0, " + classes + ")");
            }
        }
    }

    /** An independent copy. */
    public ConfusionMatrix copy() {
        ConfusionMatrix m = new ConfusionMatrix(classes);
        System.arraycopy(counts, 0, m.counts, 0, counts.length);
        return m;
    }

    public int classes() {
        return classes;
    }

    /** The number of examples of class {@code trueClass} predicted as {@code predictedClass}. */
    public long count(int trueClass, int predictedClass) {
        return counts[index(trueClass) * classes + index(predictedClass)];
    }

    /** A copy of the counts, {@code [true class][predicted class]}. */
    public long[][] counts() {
        long[][] c = new long[classes][classes];
        for (int t = 0; t < classes; t++) {
            System.arraycopy(counts, t * classes, c[t], 0, classes);
        }
        return c;
    }

    /** The number of examples counted. */
    public long total() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    /** The number of examples predicted right: the diagonal. */
    public long correct() {
        long n = 0;
        for (int c = 0; c < classes; c++) {
            n += counts[c * classes + c];
        }
        return n;
    }

    /** The number of examples whose true class is c: row c's sum. */
    public long support(int c) {
        int row = index(c) * classes;
        long n = 0;
        for (int p = 0; p < classes; p++) {
            n += counts[row + p];
        }
        return n;
    }

    /** The number of examples predicted as c: column c's sum. */
    public long predictedCount(int c) {
        index(c);
        long n = 0;
        for (int t = 0; t < classes; t++) {
            n += counts[t * classes + c];
        }
        return n;
    }

    /** Of the examples predicted as c, the fraction that are c; 0 when none was predicted as c. */
    public double precision(int c) {
        return ratio(count(c, c), predictedCount(c));
    }

    /** Of the examples of class c, the fraction predicted as c; 0 when there are none. */
    public double recall(int c) {
        return ratio(count(c, c), support(c));
    }

    /**
     * The harmonic mean of c's precision and recall, computed from counts as
     * {@code 2 TP / (2 TP + FP + FN)} (the same value wherever both are defined); 0 when c was
     * neither present nor predicted.
     */
    public double f1(int c) {
        long tp = count(c, c);
        long fp = predictedCount(c) - tp;
        long fn = support(c) - tp;
        return ratio(2 * tp, 2 * tp + fp + fn);
    }

    /** The fraction of examples predicted right; 0 for an empty matrix. */
    public double accuracy() {
        return ratio(correct(), total());
    }

    public double macroPrecision() {
        double s = 0;
        for (int c = 0; c < classes; c++) {
            s += precision(c);
        }
        return s / classes;
    }

    public double macroRecall() {
        double s = 0;
        for (int c = 0; c < classes; c++) {
            s += recall(c);
        }
        return s / classes;
    }

    /** The mean of the per-class F1 scores. */
    public double macroF1() {
        double s = 0;
        for (int c = 0; c < classes; c++) {
            s += f1(c);
        }
        return s / classes;
    }

    /** Pooled true positives over pooled predictions: the accuracy, for single-label classification. */
    public double microPrecision() {
        long tp = 0;
        long predictions = 0;
        for (int c = 0; c < classes; c++) {
            tp += count(c, c);
            predictions += predictedCount(c);
        }
        return ratio(tp, predictions);
    }

    /** Pooled true positives over pooled supports: the accuracy, for single-label classification. */
    public double microRecall() {
        long tp = 0;
        long supports = 0;
        for (int c = 0; c < classes; c++) {
            tp += count(c, c);
            supports += support(c);
        }
        return ratio(tp, supports);
    }

    /**
     * {@code 2 TP / (2 TP + FP + FN)} over the pooled counts, the harmonic mean of micro precision
     * and recall: the accuracy, for single-label classification.
     */
    public double microF1() {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int c = 0; c < classes; c++) {
            long hits = count(c, c);
            tp += hits;
            fp += predictedCount(c) - hits;
            fn += support(c) - hits;
        }
        return ratio(2 * tp, 2 * tp + fp + fn);
    }

    private static double ratio(long numerator, long denominator) {
        return denominator == 0 ? 0 : (double) numerator / denominator;
    }

    private int index(int c) {
        if (c < 0 || c >= classes) {
            throw new IllegalArgumentException("confusion matrix: class " + c + " is outside [0, " + classes + ")");
        }
        return c;
    }

    /** The matrix as a table with rows and columns headed by these names, one per class. */
    String table(List<String> names) {
        String corner = "true \\ predicted";
        int width = 1;
        int first = corner.length();
        for (int c = 0; c < classes; c++) {
            width = Math.max(width, names.get(c).length());
            first = Math.max(first, names.get(c).length());
        }
        for (long count : counts) {
            width = Math.max(width, Long.toString(count).length());
        }
        String cell = " %" + (width + 1) + "s";
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-" + first + "s", corner));
        for (int p = 0; p < classes; p++) {
            b.append(String.format(Locale.ROOT, cell, names.get(p)));
        }
        b.append('\n');
        for (int t = 0; t < classes; t++) {
            b.append(String.format(Locale.ROOT, "%-" + first + "s", names.get(t)));
            for (int p = 0; p < classes; p++) {
                b.append(String.format(Locale.ROOT, cell, counts[t * classes + p]));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** Class indices as names: 0, 1, 2... */
    static List<String> indexNames(int classes) {
        List<String> names = new ArrayList<>(classes);
        for (int c = 0; c < classes; c++) {
            names.add(Integer.toString(c));
        }
        return names;
    }

    /** Equal to another matrix of as many classes holding the same counts. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ConfusionMatrix m && m.classes == classes && Arrays.equals(m.counts, counts);
    }

    @Override
    public int hashCode() {
        return 31 * classes + Arrays.hashCode(counts);
    }

    /** A table of the counts, rows the true classes, columns the predicted ones. */
    @Override
    public String toString() {
        return table(indexNames(classes));
    }
}
