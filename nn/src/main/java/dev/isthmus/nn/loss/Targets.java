package dev.isthmus.nn.loss;

import dev.isthmus.nn.Tensor;

import java.util.Arrays;

/**
 * The argument checks every loss makes before it calls a kernel, and the target rows it builds from
 * integer labels. Messages start with the loss's name so a user sees which loss refused what.
 */
final class Targets {
    /** What a label indexes in the usual case, for {@link #labelsBelow}'s message. */
    static final String COLUMNS = "the columns of the output";

    private Targets() {}

    /** The number of outputs per row, after checking the output is there and has some. */
    static int width(String loss, Tensor output) {
        if (output == null) {
            throw new IllegalArgumentException(loss + ": output is null");
        }
        long width = 1;
        for (int i = 1; i < output.rank(); i++) {
            width *= output.dim(i);
        }
        if (width == 0) {
            throw new IllegalArgumentException(loss + ": output of shape " + Arrays.toString(output.shape())
                    + " has no values per row");
        }
        return (int) width;
    }

    /** The gradient's array, or null when no gradient is wanted; its shape must be the output's. */
    static float[] gradient(String loss, Tensor output, Tensor grad) {
        if (grad == null) {
            return null;
        }
        sameShape(loss, "grad", output, grad);
        return grad.data();
    }

    static void sameShape(String loss, String what, Tensor output, Tensor other) {
        if (other == null) {
            throw new IllegalArgumentException(loss + ": " + what + " is null");
        }
        if (!Arrays.equals(output.shape(), other.shape())) {
            throw new IllegalArgumentException(loss + ": " + what + " has shape " + Arrays.toString(other.shape())
                    + " but the output has shape " + Arrays.toString(output.shape()) + "; they must be equal");
        }
    }

    /** Checks that {@code labels[off, off + rows)} exists. */
    static void labelsFit(String loss, int[] labels, int off, int rows) {
        if (labels == null) {
            throw new IllegalArgumentException(loss + ": labels is null");
        }
        if (rows < 0 || off < 0 || off > labels.length - rows) {
            throw new IllegalArgumentException(loss + ": " + rows + " labels from offset " + off
                    + " do not fit in an array of " + labels.length);
        }
    }

    /**
     * Checks that every label of the rows is in {@code [0, bound)}; {@code what} says what the bound
     * counts, for the message.
     */
    static void labelsBelow(String loss, int[] labels, int off, int rows, int bound, String what) {
        labelsFit(loss, labels, off, rows);
        for (int r = 0; r < rows; r++) {
            int label = labels[off + r];
            if (label < 0 || label >= bound) {
                throw new IllegalArgumentException(loss + ": label " + label + " of row " + r + " is outside [0, "
                        + bound + "), " + what);
            }
        }
    }

    /**
     * Rows of zeros with {@code value[r]} at each row's label column (or 1 when value is null): the
     * one-hot targets of the labels, scaled per row. The labels must have been checked.
     */
    static float[] oneHot(int[] labels, int off, int rows, int width, float[] value) {
        float[] t = new float[Math.multiplyExact(rows, width)];
        for (int r = 0; r < rows; r++) {
            t[r * width + labels[off + r]] = value == null ? 1f : value[r];
        }
        return t;
    }

    /** The labels themselves as one target value per row, for outputs one value wide. */
    static float[] values(int[] labels, int off, int rows) {
        float[] t = new float[rows];
        for (int r = 0; r < rows; r++) {
            t[r] = labels[off + r];
        }
        return t;
    }

    /** The result for rows that weigh nothing: loss 0, gradient 0 (see {@link Loss}). */
    static double nothing(float[] grad) {
        if (grad != null) {
            Arrays.fill(grad, 0f);
        }
        return 0;
    }
}
