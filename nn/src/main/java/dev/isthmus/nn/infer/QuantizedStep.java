package dev.isthmus.nn.infer;

import dev.isthmus.kernels.Activation;
import dev.isthmus.kernels.ChannelsLast;
import dev.isthmus.kernels.ConvShape;
import dev.isthmus.kernels.Int8;
import dev.isthmus.kernels.Int8ChannelsLast;
import dev.isthmus.kernels.Int8Gemm;
import dev.isthmus.kernels.Int8Matrix;
import dev.isthmus.kernels.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A run of int8 operations with float input and output: the input is quantized once, products and
 * max pooling then pass int8 activations to each other, and the last product dequantizes to float.
 *
 * <p><b>Static</b> (calibrated): the input and every product's output have a per-tensor scale and
 * zero point found by calibration ({@code real = (q - zero) * scale}); weights are symmetric int8 per
 * output channel; the bias is int32 at scale {@code inScale * weightScale[j]}; a ReLU after a product
 * is fused into its requantization (the output is clamped at the zero point). A product's int32 sum
 * {@code sum (qIn - zIn) qW + bias} is computed as {@code sum qIn qW + offset[j]} with
 * {@code offset[j] = bias[j] - zIn * sum_p qW[p][j]}, so the kernels never see the zero point.
 *
 * <p><b>Dynamic</b>: a single product whose input is quantized per call, per sample, symmetrically
 * ({@code scale = max|x| / 127}, zero point 0); the output is dequantized with that scale and the
 * float bias added. It needs no calibration.
 *
 * <p>A sample whose input holds a NaN gets NaN outputs (quantization would otherwise turn it into a
 * number silently), so {@link InferencePlan#predictClass} reports it as it does for fp32 plans.
 */
final class QuantizedStep implements Step {
    /** One int8 operation of the run. */
    sealed interface Op permits Product, MaxPool {
        /** int8 values per sample this operation reads. */
        int inSize();

        /** int8 (or, for the last product, float) values per sample it writes. */
        int outSize();
    }

    /**
     * An int8 dense layer or channels-last convolution: {@code k x n} int8 weights, symmetric per
     * output channel. Static products requantize to int8 at ({@code outScale}, {@code outZero}), or,
     * when last, dequantize to float; a dynamic product dequantizes with its per-sample input scale.
     *
     * @param conv         the convolution's geometry, or null for a dense layer
     * @param weights      {@code k x n} row-major int8 weights
     * @param weightScales n per-channel weight scales
     * @param bias         n int32 biases at scale {@code inScale * weightScales[j]} (static), or null (dynamic)
     * @param floatBias    n float biases (dynamic), or null (static)
     * @param inScale      input scale (static; ignored for dynamic)
     * @param inZero       input zero point (static; 0 for dynamic)
     * @param outScale     output scale of an int8 output, 0 for a float output
     * @param outZero      output zero point of an int8 output
     */
    record Product(ConvShape conv, int k, int n, byte[] weights, float[] weightScales, int[] bias, float[] floatBias,
                   boolean relu, float inScale, int inZero, float outScale, int outZero) implements Op {
        Product {
            if (k < 1 || n < 1 || weights.length != (long) k * n || weightScales.length != n
                    || (bias == null) == (floatBias == null)
                    || (bias != null ? bias.length : floatBias.length) != n) {
                throw new IllegalArgumentException("int8 product: weights must be " + k + " x " + n
                        + ", with n weight scales and n biases (int32 or float, one of them)");
            }
            if (conv != null && (conv.kernelSize() != k || conv.outChannels() != n)) {
                throw new IllegalArgumentException("int8 product: a convolution " + conv + " needs " + conv.kernelSize()
                        + " x " + conv.outChannels() + " weights, got " + k + " x " + n);
            }
            for (int j = 0; j < n; j++) {
                if (!(weightScales[j] > 0) || !Float.isFinite(weightScales[j])) {
                    throw new IllegalArgumentException("int8 product: weight scale " + j + " must be finite and > 0, got "
                            + weightScales[j]);
                }
                if (floatBias != null && !Float.isFinite(floatBias[j])) {
                    throw new IllegalArgumentException("int8 product: bias " + j + " must be finite, got " + floatBias[j]);
                }
            }
            if (bias != null) {
                requireParams("input", inScale, inZero);
            }
            if (outScale != 0f) {
                requireParams("output", outScale, outZero);
            }
        }

        boolean dynamic() {
            return floatBias != null;
        }

        boolean floatOut() {
            return outScale == 0f;
        }

        int pixels() {
            return conv == null ? 1 : conv.outHeight() * conv.outWidth();
        }

        /** The product reads its input as A without im2col (dense, or a 1x1 unit-stride unpadded convolution). */
        boolean direct() {
            return conv == null || conv.pointwise();
        }

        @Override
        public int inSize() {
            return conv == null ? k : conv.inputSize();
        }

        @Override
        public int outSize() {
            return pixels() * n;
        }
    }

    /** Max pooling of channels-last int8 images: square windows, no padding; scale and zero point pass through. */
    record MaxPool(int channels, int height, int width, int size, int stride) implements Op {
        MaxPool {
            if (channels < 1 || height < 1 || width < 1 || size < 1 || stride < 1 || size > height || size > width
                    || (long) channels * height * width > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("int8 max pool: a " + size + " x " + size + " window with stride "
                        + stride + " does not fit images of " + channels + " x " + height + " x " + width);
            }
        }

        int outHeight() {
            return (height - size) / stride + 1;
        }

        int outWidth() {
            return (width - size) / stride + 1;
        }

        @Override
        public int inSize() {
            return channels * height * width;
        }

        @Override
        public int outSize() {
            return channels * outHeight() * outWidth();
        }
    }

    /** What each product adds to the kernel's sums and multiplies them by, derived once. */
    private record Derived(Int8Matrix matrix, int[] offset, float[] multiplier) {}

    private final float inScale;
    private final int inZero;
    private final Op[] ops;
    private final Derived[] derived;
    private final int[] sources;
    private final int widestBytes;
    private final int widestColumns;
    private final int widestPixels;

    /**
     * @param inScale the input's scale (static), 0 for a dynamic step
     * @param inZero  the input's zero point (static)
     * @param ops     the operations: a single product for a dynamic step; otherwise products and max
     *                pools whose sizes chain, starting and ending with a product whose output is float
     * @param sources for each operation, the index of the fp32 plan step it replaces (for the
     *                quantization report), or null where unknown (a loaded plan)
     */
    QuantizedStep(float inScale, int inZero, List<Op> ops, int[] sources) {
        if (ops.isEmpty()) {
            throw new IllegalArgumentException("int8 step: needs at least one operation");
        }
        this.inScale = inScale;
        this.inZero = inZero;
        this.ops = ops.toArray(new Op[0]);
        this.sources = sources == null ? null : sources.clone();
        if (this.sources != null && this.sources.length != this.ops.length) {
            throw new IllegalArgumentException("int8 step: " + this.sources.length + " sources for " + this.ops.length
                    + " operations");
        }
        boolean dynamic = inScale == 0f;
        if (dynamic && (this.ops.length != 1 || !(this.ops[0] instanceof Product p) || !p.dynamic())) {
            throw new IllegalArgumentException("int8 step: a dynamic step is one dynamic product");
        }
        if (!dynamic) {
            requireParams("input", inScale, inZero);
        }
        if (!(this.ops[0] instanceof Product) || !(this.ops[this.ops.length - 1] instanceof Product last)
                || !last.floatOut()) {
            throw new IllegalArgumentException("int8 step: must start with a product and end with one whose output is float");
        }
        derived = new Derived[this.ops.length];
        float scale = inScale;
        int zero = inZero;
        int bytes = this.ops[0].inSize();
        int columns = 0;
        int pixels = 1;
        for (int i = 0; i < this.ops.length; i++) {
            Op op = this.ops[i];
            if (i > 0 && op.inSize() != this.ops[i - 1].outSize()) {
                throw new IllegalArgumentException("int8 step: operation " + i + " reads " + op.inSize()
                        + " values per sample but operation " + (i - 1) + " writes " + this.ops[i - 1].outSize());
            }
            if (op instanceof Product p) {
                if (p.dynamic() != dynamic) {
                    throw new IllegalArgumentException("int8 step: operation " + i + " mixes static and dynamic quantization");
                }
                if (!dynamic && (p.inScale() != scale || p.inZero() != zero)) {
                    throw new IllegalArgumentException("int8 step: operation " + i + " expects input scale " + p.inScale()
                            + " and zero point " + p.inZero() + " but receives " + scale + " and " + zero);
                }
                if (p.floatOut() != (i == this.ops.length - 1)) {
                    throw new IllegalArgumentException("int8 step: only the last operation writes floats (operation " + i
                            + ")");
                }
                derived[i] = derive(p);
                scale = p.outScale();
                zero = p.outZero();
                pixels = Math.max(pixels, p.pixels());
                if (!p.direct()) {
                    columns = Math.max(columns, Math.multiplyExact(p.pixels(), p.k()));
                }
            }
            if (i < this.ops.length - 1) {
                bytes = Math.max(bytes, op.outSize());
            }
        }
        this.widestBytes = bytes;
        this.widestColumns = columns;
        this.widestPixels = pixels;
    }

    static void requireParams(String what, float scale, int zero) {
        if (!(scale > 0) || !Float.isFinite(scale) || zero < -128 || zero > 127) {
            throw new IllegalArgumentException("int8 step: " + what + " scale must be finite and > 0 and its zero point in "
                    + "[-128, 127], got " + scale + " and " + zero);
        }
    }

    private static Derived derive(Product p) {
        Int8Matrix m = Int8Matrix.pack(p.k(), p.n(), p.weights(), 0, p.n());
        int n = p.n();
        if (p.dynamic()) {
            return new Derived(m, null, null);
        }
        int[] sums = m.columnSums();
        int[] offset = new int[n];
        float[] multiplier = new float[n];
        for (int j = 0; j < n; j++) {
            long o = (long) p.bias()[j] - (long) p.inZero() * sums[j];
            if (o != (int) o) {
                throw new IllegalArgumentException("int8 product: bias " + p.bias()[j] + " of channel " + j
                        + " with the zero-point correction leaves the int32 range");
            }
            offset[j] = (int) o;
            // requantization: real = sum * inScale * wScale = (q - outZero) * outScale
            multiplier[j] = p.floatOut() ? p.weightScales()[j]
                    : (float) ((double) p.inScale() * p.weightScales()[j] / p.outScale());
        }
        return new Derived(m, offset, multiplier);
    }

    List<Op> ops() {
        return List.of(ops);
    }

    float inScale() {
        return inScale;
    }

    int inZero() {
        return inZero;
    }

    boolean dynamic() {
        return inScale == 0f;
    }

    @Override
    public String kind() {
        return "int8";
    }

    @Override
    public int inSize() {
        return ops[0].inSize();
    }

    @Override
    public int outSize() {
        return ops[ops.length - 1].outSize();
    }

    /** Per sample: one NaN flag and a row scale per product row. */
    @Override
    public int scratchSize() {
        return 1 + widestPixels;
    }

    /** Per sample: two int8 activation buffers and the im2col rows. */
    @Override
    public int byteScratchSize() {
        return Math.addExact(Math.multiplyExact(2, widestBytes), widestColumns);
    }

    @Override
    public void run(float[] x, int xOff, float[] y, int yOff, int rows, Workspace ws, boolean pooled) {
        int threads = pooled || rows == 1 ? 1 : Parallel.threads();
        byte[] bytes = ws.bytes;
        float[] scratch = ws.scratch;
        int bufA = 0;
        int bufB = rows * widestBytes;
        int cols = 2 * rows * widestBytes;
        int nanFlags = 0;
        int rowScales = rows;
        int in = inSize();
        boolean anyNaN = false;
        if (dynamic()) {
            Product p = (Product) ops[0];
            int pixels = p.pixels();
            for (int r = 0; r < rows; r++) {
                float max = Int8.maxAbs(x, xOff + r * in, in);
                // NaN or an infinity: the sample's outputs become NaN below; an all-zero sample: scale 1, all 0
                boolean bad = !Float.isFinite(max);
                float scale = bad || max == 0f ? 1f : max / 127f;
                Int8.quantize(x, xOff + r * in, in, bad || max == 0f ? 1f : 127f / max, 0, bytes, bufA + r * in);
                scratch[nanFlags + r] = bad ? 1f : 0f;
                anyNaN |= bad;
                Arrays.fill(scratch, rowScales + r * pixels, rowScales + (r + 1) * pixels, scale);
            }
        } else {
            float inv = 1f / inScale;
            for (int r = 0; r < rows; r++) {
                boolean ok = Int8.quantize(x, xOff + r * in, in, inv, inZero, bytes, bufA + r * in);
                scratch[nanFlags + r] = ok ? 0f : 1f;
                anyNaN |= !ok;
            }
        }
        int src = bufA;
        int dst = bufB;
        for (int i = 0; i < ops.length; i++) {
            switch (ops[i]) {
                case Product p -> {
                    Derived d = derived[i];
                    int m = rows * p.pixels();
                    int a = src;
                    if (!p.direct()) {
                        int inSize = p.conv().inputSize();
                        int perSample = p.pixels() * p.k();
                        byte pad = (byte) p.inZero();
                        for (int r = 0; r < rows; r++) {
                            Int8ChannelsLast.im2col(p.conv(), bytes, src + r * inSize, bytes, cols + r * perSample, pad);
                        }
                        a = cols;
                    }
                    if (p.floatOut()) {
                        if (!p.dynamic()) {
                            Arrays.fill(scratch, rowScales, rowScales + m, p.inScale());
                        }
                        Int8Gemm.gemm(m, bytes, a, p.k(), d.matrix(), d.offset(), scratch, rowScales,
                                p.weightScales(), p.floatBias(), p.relu(), y, yOff, p.n(), threads);
                    } else {
                        Int8Gemm.gemm(m, bytes, a, p.k(), d.matrix(), d.offset(), d.multiplier(), p.outZero(), p.relu(),
                                bytes, dst, p.n(), threads);
                    }
                }
                case MaxPool q -> Int8ChannelsLast.maxPool(bytes, src, rows, q.height(), q.width(), q.channels(),
                        q.size(), q.stride(), bytes, dst);
            }
            int t = src;
            src = dst;
            dst = t;
        }
        if (anyNaN) {
            int out = outSize();
            for (int r = 0; r < rows; r++) {
                if (scratch[nanFlags + r] != 0f) {
                    Arrays.fill(y, yOff + r * out, yOff + (r + 1) * out, Float.NaN);
                }
            }
        }
    }

    /**
     * Runs the operations on {@code rows} samples and returns each operation's output, dequantized
     * to float (channels-last images, as the fp32 plan's steps write them): what the quantization
     * report compares layer by layer. Allocates; not for serving.
     */
    float[][] trace(float[] x, int xOff, int rows) {
        float[][] outputs = new float[ops.length][];
        float[] input = Arrays.copyOfRange(x, xOff, xOff + rows * inSize());
        for (int i = 0; i < ops.length; i++) {
            float[] out = new float[rows * ops[i].outSize()];
            if (ops[i] instanceof MaxPool q) {
                // dequantization is monotone, so pooling the previous output in float gives the same values
                ChannelsLast.maxPool(outputs[i - 1], 0, rows, q.height(), q.width(), q.channels(), q.size(), q.stride(),
                        out, 0);
            } else {
                // the operations up to this product as a step of their own, this product dequantizing to float
                Product p = (Product) ops[i];
                List<Op> prefix = new ArrayList<>(List.of(ops).subList(0, i));
                prefix.add(new Product(p.conv(), p.k(), p.n(), p.weights(), p.weightScales(), p.bias(), p.floatBias(),
                        p.relu(), p.inScale(), p.inZero(), 0f, 0));
                QuantizedStep upTo = new QuantizedStep(inScale, inZero, prefix, null);
                InferencePlan.single(upTo).predict(input, 0, rows, out, 0);
            }
            outputs[i] = out;
        }
        return outputs;
    }

    /**
     * The operations as fp32 steps on the dequantized weights ({@code q * scale} per output channel)
     * and biases, activations in float: what an int8 plan runs for batches where int8 is slower.
     */
    List<Step> fp32Steps(int blasFromRows) {
        List<Step> list = new ArrayList<>();
        for (Op op : ops) {
            switch (op) {
                case Product p -> {
                    int n = p.n();
                    float[] b = new float[n];
                    for (int j = 0; j < n; j++) {
                        b[j] = p.dynamic() ? p.floatBias()[j]
                                : (float) (p.bias()[j] * ((double) p.inScale() * p.weightScales()[j]));
                    }
                    list.add(MatmulStep.dequantized(p.conv(), p.k(), n, p.weights(), p.weightScales(), b,
                            p.relu() ? Activation.RELU : Activation.IDENTITY, blasFromRows, ""));
                }
                case MaxPool q -> list.add(new PoolStep(true, q.channels(), q.height(), q.width(), q.size(), q.stride()));
            }
        }
        return list;
    }

    /** The index of the fp32 plan step operation {@code op} replaced, -1 where unknown (a loaded plan). */
    int source(int op) {
        return sources == null ? -1 : sources[op];
    }

    @Override
    public String describe() {
        StringBuilder s = new StringBuilder(dynamic() ? "int8 dynamic (input scale per sample): "
                : String.format(Locale.ROOT, "int8 static (input scale %.4g, zero point %d): ", inScale, inZero));
        for (int i = 0; i < ops.length; i++) {
            if (i > 0) {
                s.append(" -> ");
            }
            switch (ops[i]) {
                case Product p -> {
                    s.append(p.conv() == null ? "dense " + p.k() + " -> " + p.n()
                            : String.format(Locale.ROOT, "conv2d %dx%d/%d pad %d, %d -> %d channels",
                            p.conv().kernelH(), p.conv().kernelW(), p.conv().strideH(), p.conv().padH(),
                            p.conv().channels(), p.n()));
                    if (p.relu()) {
                        s.append(" + relu");
                    }
                    s.append(p.floatOut() ? " (to float)" : "");
                }
                case MaxPool q -> s.append("maxpool ").append(q.size()).append('/').append(q.stride());
            }
        }
        return s.append("; int8 Vector API kernels, int32 sums").toString();
    }

    @Override
    public long flops() {
        long f = 0;
        for (Op op : ops) {
            if (op instanceof Product p) {
                f += 2L * p.pixels() * p.k() * p.n();
            }
        }
        return f;
    }

    @Override
    public long weightBytes() {
        long b = 0;
        for (Op op : ops) {
            if (op instanceof Product p) {
                b += p.weights().length + 8L * p.n();
            }
        }
        return b;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("mode", dynamic() ? "dynamic" : "static");
        c.put("input_zero", inZero);
        List<Object> list = new ArrayList<>();
        for (Op op : ops) {
            Map<String, Object> o = new LinkedHashMap<>();
            switch (op) {
                case Product p -> {
                    o.put("op", p.conv() == null ? "dense" : "conv2d");
                    o.put("k", p.k());
                    o.put("n", p.n());
                    if (p.conv() != null) {
                        MatmulStep.putGeometry(o, p.conv());
                    }
                    o.put("relu", p.relu());
                    o.put("output", p.floatOut() ? "float" : "int8");
                    o.put("output_zero", p.outZero());
                }
                case MaxPool q -> {
                    o.put("op", "maxpool2d");
                    o.put("input", new int[] {q.channels(), q.height(), q.width()});
                    o.put("size", q.size());
                    o.put("stride", q.stride());
                }
            }
            list.add(o);
        }
        c.put("ops", list);
        return c;
    }

    /** Scales live in tensors, not in the JSON, so that they load back bit for bit. */
    @Override
    public Map<String, float[]> tensors() {
        Map<String, float[]> t = new LinkedHashMap<>();
        if (!dynamic()) {
            t.put("input_scale", new float[] {inScale});
        }
        for (int i = 0; i < ops.length; i++) {
            if (ops[i] instanceof Product p) {
                t.put("ops." + i + ".weight_scales", p.weightScales());
                if (p.dynamic()) {
                    t.put("ops." + i + ".float_bias", p.floatBias());
                }
                if (!p.floatOut()) {
                    t.put("ops." + i + ".output_scale", new float[] {p.outScale()});
                }
            }
        }
        return t;
    }

    @Override
    public Map<String, byte[]> byteTensors() {
        Map<String, byte[]> t = new LinkedHashMap<>();
        for (int i = 0; i < ops.length; i++) {
            if (ops[i] instanceof Product p) {
                t.put("ops." + i + ".weights", p.weights());
            }
        }
        return t;
    }

    @Override
    public Map<String, int[]> intTensors() {
        Map<String, int[]> t = new LinkedHashMap<>();
        for (int i = 0; i < ops.length; i++) {
            if (ops[i] instanceof Product p && !p.dynamic()) {
                t.put("ops." + i + ".bias", p.bias());
            }
        }
        return t;
    }
}
