package dev.isthmus.kernels;

/** Argument checks for the kernels; each failure names the kernel, the argument and the shapes. */
final class Check {
    private Check() {}

    static void size(String op, String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(op + ": " + name + " must be >= 0, got " + value);
        }
    }

    /** A row-major {@code rows x cols} matrix at {@code off} with leading dimension {@code ld} fits in the array. */
    static void matrix(String op, String name, int rows, int cols, float[] array, int off, int ld) {
        matrix(op, name, rows, cols, length(op, name, array), off, ld, "floats");
    }

    /** As the float form, for an int8 matrix (the message counts bytes). */
    static void matrix(String op, String name, int rows, int cols, byte[] array, int off, int ld) {
        matrix(op, name, rows, cols, length(op, name, array), off, ld, "bytes");
    }

    /** {@code n} contiguous ints from {@code off} fit in the array (labels, argmax indices). */
    static void vector(String op, String name, int n, int[] array, int off) {
        vector(op, name, n, length(op, name, array), off, "ints");
    }

    /** {@code n} contiguous elements from {@code off} fit in the array. */
    static void vector(String op, String name, int n, float[] array, int off) {
        vector(op, name, n, length(op, name, array), off, "floats");
    }

    /** {@code n} contiguous bytes from {@code off} fit in the array. */
    static void vector(String op, String name, int n, byte[] array, int off) {
        vector(op, name, n, length(op, name, array), off, "bytes");
    }

    /** The length of a float[], byte[] or int[] argument, which must not be null. */
    private static int length(String op, String name, Object array) {
        return switch (array) {
            case null -> throw new IllegalArgumentException(op + ": " + name + " is null");
            case float[] a -> a.length;
            case byte[] a -> a.length;
            case int[] a -> a.length;
            default -> throw new AssertionError(array.getClass());
        };
    }

    private static void matrix(String op, String name, int rows, int cols, int length, int off, int ld, String unit) {
        if (off < 0) {
            throw new IllegalArgumentException(op + ": offset of " + name + " must be >= 0, got " + off);
        }
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(op + ": " + name + " is " + rows + "x" + cols
                    + " (row-major as stored), so its leading dimension must be >= " + Math.max(1, cols) + ", got " + ld);
        }
        if (rows > 0 && cols > 0 && off + (long) (rows - 1) * ld + cols > length) {
            throw new IllegalArgumentException(op + ": " + name + " is " + rows + "x" + cols + " with leading dimension "
                    + ld + " at offset " + off + ", which needs " + (off + (long) (rows - 1) * ld + cols)
                    + " " + unit + ", but the array has " + length);
        }
    }

    private static void vector(String op, String name, int n, int length, int off, String unit) {
        if (off < 0 || n < 0 || off + (long) n > length) {
            throw new IllegalArgumentException(op + ": " + name + " needs " + n + " " + unit + " from offset " + off
                    + ", but the array has " + length);
        }
    }

    /** As the float form, for int8 arrays. */
    static void disjoint(String op, String outName, byte[] out, int outOff, int outLen,
                         String inName, byte[] in, int inOff, int inLen) {
        if (out == in && outLen > 0 && inLen > 0 && outOff < inOff + (long) inLen && inOff < outOff + (long) outLen) {
            throw new IllegalArgumentException(op + ": " + outName + " [" + outOff + ", " + (outOff + (long) outLen)
                    + ") overlaps " + inName + " [" + inOff + ", " + (inOff + (long) inLen) + ") in the same array");
        }
    }

    /** Output and input in the same array must start at the same offset (in place) or not overlap. */
    static void sameOrDisjoint(String op, String outName, float[] out, int outOff, String inName, float[] in, int inOff,
                               int n) {
        if (out == in && outOff != inOff && n > 0 && outOff < inOff + n && inOff < outOff + n) {
            throw new IllegalArgumentException(op + ": " + outName + " [" + outOff + ", " + (outOff + n)
                    + ") partly overlaps " + inName + " [" + inOff + ", " + (inOff + n)
                    + "): use the same offset (in place) or disjoint ranges");
        }
    }

    /**
     * {@code out[outOff, outOff + outLen)} and {@code in[inOff, inOff + inLen)} share no element, not
     * even in place: for outputs written while inputs are still being read (statistics, im2col
     * columns, pooling, optimizer state).
     */
    static void disjoint(String op, String outName, float[] out, int outOff, int outLen,
                         String inName, float[] in, int inOff, int inLen) {
        if (out == in && outLen > 0 && inLen > 0 && outOff < inOff + (long) inLen && inOff < outOff + (long) outLen) {
            throw new IllegalArgumentException(op + ": " + outName + " [" + outOff + ", " + (outOff + (long) outLen)
                    + ") overlaps " + inName + " [" + inOff + ", " + (inOff + (long) inLen) + ") in the same array");
        }
    }

    /** Elements a row-major {@code rows x cols} matrix with leading dimension ld spans from its start (0 if empty). */
    static int span(int rows, int cols, int ld) {
        return rows == 0 || cols == 0 ? 0 : (int) ((long) (rows - 1) * ld + cols);
    }
}
