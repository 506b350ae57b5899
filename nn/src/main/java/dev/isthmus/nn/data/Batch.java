package dev.isthmus.nn.data;

/**
 * One reusable mini-batch buffer that a {@link Batches} iterator refills for every batch: the
 * first {@link #size()} rows of {@link #features()} and entries of {@link #labels()} are valid.
 *
 * <p>The arrays are returned as they are, not copied, because avoiding a copy per batch is the
 * point; their contents change on the next call to the iterator's {@code next()}, so copy what
 * must outlive the batch.
 */
public final class Batch {
    private final float[] features;
    private final int[] labels;
    private final int[] indices;
    private final int[] featureShape;
    private final int featureSize;
    private int size;

    Batch(int capacity, int[] featureShape, int featureSize) {
        this.features = new float[Math.multiplyExact(capacity, featureSize)];
        this.labels = new int[capacity];
        this.indices = new int[capacity];
        this.featureShape = featureShape;
        this.featureSize = featureSize;
    }

    /** The number of valid examples: the batch size, or fewer in an epoch's last batch. */
    public int size() {
        return size;
    }

    /** The largest number of examples this buffer holds. */
    public int capacity() {
        return labels.length;
    }

    /** The buffer of features, row-major {@code capacity() x featureSize()}; only the first {@code size()} rows are valid. */
    public float[] features() {
        return features;
    }

    /** The buffer of labels; only the first {@code size()} entries are valid. */
    public int[] labels() {
        return labels;
    }

    /** The dataset index of each valid example, for tracing a prediction back to its source. */
    public int[] indices() {
        return indices;
    }

    /** The shape of one example; a copy. */
    public int[] featureShape() {
        return featureShape.clone();
    }

    /** The number of floats in one example. */
    public int featureSize() {
        return featureSize;
    }

    /** Fills the buffer with the examples {@code order[from, from + count)} of {@code data}. */
    void fill(Dataset data, int[] order, int from, int count) {
        float[] x = data.featureArray();
        int[] y = data.labelArray();
        for (int r = 0; r < count; r++) {
            int example = order[from + r];
            System.arraycopy(x, example * featureSize, features, r * featureSize, featureSize);
            labels[r] = y[example];
            indices[r] = example;
        }
        size = count;
    }
}
