package dev.isthmus.nn.layer;

import dev.isthmus.kernels.Activation;
import dev.isthmus.kernels.Gemm;
import dev.isthmus.kernels.Reductions;
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
 * A fully connected layer: {@code y = x W + b} for a batch x of {@code inFeatures} each, where the
 * weight W is stored {@code (inFeatures, outFeatures)} row-major (the transpose of PyTorch's
 * {@code nn.Linear.weight}) and the bias b has {@code outFeatures} values. Weights start by the
 * chosen {@link Init} (He uniform by default, for ReLU networks), the bias at zero.
 */
public final class Dense implements Layer {
    private final int in;
    private final int out;
    private final Init init;
    private final Backend backend;
    private final Parameter weight;
    private final Parameter bias;
    private Tensor input;
    private Tensor output;
    private Tensor gradInput;

    /** A layer with He-uniform weights from seed 0 on the default backend. */
    public Dense(int inFeatures, int outFeatures) {
        this(inFeatures, outFeatures, Init.HE_UNIFORM, Backend.fromProperty(), 0L);
    }

    /**
     * A layer whose weights are drawn by {@code init} from a generator seeded with {@code seed}.
     *
     * @throws IllegalArgumentException when a size is below 1 or an argument is null
     */
    public Dense(int inFeatures, int outFeatures, Init init, Backend backend, long seed) {
        ShapeCheck.positive("dense", "inFeatures", inFeatures);
        ShapeCheck.positive("dense", "outFeatures", outFeatures);
        if (init == null || backend == null) {
            throw new IllegalArgumentException("dense: init and backend must not be null");
        }
        if ((long) inFeatures * outFeatures > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("dense: " + inFeatures + " x " + outFeatures + " weights do not fit in an array");
        }
        this.in = inFeatures;
        this.out = outFeatures;
        this.init = init;
        this.backend = backend;
        float[] w = new float[inFeatures * outFeatures];
        init.fill(w, inFeatures, outFeatures, new SplittableRandom(seed));
        this.weight = new Parameter("weight", Shape.of(inFeatures, outFeatures), w);
        this.bias = new Parameter("bias", Shape.of(outFeatures), new float[outFeatures]);
    }

    private Dense(Dense source) {
        this.in = source.in;
        this.out = source.out;
        this.init = source.init;
        this.backend = source.backend;
        this.weight = source.weight.withOwnGradient();
        this.bias = source.bias.withOwnGradient();
    }

    /** Sets the L1 and L2 penalties on the weight (not the bias); returns this layer. */
    public Dense regularize(float l1, float l2) {
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

    @Override
    public String kind() {
        return "dense";
    }

    @Override
    public Shape inputShape() {
        return Shape.of(in);
    }

    @Override
    public Shape outputShape() {
        return Shape.of(out);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    @Override
    public long flops() {
        return 2L * in * out + out;
    }

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        ShapeCheck.input(this, x);
        int n = x.batch();
        Tensor y = ShapeCheck.buffer(output, n, outputShape());
        float[] yd = y.data();
        if (backend.usesBlas(n, out, in)) {
            for (int r = 0; r < n; r++) {
                System.arraycopy(bias.value(), 0, yd, r * out, out);
            }
            backend.sgemm(false, false, n, out, in, 1f, x.data(), 0, in, weight.value(), 0, out, 1f, yd, 0, out);
        } else {
            Gemm.sgemm(false, false, n, out, in, 1f, x.data(), 0, in, weight.value(), 0, out, 0f, yd, 0, out,
                    bias.value(), 0, Activation.IDENTITY);
        }
        output = y;
        input = pass.training() ? x : null;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        ShapeCheck.gradient(this, input, dy, outputShape());
        int n = dy.batch();
        // dW = x^T dy, db = column sums of dy, dx = dy W^T
        backend.sgemm(true, false, in, out, n, 1f, input.data(), 0, in, dy.data(), 0, out, 0f, weight.grad(), 0, out);
        Reductions.sumColumns(dy.data(), 0, n, out, bias.grad(), 0);
        if (!inputGradient) {
            return null;
        }
        Tensor dx = ShapeCheck.buffer(gradInput, n, inputShape());
        backend.sgemm(false, true, n, in, out, 1f, dy.data(), 0, out, weight.value(), 0, out, 0f, dx.data(), 0, in);
        gradInput = dx;
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("in_features", in);
        c.put("out_features", out);
        c.put("init", init.label());
        c.put("l1", weight.l1());
        c.put("l2", weight.l2());
        return c;
    }

    @Override
    public Layer replica() {
        return new Dense(this);
    }

    @Override
    public String toString() {
        return "Dense(" + in + " -> " + out + ")";
    }
}
