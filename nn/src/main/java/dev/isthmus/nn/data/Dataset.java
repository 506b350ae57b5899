package dev.isthmus.nn.data;

import java.util.Arrays;

/**
 * An immutable in-memory set of {@code n} labelled examples for classification: the features of
 * all examples in one row-major {@code float[]} ({@code n x featureSize}, each example shaped
 * {@link #featureShape()}, for example {@code [1, 28, 28]} or {@code [d]}), one class index per
 * example, and the number of classes.
 *
 * <p>Construction checks that the lengths agree, that every label is in {@code [0, classes)} and
 * that every feature is finite. The public constructor copies its arrays, and {@link #features()}
 * and {@link #labels()} return copies, so no caller can change a dataset after the checks; read
 * single examples with {@link #copyExample} and {@link #label}, or mini-batches with
 * {@link Batches}, which copy only what they need.
 */
public final class Dataset {
    private final float[] features;
    private final int[] labels;
    private final int[] featureShape;
    private final int featureSize;
    private final int classes;

    /** Copies {@code features} and {@code labels}; see the class comment for what is checked. */
    public Dataset(float[] features, int[] featureShape, int[] labels, int classes) {
        this(copy(features, "features"), copy(featureShape, "featureShape"), copy(labels, "labels"), classes,
                true);
    }

    /** Takes ownership of arrays nobody else holds (readers, subsets, normalization); still checks them. */
    private Dataset(float[] features, int[] featureShape, int[] labels, int classes, boolean owned) {
        this.featureSize = checkShape(featureShape);
        if (classes < 1) {
            throw new IllegalArgumentException("Dataset: classes must be >= 1, got " + classes);
        }
        if ((long) labels.length * featureSize != features.length) {
            throw new IllegalArgumentException("Dataset: " + labels.length + " labels with feature shape "
                    + Arrays.toString(featureShape) + " need " + (long) labels.length * featureSize
                    + " features, got " + features.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("Dataset: label of example " + i + " is " + labels[i]
                        + ", must be in [0, " + classes + ")");
            }
        }
        for (int i = 0; i < features.length; i++) {
            if (!Float.isFinite(features[i])) {
                throw new IllegalArgumentException("Dataset: feature " + i % featureSize + " of example "
                        + i / featureSize + " is " + features[i] + ", must be finite");
            }
        }
        this.features = features;
        this.featureShape = featureShape;
        this.labels = labels;
        this.classes = classes;
    }

    static Dataset owning(float[] features, int[] featureShape, int[] labels, int classes) {
        return new Dataset(features, featureShape, labels, classes, true);
    }

    /** The number of examples. */
    public int size() {
        return labels.length;
    }

    /** The shape of one example, for example {@code [1, 28, 28]}; a copy. */
    public int[] featureShape() {
        return featureShape.clone();
    }

    /** The number of floats in one example: the product of {@link #featureShape()}. */
    public int featureSize() {
        return featureSize;
    }

    /** The number of classes; every label is in {@code [0, classes)}. */
    public int classes() {
        return classes;
    }

    /** A copy of all features, row-major {@code size() x featureSize()}. */
    public float[] features() {
        return features.clone();
    }

    /** A copy of all labels. */
    public int[] labels() {
        return labels.clone();
    }

    /** The label of example {@code i}. */
    public int label(int i) {
        checkExample(i);
        return labels[i];
    }

    /** Copies the {@link #featureSize()} features of example {@code i} into {@code dst} at {@code dstOff}. */
    public void copyExample(int i, float[] dst, int dstOff) {
        checkExample(i);
        if (dst == null) {
            throw new IllegalArgumentException("Dataset.copyExample: dst is null");
        }
        if (dstOff < 0 || dstOff + (long) featureSize > dst.length) {
            throw new IllegalArgumentException("Dataset.copyExample: " + featureSize + " floats from offset "
                    + dstOff + " do not fit in an array of " + dst.length);
        }
        System.arraycopy(features, i * featureSize, dst, dstOff, featureSize);
    }

    /** The examples at {@code indices}, in that order; an index may repeat (bootstrap samples). */
    public Dataset subset(int[] indices) {
        if (indices == null) {
            throw new IllegalArgumentException("Dataset.subset: indices is null");
        }
        for (int k = 0; k < indices.length; k++) {
            if (indices[k] < 0 || indices[k] >= size()) {
                throw new IllegalArgumentException("Dataset.subset: indices[" + k + "] is " + indices[k]
                        + ", must be in [0, " + size() + ")");
            }
        }
        float[] f = new float[Math.multiplyExact(indices.length, featureSize)];
        int[] l = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            System.arraycopy(features, indices[k] * featureSize, f, k * featureSize, featureSize);
            l[k] = labels[indices[k]];
        }
        return new Dataset(f, featureShape.clone(), l, classes, true);
    }

    /** A training set and a validation set drawn from one dataset without overlap. */
    public record Split(Dataset train, Dataset validation) {}

    /**
     * Shuffles the examples with {@code seed} (the same seed gives the same split) and puts the first
     * {@code round(fraction * size())} of them in the training set, the rest in the validation set.
     * Both keep this dataset's number of classes. The split is not stratified.
     */
    public Split split(double fraction, long seed) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("Dataset.split: fraction must be in [0, 1], got " + fraction);
        }
        int[] order = new int[size()];
        // a stream no epoch uses, so a split and its batches never share an order
        Shuffle.permutation(order, seed, -1);
        int trainSize = (int) Math.round(fraction * size());
        return new Split(subset(Arrays.copyOfRange(order, 0, trainSize)),
                subset(Arrays.copyOfRange(order, trainSize, order.length)));
    }

    @Override
    public String toString() {
        return "Dataset[" + size() + " examples of shape " + Arrays.toString(featureShape) + ", " + classes
                + " classes]";
    }

    // package-private views for Batches and Normalization, which copy what they read
    float[] featureArray() {
        return features;
    }

    int[] labelArray() {
        return labels;
    }

    private void checkExample(int i) {
        if (i < 0 || i >= size()) {
            throw new IndexOutOfBoundsException("Dataset: example " + i + " is not in [0, " + size() + ")");
        }
    }

    private static int checkShape(int[] shape) {
        if (shape.length == 0) {
            throw new IllegalArgumentException("Dataset: featureShape must have at least one dimension, got []");
        }
        long size = 1;
        for (int d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException("Dataset: featureShape " + Arrays.toString(shape)
                        + " must have positive dimensions");
            }
            size *= d;
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("Dataset: featureShape " + Arrays.toString(shape)
                        + " has more than " + Integer.MAX_VALUE + " elements");
            }
        }
        return (int) size;
    }

    private static float[] copy(float[] a, String name) {
        if (a == null) {
            throw new IllegalArgumentException("Dataset: " + name + " is null");
        }
        return a.clone();
    }

    private static int[] copy(int[] a, String name) {
        if (a == null) {
            throw new IllegalArgumentException("Dataset: " + name + " is null");
        }
        return a.clone();
    }
}
