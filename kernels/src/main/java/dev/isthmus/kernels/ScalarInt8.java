package dev.isthmus.kernels;

/**
 * The plain reference for {@link Int8Gemm}, {@link Int8} and {@link Int8ChannelsLast}: every output
 * element computed on its own by the formula in those classes' javadoc. The oracle the vector
 * kernels are tested against.
 */
public final class ScalarInt8 {
    private ScalarInt8() {}

    /** Same arguments (without threads), checks and results as the requantizing {@link Int8Gemm#gemm}. */
    public static void gemm(int m, byte[] a, int aOff, int lda, Int8Matrix b, int[] offset, float[] multiplier,
                            int outZeroPoint, boolean relu, byte[] c, int cOff, int ldc) {
        Int8Gemm.checkRequantize(m, a, aOff, lda, b, offset, multiplier, outZeroPoint, c, cOff, ldc, 1);
        float hi = 127 - outZeroPoint;
        float lo = (relu ? Math.max(outZeroPoint, -128) : -128) - outZeroPoint;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < b.n(); j++) {
                int t = dot(a, aOff + i * lda, b, j) + (offset == null ? 0 : offset[j]);
                float v = (float) t * multiplier[j];
                v = v >= lo ? v : lo;
                v = v <= hi ? v : hi;
                c[cOff + i * ldc + j] = (byte) ((int) Math.rint(v) + outZeroPoint);
            }
        }
    }

    /** Same arguments (without threads), checks and results as the dequantizing {@link Int8Gemm#gemm}. */
    public static void gemm(int m, byte[] a, int aOff, int lda, Int8Matrix b, int[] offset,
                            float[] rowScale, int rowScaleOff, float[] colScale, float[] bias, boolean relu,
                            float[] c, int cOff, int ldc) {
        Int8Gemm.checkDequantize(m, a, aOff, lda, b, offset, rowScale, rowScaleOff, colScale, bias, c, cOff, ldc, 1);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < b.n(); j++) {
                int t = dot(a, aOff + i * lda, b, j) + (offset == null ? 0 : offset[j]);
                float s = rowScale[rowScaleOff + i] * colScale[j];
                float y = bias == null ? (float) t * s : Math.fma((float) t, s, bias[j]);
                c[cOff + i * ldc + j] = relu ? Math.max(y, 0f) : y;
            }
        }
    }

    /** The int32 sum over p of {@code a[row + p] * B[p][j]}. */
    private static int dot(byte[] a, int row, Int8Matrix b, int j) {
        int acc = 0;
        for (int p = 0; p < b.k(); p++) {
            acc += a[row + p] * b.get(p, j);
        }
        return acc;
    }

    /** Same arguments, checks and results as {@link Int8#quantize}. */
    public static boolean quantize(float[] x, int xOff, int n, float invScale, int zeroPoint, byte[] q, int qOff) {
        Int8.checkQuantize(x, xOff, n, invScale, zeroPoint, q, qOff);
        boolean ok = true;
        for (int i = 0; i < n; i++) {
            float f = x[xOff + i] * invScale;
            if (Float.isNaN(f)) {
                q[qOff + i] = (byte) zeroPoint;
                ok = false;
                continue;
            }
            double r = Math.rint(f) + zeroPoint;
            q[qOff + i] = (byte) Math.min(127, Math.max(-128, r));
        }
        return ok;
    }

    /** Same arguments, checks and results as {@link Int8#dequantize}. */
    public static void dequantize(byte[] q, int qOff, int n, float scale, int zeroPoint, float[] y, int yOff) {
        Int8.checkDequantize(q, qOff, n, zeroPoint, y, yOff);
        for (int i = 0; i < n; i++) {
            y[yOff + i] = (float) (q[qOff + i] - zeroPoint) * scale;
        }
    }

    /** Same arguments, checks and results as {@link Int8#maxAbs}. */
    public static float maxAbs(float[] x, int xOff, int n) {
        Check.vector("int8 max abs", "x", n, x, xOff);
        float max = 0f;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, Math.abs(x[xOff + i]));
        }
        return max;
    }

    /** Same arguments, checks and results as {@link Int8ChannelsLast#im2col}. */
    public static void im2col(ConvShape g, byte[] x, int xOff, byte[] cols, int colsOff, byte pad) {
        Int8ChannelsLast.checkIm2col(g, x, xOff, cols, colsOff);
        int channels = g.channels(), height = g.height(), width = g.width();
        int kernelH = g.kernelH(), kernelW = g.kernelW(), outW = g.outWidth();
        int columns = kernelH * kernelW * channels;
        for (int oh = 0; oh < g.outHeight(); oh++) {
            for (int ow = 0; ow < outW; ow++) {
                for (int kh = 0; kh < kernelH; kh++) {
                    for (int kw = 0; kw < kernelW; kw++) {
                        int ih = oh * g.strideH() - g.padH() + kh * g.dilationH();
                        int iw = ow * g.strideW() - g.padW() + kw * g.dilationW();
                        boolean inside = ih >= 0 && ih < height && iw >= 0 && iw < width;
                        for (int c = 0; c < channels; c++) {
                            cols[colsOff + (oh * outW + ow) * columns + (kh * kernelW + kw) * channels + c] =
                                    inside ? x[xOff + (ih * width + iw) * channels + c] : pad;
                        }
                    }
                }
            }
        }
    }

    /** Same arguments, checks and results as {@link Int8ChannelsLast#maxPool}. */
    public static void maxPool(byte[] x, int xOff, int n, int height, int width, int channels, int size, int stride,
                               byte[] y, int yOff) {
        Int8ChannelsLast.checkPool(x, xOff, n, height, width, channels, size, stride, y, yOff);
        int outH = (height - size) / stride + 1;
        int outW = (width - size) / stride + 1;
        for (int img = 0; img < n; img++) {
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < outW; ow++) {
                    for (int c = 0; c < channels; c++) {
                        byte max = Byte.MIN_VALUE;
                        for (int kh = 0; kh < size; kh++) {
                            for (int kw = 0; kw < size; kw++) {
                                int ih = oh * stride + kh, iw = ow * stride + kw;
                                max = (byte) Math.max(max, x[xOff + ((img * height + ih) * width + iw) * channels + c]);
                            }
                        }
                        y[yOff + ((img * outH + oh) * outW + ow) * channels + c] = max;
                    }
                }
            }
        }
    }
}
