package dev.isthmus.kernels;

/**
 * 2-D convolution (cross-correlation, as in every deep-learning framework) of a batch of NCHW
 * images, forward and backward, lowered per image to {@link Im2col} and {@link Gemm#sgemm}.
 *
 * <p>Weights are {@code outChannels x (channels * kernelH * kernelW)} row-major, that is
 * {@code (outChannels, channels, kernelH, kernelW)}. Each call takes a workspace of at least
 * {@link ConvShape#columnsSize()} floats for one image's im2col matrix, so that steady-state calls
 * allocate nothing; null makes the call allocate its own. A 1x1 kernel with unit stride and no
 * padding needs no workspace: the image is its own im2col matrix. Outputs are overwritten and must
 * not overlap any input or the workspace. Results are bit-identical for any thread count, as
 * {@link Gemm}'s are.
 */
public final class Convolution {
    private Convolution() {}

    /**
     * {@code y[img, o] = bias[o] + sum over c, ki, kj of weights[o, c, ki, kj] * x[img, c, ih, iw]}
     * for each of n images, reading zero in the padding.
     *
     * @param bias one float per output channel from {@code biasOff}, or null for none
     */
    public static void forward(ConvShape shape, int n, float[] x, int xOff, float[] weights, int weightsOff,
                               float[] bias, int biasOff, float[] y, int yOff, float[] workspace) {
        forward(shape, n, x, xOff, weights, weightsOff, bias, biasOff, y, yOff, workspace, MatrixMultiply.VECTOR);
    }

    /** {@link #forward(ConvShape, int, float[], int, float[], int, float[], int, float[], int, float[])} with its products on {@code gemm}. */
    public static void forward(ConvShape shape, int n, float[] x, int xOff, float[] weights, int weightsOff,
                               float[] bias, int biasOff, float[] y, int yOff, float[] workspace,
                               MatrixMultiply gemm) {
        checkGemm("convolution forward", gemm);
        checkForward(shape, n, x, xOff, weights, weightsOff, bias, biasOff, y, yOff, workspace);
        float[] cols = columns(shape, workspace);
        int k = shape.kernelSize();
        int pixels = shape.outHeight() * shape.outWidth();
        int outC = shape.outChannels();
        for (int img = 0; img < n; img++) {
            int xImg = xOff + img * shape.inputSize();
            int yImg = yOff + img * shape.outputSize();
            float[] b = x;
            int bOff = xImg;
            if (!shape.pointwise()) {
                im2col(shape, x, xImg, cols);
                b = cols;
                bOff = 0;
            }
            if (bias != null) {
                for (int o = 0; o < outC; o++) {
                    java.util.Arrays.fill(y, yImg + o * pixels, yImg + (o + 1) * pixels, bias[biasOff + o]);
                }
            }
            gemm.sgemm(false, false, outC, pixels, k, 1f, weights, weightsOff, k, b, bOff, pixels,
                    bias != null ? 1f : 0f, y, yImg, pixels);
        }
    }

    /** Overwrites dx with the gradient of {@link #forward}'s output with respect to its input, given dy. */
    public static void backwardData(ConvShape shape, int n, float[] dy, int dyOff, float[] weights, int weightsOff,
                                    float[] dx, int dxOff, float[] workspace) {
        backwardData(shape, n, dy, dyOff, weights, weightsOff, dx, dxOff, workspace, MatrixMultiply.VECTOR);
    }

    /** {@link #backwardData(ConvShape, int, float[], int, float[], int, float[], int, float[])} with its products on {@code gemm}. */
    public static void backwardData(ConvShape shape, int n, float[] dy, int dyOff, float[] weights, int weightsOff,
                                    float[] dx, int dxOff, float[] workspace, MatrixMultiply gemm) {
        checkGemm("convolution backward data", gemm);
        checkBackwardData(shape, n, dy, dyOff, weights, weightsOff, dx, dxOff, workspace);
        float[] cols = columns(shape, workspace);
        int k = shape.kernelSize();
        int pixels = shape.outHeight() * shape.outWidth();
        for (int img = 0; img < n; img++) {
            int dyImg = dyOff + img * shape.outputSize();
            int dxImg = dxOff + img * shape.inputSize();
            if (shape.pointwise()) {
                gemm.sgemm(true, false, k, pixels, shape.outChannels(), 1f, weights, weightsOff, k, dy, dyImg, pixels,
                        0f, dx, dxImg, pixels);
            } else {
                gemm.sgemm(true, false, k, pixels, shape.outChannels(), 1f, weights, weightsOff, k, dy, dyImg, pixels,
                        0f, cols, 0, pixels);
                Im2col.col2im(cols, 0, shape.channels(), shape.height(), shape.width(), shape.kernelH(),
                        shape.kernelW(), shape.padH(), shape.padW(), shape.strideH(), shape.strideW(),
                        shape.dilationH(), shape.dilationW(), dx, dxImg);
            }
        }
    }

