package dev.isthmus.nn.quant;

/**
 * A k x n weight matrix as symmetric int8 with one scale per output channel (column), built by
 * {@link #symmetricPerColumn}; {@code w[p][j] ~ values[p * n + j] * scales[j]}.
 *
 * <p>Records compare arrays by identity: two instances are equal only when they share their arrays.
 *
 * @param values the codes, k x n row-major like the source (row p = input feature, column j = output
 *               channel), in -127..127
 * @param scales the real value of one step of each column, finite and positive
 * @param k      rows (input features)
 * @param n      columns (output channels)
 */
public record QuantizedWeights(byte[] values, float[] scales, int k, int n) {
    /** Largest code magnitude: symmetric, so -128 is never produced and negation stays in range. */
    public static final int QMAX = 127;

    public QuantizedWeights {
        if (k < 1 || n < 1) {
            throw new IllegalArgumentException("QuantizedWeights: k and n must be >= 1, got k=" + k + ", n=" + n);
        }
        if (values == null || scales == null) {
            throw new IllegalArgumentException("QuantizedWeights: values and scales must not be null");
        }
        if ((long) k * n != values.length) {
            throw new IllegalArgumentException("QuantizedWeights: values must hold k*n = " + (long) k * n
                    + " codes, got " + values.length);
        }
        if (scales.length != n) {
            throw new IllegalArgumentException("QuantizedWeights: scales must hold n = " + n + " scales, got "
                    + scales.length);
        }
    }

    /**
     * Quantizes {@code w[wOff .. wOff + k*n)}, a k x n row-major matrix, per column:
     * {@code scale_j = max_p |w[p][j]| / 127} and {@code code = clamp(rint(w / scale_j), -127, 127)}, so
     * each column's largest magnitude becomes exactly +-127 and every element round-trips within half
     * a step. An all-zero column gets scale 1 and zero codes (any scale is exact for it; 1 keeps
     * division by it finite). A column whose step underflows to 0 gets the smallest float as its step.
     *
     * @throws IllegalArgumentException when a weight is NaN or infinite (naming its row and column), a
     *                                  size is below 1, or the slice does not fit {@code w}
     */
    public static QuantizedWeights symmetricPerColumn(float[] w, int wOff, int k, int n) {
        if (w == null) {
            throw new IllegalArgumentException("QuantizedWeights: the weight array is null");
        }
        if (k < 1 || n < 1) {
            throw new IllegalArgumentException("QuantizedWeights: k and n must be >= 1, got k=" + k + ", n=" + n);
        }
        long size = (long) k * n;
        if (size > Integer.MAX_VALUE || wOff < 0 || wOff > w.length - size) {
            throw new IllegalArgumentException("QuantizedWeights: a " + k + " x " + n + " matrix at offset " + wOff
                    + " does not fit an array of length " + w.length);
        }
        float[] maxAbs = new float[n];
        for (int p = 0; p < k; p++) {
            int row = wOff + p * n;
            for (int j = 0; j < n; j++) {
                float v = w[row + j];
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("QuantizedWeights: weight (row " + p + ", column " + j
                            + ") at array index " + (row + j) + " is " + v + "; weights must be finite");
                }
                maxAbs[j] = Math.max(maxAbs[j], Math.abs(v));
            }
        }
        float[] scales = new float[n];
        for (int j = 0; j < n; j++) {
            scales[j] = maxAbs[j] == 0 ? 1f : Math.max(maxAbs[j] / QMAX, Float.MIN_VALUE);
        }
        byte[] values = new byte[(int) size];
        for (int p = 0; p < k; p++) {
            int row = wOff + p * n;
            for (int j = 0; j < n; j++) {
                // the column max divides to 127 within a float rounding, which rint absorbs
                double q = Math.rint(w[row + j] / scales[j]);
                values[p * n + j] = (byte) Math.max(-QMAX, Math.min(QMAX, q));
            }
        }
        return new QuantizedWeights(values, scales, k, n);
    }

    /**
     * The real value the code at row {@code p}, column {@code j} stands for.
     *
     * @throws IllegalArgumentException when {@code p} or {@code j} is outside the matrix
     */
    public float dequantized(int p, int j) {
        if (p < 0 || p >= k || j < 0 || j >= n) {
            throw new IllegalArgumentException("QuantizedWeights: (row " + p + ", column " + j
                    + ") is outside the " + k + " x " + n + " matrix");
        }
        return values[p * n + j] * scales[j];
    }
}
