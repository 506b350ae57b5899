package dev.isthmus.kernels;

/**
 * Quantized matrix products {@code C = epilogue(A * B)} with A int8 activations (m x k row-major,
 * signed, one zero point per tensor that the caller folds into {@code offset}), B packed int8
 * weights ({@link Int8Matrix}, symmetric per output column) and exact int32 sums.
 *
 * <p>For row i and column j, {@code acc = sum over p of a[aOff + i * lda + p] * B[p][j]} (int,
 * wrapping as Java int arithmetic does, which no realistic k reaches), then
 * {@code t = acc + offset[j]} (int, wrapping; a null offset is all zeros). Two epilogues follow:
 * <ul>
 *   <li>requantizing to int8: {@code v = (float) t * multiplier[j]}; {@code v = v >= lo ? v : lo}
 *       (so a NaN, possible only from a NaN multiplier, becomes lo) and {@code v = v <= hi ? v : hi}
 *       with {@code hi = 127 - outZeroPoint} and {@code lo = -128 - outZeroPoint}, or
 *       {@code lo = max(outZeroPoint, -128) - outZeroPoint = 0} with relu; then
 *       {@code c = (byte) ((int) Math.rint(v) + outZeroPoint)} (round half to even);</li>
 *   <li>dequantizing to float: {@code s = rowScale[rowScaleOff + i] * colScale[j]} (one float
 *       multiply), {@code y = Math.fma((float) t, s, bias[j])}, or {@code y = (float) t * s} (a
 *       plain multiply, so {@code -0.0} stays) when bias is null; with relu
 *       {@code y = Math.max(y, 0f)} (NaN stays NaN, {@code -0.0} becomes {@code 0.0}; the same as
 *       {@link Activation#RELU}).</li>
 * </ul>
 * The vector kernels compute exactly these operations, so results equal {@link ScalarInt8}'s bit
 * for bit, for every vector width and thread count. {@code threads} is how many pool threads may
 * split the columns; 1 runs on the caller's thread and, once warm, allocates nothing.
 */
public final class Int8Gemm {
    private static final String OP = "int8 gemm";

    private Int8Gemm() {}

    /**
     * The requantizing product: int8 C (m x n at {@code cOff}, leading dimension ldc) as described
     * in the class comment.
     *
     * @param offset     n ints added to each row's sums (zero-point corrections and the bias), or null
     * @param multiplier n floats, the requantizing scale of each column
     * @throws IllegalArgumentException on a null array (other than offset), m below 1, an array
     *                                  shorter than its matrix or than n, lda below k, ldc below n,
     *                                  outZeroPoint outside [-128, 127], C overlapping A, or threads below 1
     */
    public static void gemm(int m, byte[] a, int aOff, int lda, Int8Matrix b, int[] offset, float[] multiplier,
                            int outZeroPoint, boolean relu, byte[] c, int cOff, int ldc, int threads) {
        checkRequantize(m, a, aOff, lda, b, offset, multiplier, outZeroPoint, c, cOff, ldc, threads);
        VectorInt8Gemm.gemm(m, a, aOff, lda, b, offset, multiplier, outZeroPoint, relu, c, null, 0, null, null, null,
                cOff, ldc, threads);
    }

    /**
     * The dequantizing product: float C (m x n at {@code cOff}, leading dimension ldc) as described
     * in the class comment.
     *
     * @param offset   n ints added to each row's sums, or null
     * @param rowScale m floats from rowScaleOff, the scale of each row of A
     * @param colScale n floats, the scale of each column of B
     * @param bias     n floats, or null
     * @throws IllegalArgumentException as the requantizing form, or when C overlaps a scale or the bias
     */
    public static void gemm(int m, byte[] a, int aOff, int lda, Int8Matrix b, int[] offset,
                            float[] rowScale, int rowScaleOff, float[] colScale, float[] bias, boolean relu,
                            float[] c, int cOff, int ldc, int threads) {
        checkDequantize(m, a, aOff, lda, b, offset, rowScale, rowScaleOff, colScale, bias, c, cOff, ldc, threads);
        VectorInt8Gemm.gemm(m, a, aOff, lda, b, offset, null, 0, relu, null, rowScale, rowScaleOff, colScale, bias, c,
                cOff, ldc, threads);
    }

    static void checkRequantize(int m, byte[] a, int aOff, int lda, Int8Matrix b, int[] offset, float[] multiplier,
                                int outZeroPoint, byte[] c, int cOff, int ldc, int threads) {
        checkProduct(m, a, aOff, lda, b, offset, threads);
        perColumn("multiplier", b.n(), multiplier);
        zeroPoint(OP, "outZeroPoint", outZeroPoint);
        Check.matrix(OP, "C", m, b.n(), c, cOff, ldc);
        Check.disjoint(OP, "C", c, cOff, Check.span(m, b.n(), ldc), "A", a, aOff, Check.span(m, b.k(), lda));
    }

    static void checkDequantize(int m, byte[] a, int aOff, int lda, Int8Matrix b, int[] offset,
                                float[] rowScale, int rowScaleOff, float[] colScale, float[] bias,
                                float[] c, int cOff, int ldc, int threads) {
        checkProduct(m, a, aOff, lda, b, offset, threads);
        int n = b.n();
        Check.vector(OP, "rowScale", m, rowScale, rowScaleOff);
        perColumn("colScale", n, colScale);
        if (bias != null) {
            perColumn("bias", n, bias);
        }
        Check.matrix(OP, "C", m, n, c, cOff, ldc);
        int span = Check.span(m, n, ldc);
        Check.disjoint(OP, "C", c, cOff, span, "rowScale", rowScale, rowScaleOff, m);
        Check.disjoint(OP, "C", c, cOff, span, "colScale", colScale, 0, n);
        if (bias != null) {
            Check.disjoint(OP, "C", c, cOff, span, "bias", bias, 0, n);
        }
    }

    private static void checkProduct(int m, byte[] a, int aOff, int lda, Int8Matrix b, int[] offset, int threads) {
        if (b == null) {
            throw new IllegalArgumentException(OP + ": the packed B is null");
        }
        Int8Matrix.positive(OP, "m", m);
        Check.matrix(OP, "A", m, b.k(), a, aOff, lda);
        if (offset != null && offset.length < b.n()) {
            throw new IllegalArgumentException(OP + ": offset has " + offset.length + " ints, fewer than n = " + b.n());
        }
        if (threads < 1) {
            throw new IllegalArgumentException(OP + ": threads must be >= 1, got " + threads);
        }
    }

    private static void perColumn(String name, int n, float[] array) {
        if (array == null) {
            throw new IllegalArgumentException(OP + ": " + name + " is null");
        }
        if (array.length < n) {
            throw new IllegalArgumentException(OP + ": " + name + " has " + array.length + " floats, fewer than n = " + n);
        }
    }

    static void zeroPoint(String op, String name, int zeroPoint) {
        if (zeroPoint < -128 || zeroPoint > 127) {
            throw new IllegalArgumentException(op + ": " + name + " must be in [-128, 127], got " + zeroPoint);
        }
    }
}