    /**
     * Overwrites dweights (and dbias unless null) with the gradients of {@link #forward}'s output
     * with respect to the weights (and bias), summed over the n images, given x and dy.
     */
    public static void backwardWeights(ConvShape shape, int n, float[] x, int xOff, float[] dy, int dyOff,
                                       float[] dweights, int dweightsOff, float[] dbias, int dbiasOff,
                                       float[] workspace) {
        backwardWeights(shape, n, x, xOff, dy, dyOff, dweights, dweightsOff, dbias, dbiasOff, workspace,
                MatrixMultiply.VECTOR);
    }

    /** {@link #backwardWeights(ConvShape, int, float[], int, float[], int, float[], int, float[], int, float[])} with its products on {@code gemm}. */
    public static void backwardWeights(ConvShape shape, int n, float[] x, int xOff, float[] dy, int dyOff,
                                       float[] dweights, int dweightsOff, float[] dbias, int dbiasOff,
                                       float[] workspace, MatrixMultiply gemm) {
        checkGemm("convolution backward weights", gemm);
        checkBackwardWeights(shape, n, x, xOff, dy, dyOff, dweights, dweightsOff, dbias, dbiasOff, workspace);
        float[] cols = columns(shape, workspace);
        int k = shape.kernelSize();
        int pixels = shape.outHeight() * shape.outWidth();
        if (n == 0) {
            java.util.Arrays.fill(dweights, dweightsOff, dweightsOff + shape.weightsSize(), 0f);
        }
        for (int img = 0; img < n; img++) {
            int xImg = xOff + img * shape.inputSize();
            float[] b = x;
            int bOff = xImg;
            if (!shape.pointwise()) {
                im2col(shape, x, xImg, cols);
                b = cols;
                bOff = 0;
            }
            // dW (+)= dy_img * cols^T: the first image overwrites, the rest accumulate
            gemm.sgemm(false, true, shape.outChannels(), k, pixels, 1f, dy, dyOff + img * shape.outputSize(), pixels,
                    b, bOff, pixels, img == 0 ? 0f : 1f, dweights, dweightsOff, k);
        }
        if (dbias != null) {
            BatchNorm.sumPerChannel(dy, dyOff, n, shape.outChannels(), pixels, dbias, dbiasOff);
        }
    }

    private static void im2col(ConvShape shape, float[] x, int xImg, float[] cols) {
        Im2col.im2col(x, xImg, shape.channels(), shape.height(), shape.width(), shape.kernelH(), shape.kernelW(),
                shape.padH(), shape.padW(), shape.strideH(), shape.strideW(), shape.dilationH(), shape.dilationW(),
                cols, 0);
    }

    /** The caller's workspace, or a new one when it passed null and the shape needs one. */
    private static float[] columns(ConvShape shape, float[] workspace) {
        return workspace != null || shape.pointwise() ? workspace : new float[shape.columnsSize()];
    }

    // Argument checks, shared with ScalarConvolution.

    static void checkForward(ConvShape shape, int n, float[] x, int xOff, float[] weights, int weightsOff,
                             float[] bias, int biasOff, float[] y, int yOff, float[] workspace) {
        String op = "convolution forward";
        checkShape(op, shape, n);
        int xSize = n * shape.inputSize();
        int ySize = n * shape.outputSize();
        Check.vector(op, "x", xSize, x, xOff);
        Check.vector(op, "weights", shape.weightsSize(), weights, weightsOff);
        Check.vector(op, "y", ySize, y, yOff);
        Check.disjoint(op, "y", y, yOff, ySize, "x", x, xOff, xSize);
        Check.disjoint(op, "y", y, yOff, ySize, "weights", weights, weightsOff, shape.weightsSize());
        if (bias != null) {
            Check.vector(op, "bias", shape.outChannels(), bias, biasOff);
            Check.disjoint(op, "y", y, yOff, ySize, "bias", bias, biasOff, shape.outChannels());
        }
        checkWorkspace(op, shape, workspace);
        Check.disjoint(op, "workspace", workspace, 0, shape.columnsSize(), "x", x, xOff, xSize);
        Check.disjoint(op, "workspace", workspace, 0, shape.columnsSize(), "y", y, yOff, ySize);
        // im2col writes the workspace while weights and bias are still to be read
        Check.disjoint(op, "workspace", workspace, 0, shape.columnsSize(), "weights", weights, weightsOff,
                shape.weightsSize());
        if (bias != null) {
            Check.disjoint(op, "workspace", workspace, 0, shape.columnsSize(), "bias", bias, biasOff,
                    shape.outChannels());
        }
    }

