package dev.isthmus.nn;

import java.util.Arrays;

/**
 * A batch of samples: a shape whose first dimension is the batch size, and its elements in
 * row-major order in a {@code float[]} of exactly that many elements. The data array is shared,
 * not copied: a tensor is a view a caller may fill or read in place.
 */
public final class Tensor {
    private final int[] shape;
    private final float[] data;

    private Tensor(int[] shape, float[] data) {
        this.shape = shape;
        this.data = data;
    }

    /**
     * A tensor over {@code data} (not copied) with this shape, batch dimension first.
     *
     * @throws IllegalArgumentException when the shape has a negative dimension, fewer than two
     *                                  dimensions, or its element count differs from data's length
     */
    public static Tensor of(float[] data, int... shape) {
        if (data == null) {
            throw new IllegalArgumentException("tensor data is null");
        }
        int[] s = checkShape(shape);
        long size = size(s);
        if (size != data.length) {
            throw new IllegalArgumentException("tensor shape " + Arrays.toString(s) + " holds " + size
                    + " elements but the data has " + data.length);
        }
        return new Tensor(s, data);
    }

    /** A tensor of zeros of this shape (batch dimension first). */
    public static Tensor zeros(int... shape) {
        int[] s = checkShape(shape);
        long size = size(s);
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor shape " + Arrays.toString(s) + " has " + size
                    + " elements, more than an array holds");
        }
        return new Tensor(s, new float[(int) size]);
    }

    /** A batch of n samples of this sample shape, zero-filled. */
    public static Tensor zeros(int n, Shape sample) {
        return zeros(sample.withBatch(n));
    }

    private static int[] checkShape(int[] shape) {
        if (shape == null || shape.length < 2) {
            throw new IllegalArgumentException("a tensor shape needs a batch dimension and at least one more, got "
                    + Arrays.toString(shape));
        }
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor shape " + Arrays.toString(shape) + " has a negative dimension");
            }
        }
        return shape.clone();
    }

    private static long size(int[] shape) {
        long size = 1;
        for (int d : shape) {
            size *= d;
            if (size > Integer.MAX_VALUE) {
                return Long.MAX_VALUE;
            }
        }
        return size;
    }

    /** The batch size, the first dimension. */
    public int batch() {
        return shape[0];
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return shape[i];
    }

    /** A copy of the shape, batch dimension first. */
    public int[] shape() {
        return shape.clone();
    }

    /** The shape of one sample: every dimension but the first. */
    public Shape sampleShape() {
        return Shape.of(Arrays.copyOfRange(shape, 1, shape.length));
    }

    /** Elements in the tensor. */
    public int size() {
        return data.length;
    }

    /** The elements, row-major; the array itself, not a copy. */
    public float[] data() {
        return data;
    }

    /** The same data under another shape with as many elements. */
    public Tensor reshape(int... newShape) {
        return of(data, newShape);
    }

    /** An independent copy. */
    public Tensor copy() {
        return new Tensor(shape, data.clone());
    }

    /** The element at these indices, one per dimension. */
    public float get(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " needs "
                    + shape.length + " indices, got " + index.length);
        }
        int flat = 0;
        for (int i = 0; i < shape.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " outside shape "
                        + Arrays.toString(shape));
            }
            flat = flat * shape[i] + index[i];
        }
        return data[flat];
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
