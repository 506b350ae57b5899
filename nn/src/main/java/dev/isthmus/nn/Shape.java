package dev.isthmus.nn;

import java.util.Arrays;

/**
 * The shape of one sample, without the batch dimension: {@code (features)} for dense data,
 * {@code (channels, height, width)} for images. Immutable; every dimension is at least 1.
 */
public final class Shape {
    private final int[] dims;

    private Shape(int[] dims) {
        this.dims = dims;
    }

    /**
     * A shape with these dimensions.
     *
     * @throws IllegalArgumentException when there are no dimensions, one is below 1, or the product
     *                                  does not fit in an int
     */
    public static Shape of(int... dims) {
        if (dims == null || dims.length == 0) {
            throw new IllegalArgumentException("a shape needs at least one dimension");
        }
        long size = 1;
        for (int d : dims) {
            if (d < 1) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + ": every dimension must be >= 1");
            }
            size *= d;
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has more than 2^31 - 1 elements");
            }
        }
        return new Shape(dims.clone());
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int i) {
        return dims[i];
    }

    /** A copy of the dimensions. */
    public int[] dims() {
        return dims.clone();
    }

    /** Elements in one sample: the product of the dimensions. */
    public int size() {
        int s = 1;
        for (int d : dims) {
            s *= d;
        }
        return s;
    }

    /** The full tensor shape for a batch of n samples: {@code (n, dims...)}. */
    public int[] withBatch(int n) {
        int[] full = new int[dims.length + 1];
        full[0] = n;
        System.arraycopy(dims, 0, full, 1, dims.length);
        return full;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** {@code (1, 28, 28)}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            b.append(i == 0 ? "" : ", ").append(dims[i]);
        }
        return b.append(')').toString();
    }
}
