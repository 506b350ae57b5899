package dev.isthmus.blas;

/** Argument checks shared by every binding; each failure names the routine, the argument and the shapes. */
final class Check {
    private Check() {}

    static void size(String op, String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(op + ": " + name + " must be >= 0, got " + value);
        }
    }

    static void sizes(String op, String name1, int v1, String name2, int v2) {
        size(op, name1, v1);
        size(op, name2, v2);
    }

    static void sizes(String op, String name1, int v1, String name2, int v2, String name3, int v3) {
        sizes(op, name1, v1, name2, v2);
        size(op, name3, v3);
    }

    /**
     * Checks a {@code rows x cols} matrix stored in {@code layout} at {@code off} with leading
     * dimension {@code ld}, named as the caller named it, and returns how many elements from
     * {@code off} it spans (0 when it is empty).
     */
    static long matrix(String op, String name, Layout layout, int rows, int cols, float[] array, int off, int ld) {
        if (array == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
        offset(op, name, array, off);
        boolean row = layout == Layout.ROW_MAJOR;
        int outer = row ? rows : cols;
        int inner = row ? cols : rows;
        String shape = rows + "x" + cols + (row ? " (row-major)" : " (column-major)");
        if (ld < Math.max(1, inner)) {
            throw new IllegalArgumentException(op + ": " + name + " is " + shape
                    + ", so its leading dimension must be >= " + Math.max(1, inner) + ", got " + ld);
        }
        if (rows == 0 || cols == 0) {
            return 0;
        }
        long span = (long) (outer - 1) * ld + inner;
        if (off + span > array.length) {
            throw new IllegalArgumentException(op + ": " + name + " is " + shape + " with leading dimension "
                    + ld + " at offset " + off + ", which needs " + (off + span) + " floats, but the array has "
                    + array.length);
        }
        return span;
    }

    /** An offset must lie in the array, or just past its end for an empty operand. */
    private static void offset(String op, String name, float[] array, int off) {
        if (off < 0) {
            throw new IllegalArgumentException(op + ": offset of " + name + " must be >= 0, got " + off);
        }
        if (off > array.length) {
            throw new IllegalArgumentException(op + ": offset of " + name + " is " + off
                    + ", past the end of its array of " + array.length);
        }
    }

    /** Checks n elements at {@code off} with stride {@code inc} and returns the elements spanned. */
    static long vector(String op, String name, int n, float[] array, int off, int inc) {
        if (array == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
        offset(op, name, array, off);
        if (inc < 1) {
            throw new IllegalArgumentException(op + ": increment of " + name + " must be >= 1, got " + inc);
        }
        if (n == 0) {
            return 0;
        }
        long span = (long) (n - 1) * inc + 1;
        if (off + span > array.length) {
            throw new IllegalArgumentException(op + ": " + name + " has " + n + " elements with increment " + inc
                    + " at offset " + off + ", which needs " + (off + span) + " floats, but the array has "
                    + array.length);
        }
        return span;
    }

    /** Rejects an output range that shares memory with an input range. */
    static void noOverlap(String op, String outName, float[] out, int outOff, long outSpan,
                          String inName, float[] in, int inOff, long inSpan) {
        if (out == in && outSpan > 0 && inSpan > 0 && outOff < inOff + inSpan && inOff < outOff + outSpan) {
            throw new IllegalArgumentException(op + ": output " + outName + " [" + outOff + ", " + (outOff + outSpan)
                    + ") overlaps input " + inName + " [" + inOff + ", " + (inOff + inSpan) + ") in the same array");
        }
    }
}
