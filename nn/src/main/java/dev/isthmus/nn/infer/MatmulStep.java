package dev.isthmus.nn.infer;

import dev.isthmus.blas.Blas;
import dev.isthmus.blas.Layout;
import dev.isthmus.blas.Transpose;
import dev.isthmus.kernels.Activation;
import dev.isthmus.kernels.Activations;
import dev.isthmus.kernels.ChannelsLast;
import dev.isthmus.kernels.ConvShape;
import dev.isthmus.kernels.Elementwise;
import dev.isthmus.kernels.Gemm;
import dev.isthmus.kernels.Im2col;
import dev.isthmus.kernels.PackedMatrix;
import dev.isthmus.kernels.Parallel;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A dense layer, or a convolution over channels-last images, as one matrix product with a fused
 * epilogue: {@code Y = f(A * W + bias)}, W being {@code k x n} (batch normalization already folded
 * into W and the bias). For a dense layer A is the input batch ({@code rows x k}); for a convolution
 * A is the im2col matrix of the batch ({@code rows * pixels x k}, in the scratch array), or the input
 * itself for a 1x1 convolution with unit stride and no padding. Each output row is a sample's (or a
 * pixel's) features, so a convolution's output is channels-last.
 *
 * <p>Kernel: the Vector API's few-row kernel on W as stored for at most {@value #FEW_ROWS} product
 * rows (batch 1 is one row: no hand-off, no allocation), its packed GEMM on W packed once at compile
 * time for more, or OpenBLAS on W as stored when
 * the product has at least {@link #blasFromRows()} rows, OpenBLAS is loaded and the call does not
 * run inside a pool part. The row count alone decides, so a batch of a given size always runs the
 * same kernels and gives the same bits.
 */
final class MatmulStep implements Step {
    /**
     * Up to this many product rows the Vector API reads W as stored, without packing (the few-row
     * kernel); beyond, it runs on the packed copy. GemmShapesBenchmark, 1:256:784: 8.9 us as stored
     * vs 18.8 us packed (bench/RESULTS.md section 6).
     */
    static final int FEW_ROWS = 32;
    private final ConvShape conv;
    private final int k;
    private final int n;
    private final float[] weights;
    private final float[] bias;
    private final Activation activation;
    private final int blasFromRows;
    private final String folded;
    /** For weights stored as int8 (symmetric per output channel), the int8 values and scales; else null. */
    private final byte[] int8Weights;
    private final float[] int8Scales;
    private final PackedMatrix packed;

    /**
     * @param conv         the convolution's geometry, or null for a dense layer
     * @param weights      {@code k x n} row-major (k = inputs per output row), kept as given
     * @param bias         n floats
     * @param blasFromRows product rows from which OpenBLAS runs it; {@link Integer#MAX_VALUE} for never
     * @param folded       what was folded in ("batchnorm") or "" — for the description only
     */
    MatmulStep(ConvShape conv, int k, int n, float[] weights, float[] bias, Activation activation, int blasFromRows,
               String folded) {
        this(conv, k, n, weights, bias, activation, blasFromRows, folded, null, null);
    }

    /**
     * A product computed in fp32 on int8 weights dequantized once ({@code q[p][j] * scales[j]}): a plan
     * file stores the int8 values, a quarter of the bytes. What an int8 plan keeps in fp32 runs so.
     */
    static MatmulStep dequantized(ConvShape conv, int k, int n, byte[] q, float[] scales, float[] bias,
                                  Activation activation, int blasFromRows, String folded) {
        if (q.length != (long) k * n || scales.length != n) {
            throw new IllegalArgumentException("matmul step: int8 weights must be " + k + " x " + n + " with " + n
                    + " scales, got " + q.length + " values and " + scales.length + " scales");
        }
        float[] w = new float[k * n];
        for (int r = 0; r < k; r++) {
            for (int j = 0; j < n; j++) {
                w[r * n + j] = q[r * n + j] * scales[j];
            }
        }
        return new MatmulStep(conv, k, n, w, bias, activation, blasFromRows, folded, q, scales);
    }

    private MatmulStep(ConvShape conv, int k, int n, float[] weights, float[] bias, Activation activation,
                       int blasFromRows, String folded, byte[] int8Weights, float[] int8Scales) {
        if (k < 1 || n < 1 || weights.length != k * n || bias.length != n) {
            throw new IllegalArgumentException("matmul step: weights must be " + k + " x " + n + " (" + (long) k * n
                    + " floats) and bias " + n + " floats, got " + weights.length + " and " + bias.length);
        }
        if (conv != null && (conv.kernelSize() != k || conv.outChannels() != n)) {
            throw new IllegalArgumentException("matmul step: a convolution " + conv + " needs " + conv.kernelSize()
                    + " x " + conv.outChannels() + " weights, got " + k + " x " + n);
        }
        if (blasFromRows < 1) {
            throw new IllegalArgumentException("matmul step: blasFromRows must be >= 1, got " + blasFromRows);
        }
        this.conv = conv;
        this.k = k;
        this.n = n;
        this.weights = weights;
        this.bias = bias;
        this.activation = activation;
        this.blasFromRows = blasFromRows;
        this.folded = folded;
        this.int8Weights = int8Weights;
        this.int8Scales = int8Scales;
        this.packed = PackedMatrix.pack(false, k, n, weights, 0, n);
    }

    /** The convolution's geometry, or null for a dense layer. */
    ConvShape conv() {
        return conv;
    }

    int blasFromRows() {
        return blasFromRows;
    }

    Activation activation() {
        return activation;
    }

    int k() {
        return k;
    }

    int n() {
        return n;
    }

    /** The {@code k x n} weights, batch norm folded in; shared, never to be written. */
    float[] weights() {
        return weights;
    }

    /** The n biases, batch norm folded in; shared, never to be written. */
    float[] bias() {
        return bias;
    }

    String folded() {
        return folded;
    }

    /** Rows of the product per sample: the output pixels of a convolution, 1 for a dense layer. */
    private int pixels() {
        return conv == null ? 1 : conv.outHeight() * conv.outWidth();
    }

    /** The convolution reads its input as the product's A without im2col (1x1, unit stride, no padding). */
    private boolean direct() {
        return conv == null || conv.pointwise();
    }

    @Override
    public String kind() {
        return conv == null ? "dense" : "conv2d";
    }

    @Override
    public int inSize() {
        return conv == null ? k : conv.inputSize();
    }

    @Override
    public int outSize() {
        return pixels() * n;
    }

    @Override
    public int scratchSize() {
        return direct() ? 0 : pixels() * k;  // one-channel images use one sample's worth at a time
    }

    @Override
    public void run(float[] x, int xOff, float[] y, int yOff, int rows, Workspace ws, boolean pooled) {
        int threads = pooled || rows == 1 ? 1 : Parallel.threads();
        if (conv != null && conv.channels() == 1 && !direct()) {
            // one channel: both layouts agree, and the channels-first im2col (k x pixels) copies whole
            // rows where the channels-last one would copy one float per kernel tap; A is read transposed
            int p = pixels();
            for (int r = 0; r < rows; r++) {
                Im2col.im2col(x, xOff + r * conv.inputSize(), 1, conv.height(), conv.width(), conv.kernelH(),
                        conv.kernelW(), conv.padH(), conv.padW(), conv.strideH(), conv.strideW(), conv.dilationH(),
                        conv.dilationW(), ws.scratch, 0);
                Gemm.sgemm(true, p, 1f, ws.scratch, 0, p, packed, 0f, y, yOff + r * p * n, n, bias, 0, activation, threads);
            }
            return;
        }
        int m = rows * pixels();
        float[] a = x;
        int aOff = xOff;
        if (!direct()) {
            int in = conv.inputSize();
            int cols = pixels() * k;
            for (int r = 0; r < rows; r++) {
                ChannelsLast.im2col(conv, x, xOff + r * in, ws.scratch, r * cols);
            }
            a = ws.scratch;
            aOff = 0;
        }
        if (!pooled && rows > 1 && m >= blasFromRows && Blas.available()) {
            Blas.sgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, m, n, k, 1f, a, aOff, k, weights, 0, n,
                    0f, y, yOff, n);
            for (int i = 0; i < m; i++) {
                Elementwise.add(y, yOff + i * n, bias, 0, y, yOff + i * n, n);
            }
            if (activation.kind() != Activation.Kind.IDENTITY) {
                Activations.forward(activation, y, yOff, y, yOff, m * n);
            }
            return;
        }
        if (m <= FEW_ROWS) {
            // few rows stream W's rows as stored (1 KB runs); the packed panels would cut them into 128-byte pieces
            Gemm.sgemm(false, false, m, n, k, 1f, a, aOff, k, weights, 0, n, 0f, y, yOff, n, bias, 0, activation,
                    threads);
        } else {
            Gemm.sgemm(false, m, 1f, a, aOff, k, packed, 0f, y, yOff, n, bias, 0, activation, threads);
        }
    }

    @Override
    public String describe() {
        StringBuilder s = new StringBuilder();
        if (conv == null) {
            s.append("dense ").append(k).append(" -> ").append(n);
        } else {
            s.append(String.format(Locale.ROOT, "conv2d %dx%d/%d pad %d, %d -> %d channels, %dx%d -> %dx%d (channels-last)",
                    conv.kernelH(), conv.kernelW(), conv.strideH(), conv.padH(), conv.channels(), n, conv.height(),
                    conv.width(), conv.outHeight(), conv.outWidth()));
        }
        s.append(" + bias");
        if (!folded.isEmpty()) {
            s.append(" (").append(folded).append(" folded)");
        }
        if (int8Weights != null) {
            s.append(", fp32 on int8 weights");
        }
        if (activation.kind() != Activation.Kind.IDENTITY) {
            s.append(" + ").append(activation.kind().name().toLowerCase(Locale.ROOT)).append(" fused");
        }
        s.append("; Vector API (few-row kernel to ").append(FEW_ROWS).append(" rows, then pre-packed GEMM)");
        if (blasFromRows != Integer.MAX_VALUE) {
            s.append(", OpenBLAS from ").append(blasFromRows).append(" product rows");
        }
        return s.toString();
    }

    @Override
    public long flops() {
        return 2L * pixels() * k * n;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("k", k);
        c.put("n", n);
        if (conv != null) {
            putGeometry(c, conv);
        }
        c.put("activation", activation.kind().name().toLowerCase(Locale.ROOT));
        c.put("alpha", activation.alpha());
        c.put("blas_from_rows", blasFromRows);
        c.put("folded", folded);
        if (int8Weights != null) {
            c.put("weights", "int8");
        }
        return c;
    }

    /** A convolution's geometry as plan files store it (read back by PlanFile's {@code conv}). */
    static void putGeometry(Map<String, Object> c, ConvShape g) {
        c.put("input", new int[] {g.channels(), g.height(), g.width()});
        c.put("kernel", new int[] {g.kernelH(), g.kernelW()});
        c.put("stride", new int[] {g.strideH(), g.strideW()});
        c.put("padding", new int[] {g.padH(), g.padW()});
        c.put("dilation", new int[] {g.dilationH(), g.dilationW()});
    }

    @Override
    public Map<String, float[]> tensors() {
        Map<String, float[]> t = new LinkedHashMap<>();
        if (int8Weights == null) {
            t.put("weights", weights);
        } else {
            t.put("weight_scales", int8Scales);
        }
        t.put("bias", bias);
        return t;
    }

    @Override
    public Map<String, byte[]> byteTensors() {
        return int8Weights == null ? Map.of() : Map.of("weights_int8", int8Weights);
    }

    @Override
    public long weightBytes() {
        return int8Weights == null ? 4L * (weights.length + bias.length)
                : int8Weights.length + 4L * (int8Scales.length + bias.length);
    }
}
