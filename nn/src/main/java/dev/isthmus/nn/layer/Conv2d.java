package dev.isthmus.nn.layer;

import dev.isthmus.kernels.ConvShape;
import dev.isthmus.kernels.Convolution;
import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Init;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A 2-D convolution (cross-correlation) over {@code (channels, height, width)} samples with
 * {@code outChannels} square filters of {@code kernel x kernel}, the same stride and zero padding in
 * both dimensions. The weight is stored {@code (outChannels, channels, kernel, kernel)} like PyTorch's
 * {@code nn.Conv2d.weight}, the bias has one value per output channel. Weights start by the chosen
 * {@link Init} with fan-in {@code channels * kernel * kernel} and fan-out
 * {@code outChannels * kernel * kernel} (He uniform by default, for ReLU networks), the bias at zero.
 */
public final class Conv2d implements Layer {
    private final Shape in;
    private final Shape out;
    private final ConvShape geometry;
    private final Init init;
    private final Backend backend;
    private final Parameter weight;
    private final Parameter bias;
    /** One image's im2col matrix, reused by every call; null for a 1x1 kernel, which needs none. */
    private final float[] workspace;
    private Tensor input;
    private Tensor output;
    private Tensor gradInput;

    /**
     * A convolution whose weights are drawn by {@code init} from a generator seeded with {@code seed}.
     *
     * @param input (channels, height, width) of one sample
     * @throws IllegalArgumentException when the input is not of rank 3, a size is below 1, padding is
     *                                  negative, the kernel does not fit the padded input, or init or
     *                                  backend is null
     */
    public Conv2d(Shape input, int outChannels, int kernel, int stride, int padding, Init init, Backend backend,
                  long seed) {
        ShapeCheck.image("conv2d", input);
        ShapeCheck.positive("conv2d", "outChannels", outChannels);
        ShapeCheck.positive("conv2d", "kernel", kernel);
        ShapeCheck.positive("conv2d", "stride", stride);
        if (padding < 0) {
            throw new IllegalArgumentException("conv2d: padding must be >= 0, got " + padding);
        }
        if (init == null || backend == null) {
            throw new IllegalArgumentException("conv2d: init and backend must not be null");
        }
        try {
            this.geometry = new ConvShape(input.dim(0), input.dim(1), input.dim(2), outChannels, kernel, kernel,
                    stride, stride, padding, padding, 1, 1);
        } catch (IllegalArgumentException e) {
            // the kernel's message names the sizes; this names the layer and the sample shape too
            throw new IllegalArgumentException("conv2d over input " + input + " with kernel " + kernel + ", stride "
                    + stride + ", padding " + padding + ": " + e.getMessage(), e);
        }
        this.in = input;
        this.out = Shape.of(outChannels, geometry.outHeight(), geometry.outWidth());
        this.init = init;
        this.backend = backend;
        int k = geometry.kernelSize();
        float[] w = new float[geometry.weightsSize()];
        init.fill(w, k, outChannels * kernel * kernel, new SplittableRandom(seed));
        this.weight = new Parameter("weight", Shape.of(outChannels, input.dim(0), kernel, kernel), w);
        this.bias = new Parameter("bias", Shape.of(outChannels), new float[outChannels]);
        this.workspace = newWorkspace(geometry);
    }

    private Conv2d(Conv2d source) {
        this.in = source.in;
        this.out = source.out;
        this.geometry = source.geometry;
        this.init = source.init;
        this.backend = source.backend;
        this.weight = source.weight.withOwnGradient();
        this.bias = source.bias.withOwnGradient();
        this.workspace = newWorkspace(geometry);
    }

    private static float[] newWorkspace(ConvShape g) {
        return g.pointwise() ? null : new float[g.columnsSize()];
    }

    /** Sets the L1 and L2 penalties on the weight (not the bias); returns this layer. */
    public Conv2d regularize(float l1, float l2) {
        weight.regularize(l1, l2);
        return this;
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public Backend backend() {
        return backend;
    }

    /** The convolution's geometry: input image, filters, kernel, stride, padding. */
    public ConvShape geometry() {
        return geometry;
    }

    @Override
    public String kind() {
        return "conv2d";
    }

    @Override
    public Shape inputShape() {
        return in;
    }

    @Override
    public Shape outputShape() {
        return out;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    @Override
    public long flops() {
        long pixels = (long) geometry.outHeight() * geometry.outWidth();
        return 2L * geometry.outChannels() * geometry.kernelSize() * pixels + geometry.outChannels() * pixels;
    }

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        ShapeCheck.input(this, x);
        Tensor y = ShapeCheck.buffer(output, x.batch(), out);
        Convolution.forward(geometry, x.batch(), x.data(), 0, weight.value(), 0, bias.value(), 0, y.data(), 0,
                workspace, backend);
        output = y;
        input = pass.training() ? x : null;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        ShapeCheck.gradient(this, input, dy, out);
        int n = dy.batch();
        Convolution.backwardWeights(geometry, n, input.data(), 0, dy.data(), 0, weight.grad(), 0, bias.grad(), 0,
                workspace, backend);
        if (!inputGradient) {
            return null;
        }
        Tensor dx = ShapeCheck.buffer(gradInput, n, in);
        Convolution.backwardData(geometry, n, dy.data(), 0, weight.value(), 0, dx.data(), 0, workspace, backend);
        gradInput = dx;
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("out_channels", geometry.outChannels());
        c.put("kernel", geometry.kernelH());
        c.put("stride", geometry.strideH());
        c.put("padding", geometry.padH());
        c.put("init", init.label());
        c.put("l1", weight.l1());
        c.put("l2", weight.l2());
        return c;
    }

    @Override
    public Layer replica() {
        return new Conv2d(this);
    }

    @Override
    public String toString() {
        return "Conv2d(" + in + " -> " + out + ", kernel " + geometry.kernelH() + ", stride " + geometry.strideH()
                + ", padding " + geometry.padH() + ")";
    }
}
