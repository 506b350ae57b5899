package dev.isthmus.nn.loss;

import dev.isthmus.nn.data.Dataset;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-class weights for the cross entropies, so that rare classes count as much as common ones:
 * pass {@link #balanced(Dataset)} of the training set to {@link SparseCategoricalCrossEntropy} or
 * {@link CategoricalCrossEntropy}.
 */
public final class ClassWeights {
    private ClassWeights() {}

    /**
     * The balanced weights {@code n / (classes * count_c)} of the dataset's labels: every class then
     * carries the same total weight, and a dataset whose classes are all equally frequent gets
     * weights of 1.
     *
     * <p>A class without examples would need an infinite weight. Rather than guessing one (0 would
     * silently drop the class wherever it does appear, for instance in a validation set), this is an
     * error naming the missing classes: drop them from the dataset's class count, or write the
     * weights by hand.
     *
     * @throws IllegalArgumentException when the dataset is null or some class has no example
     */
    public static float[] balanced(Dataset data) {
        if (data == null) {
            throw new IllegalArgumentException("balanced class weights: dataset is null");
        }
        int classes = data.classes();
        long[] counts = new long[classes];
        for (int label : data.labels()) {
            counts[label]++;
        }
        List<Integer> missing = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            if (counts[c] == 0) {
                missing.add(c);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("balanced class weights: " + data + " has no example of class"
                    + (missing.size() == 1 ? " " : "es ") + missing
                    + "; a missing class has no finite balanced weight");
        }
        float[] w = new float[classes];
        for (int c = 0; c < classes; c++) {
            w[c] = (float) ((double) data.size() / ((double) classes * counts[c]));
        }
        return w;
    }

    /** A copy of the weights after checking them, or null for none. */
    static float[] checked(String loss, float[] weights) {
        if (weights == null) {
            return null;
        }
        if (weights.length == 0) {
            throw new IllegalArgumentException(loss + ": class weights are empty; pass null for no weights");
        }
        boolean anyPositive = false;
        for (int c = 0; c < weights.length; c++) {
            float w = weights[c];
            if (!(w >= 0 && w < Float.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException(loss + ": the weight of class " + c + " is " + w
                        + "; class weights must be finite and >= 0");
            }
            anyPositive |= w > 0;
        }
        if (!anyPositive) {
            throw new IllegalArgumentException(loss + ": all " + weights.length + " class weights are 0; at least one"
                    + " must be positive");
        }
        return weights.clone();
    }

    /** Checks that there is one weight per output column. */
    static void matchWidth(String loss, float[] weights, int width) {
        if (weights != null && weights.length != width) {
            throw new IllegalArgumentException(loss + ": " + weights.length + " class weights for an output of width "
                    + width + "; there must be one weight per output column");
        }
    }

    /** The sum of the rows' class weights (rows when unweighted), after checking each label has a weight. */
    static double sum(String loss, float[] weights, int[] labels, int off, int rows) {
        if (weights == null) {
            Targets.labelsFit(loss, labels, off, rows);
            return rows;
        }
        Targets.labelsBelow(loss, labels, off, rows, weights.length, "the classes that have a weight");
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            sum += weights[labels[off + r]];
        }
        return sum;
    }
}