    static void checkBackwardData(ConvShape shape, int n, float[] dy, int dyOff, float[] weights, int weightsOff,
                                  float[] dx, int dxOff, float[] workspace) {
        String op = "convolution backward data";
        checkShape(op, shape, n);
        int dxSize = n * shape.inputSize();
        int dySize = n * shape.outputSize();
        Check.vector(op, "dy", dySize, dy, dyOff);
        Check.vector(op, "weights", shape.weightsSize(), weights, weightsOff);
        Check.vector(op, "dx", dxSize, dx, dxOff);
        Check.disjoint(op, "dx", dx, dxOff, dxSize, "dy", dy, dyOff, dySize);
        Check.disjoint(op, "dx", dx, dxOff, dxSize, "weights", weights, weightsOff, shape.weightsSize());
        checkWorkspace(op, shape, workspace);
        Check.disjoint(op, "workspace", workspace, 0, shape.columnsSize(), "dy", dy, dyOff, dySize);
        Check.disjoint(op, "workspace", workspace, 0, shape.columnsSize(), "dx", dx, dxOff, dxSize);
    }

    static void checkBackwardWeights(ConvShape shape, int n, float[] x, int xOff, float[] dy, int dyOff,
                                     float[] dweights, int dweightsOff, float[] dbias, int dbiasOff,
                                     float[] workspace) {
        String op = "convolution backward weights";
        checkShape(op, shape, n);
        int xSize = n * shape.inputSize();
        int dySize = n * shape.outputSize();
        int wSize = shape.weightsSize();
        Check.vector(op, "x", xSize, x, xOff);
        Check.vector(op, "dy", dySize, dy, dyOff);
        Check.vector(op, "dweights", wSize, dweights, dweightsOff);
        Check.disjoint(op, "dweights", dweights, dweightsOff, wSize, "x", x, xOff, xSize);
        Check.disjoint(op, "dweights", dweights, dweightsOff, wSize, "dy", dy, dyOff, dySize);
        if (dbias != null) {
            Check.vector(op, "dbias", shape.outChannels(), dbias, dbiasOff);
            Check.disjoint(op, "dbias", dbias, dbiasOff, shape.outChannels(), "x", x, xOff, xSize);
            Check.disjoint(op, "dbias", dbias, dbiasOff, shape.outChannels(), "dy", dy, dyOff, dySize);
            Check.disjoint(op, "dbias", dbias, dbiasOff, shape.outChannels(), "dweights", dweights, dweightsOff, wSize);
        }
        checkWorkspace(op, shape, workspace);
        Check.disjoint(op, "workspace", workspace, 0, shape.columnsSize(), "x", x, xOff, xSize);
        Check.disjoint(op, "workspace", workspace, 0, shape.columnsSize(), "dy", dy, dyOff, dySize);
        Check.disjoint(op, "workspace", workspace, 0, shape.columnsSize(), "dweights", dweights, dweightsOff, wSize);
        if (dbias != null) {
            Check.disjoint(op, "workspace", workspace, 0, shape.columnsSize(), "dbias", dbias, dbiasOff,
                    shape.outChannels());
        }
    }

    private static void checkGemm(String op, MatrixMultiply gemm) {
        if (gemm == null) {
            throw new IllegalArgumentException(op + ": the matrix product (gemm) is null");
        }
    }

    private static void checkShape(String op, ConvShape shape, int n) {
        if (shape == null) {
            throw new IllegalArgumentException(op + ": shape is null");
        }
        Check.size(op, "n", n);
        double most = Math.max(shape.inputSize(), shape.outputSize());
        if (n * most > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": " + n + " images of " + shape + " do not fit in an array");
        }
    }

    private static void checkWorkspace(String op, ConvShape shape, float[] workspace) {
        if (workspace != null && workspace.length < shape.columnsSize()) {
            throw new IllegalArgumentException(op + ": workspace has " + workspace.length + " floats but "
                    + shape.columnsSize() + " are needed (ConvShape.columnsSize())");
        }
    }
}
