package dev.isthmus.nn.layer;

import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Batch normalization (Ioffe and Szegedy, 2015): {@code y = (x - mean) / sqrt(var + eps) * gamma + beta}
 * per feature of {@code (features)} samples, or per channel of {@code (channels, height, width)}
 * samples, the statistics taken over the batch (and the pixels). A training pass uses the batch's
 * statistics and moves the running ones by {@code momentum} towards them; an inference pass uses the
 * running ones, which makes the layer an affine map. A training pass needs at least two values per
 * channel (two samples of dense data). gamma starts at one, beta at zero, the running mean at zero
 * and the running variance at one.
 */
public final class BatchNorm implements Layer {
    private final Shape shape;
    private final int channels;
    private final int spatial;
    private final float momentum;
    private final float eps;
    private final Parameter gamma;
    private final Parameter beta;
    private final Parameter runningMean;
    private final Parameter runningVar;
    /** The last training pass's batch mean and 1 / sqrt(var + eps) per channel, for backward. */
    private final float[] savedMean;
    private final float[] savedInvStd;
    private Tensor input;
    private Tensor output;
    private Tensor gradInput;

    /**
     * Batch normalization of samples of this shape.
     *
     * @param momentum how far a training pass moves the running statistics towards the batch's, in
     *                 [0, 1] (PyTorch's convention; 0.1 is usual)
     * @param eps      added to the variance before the square root, positive (1e-5 is usual)
     * @throws IllegalArgumentException when the shape is neither (features) nor (channels, height,
     *                                  width), or momentum or eps is out of range
     */
    public BatchNorm(Shape input, float momentum, float eps) {
        if (input == null) {
            throw new IllegalArgumentException("batch_norm: input shape is null");
        }
        if (input.rank() != 1 && input.rank() != 3) {
            throw new IllegalArgumentException("batch_norm: expected input samples of shape (features) or "
                    + "(channels, height, width), got " + input);
        }
        if (!(momentum >= 0f && momentum <= 1f)) {
            throw new IllegalArgumentException("batch_norm: momentum must be in [0, 1], got " + momentum);
        }
        if (!(eps > 0f && eps < Float.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("batch_norm: eps must be positive and finite, got " + eps);
        }
        this.shape = input;
        this.channels = input.dim(0);
        this.spatial = input.rank() == 1 ? 1 : input.dim(1) * input.dim(2);
        this.momentum = momentum;
        this.eps = eps;
        Shape perChannel = Shape.of(channels);
        float[] ones = new float[channels];
        Arrays.fill(ones, 1f);
        this.gamma = new Parameter("gamma", perChannel, ones);
        this.beta = new Parameter("beta", perChannel, new float[channels]);
        this.runningMean = new Parameter("running_mean", perChannel, new float[channels]);
        this.runningVar = new Parameter("running_var", perChannel, ones.clone());
        this.savedMean = new float[channels];
        this.savedInvStd = new float[channels];
    }

    private BatchNorm(BatchNorm source) {
        this.shape = source.shape;
        this.channels = source.channels;
        this.spatial = source.spatial;
        this.momentum = source.momentum;
        this.eps = source.eps;
        this.gamma = source.gamma.withOwnGradient();
        this.beta = source.beta.withOwnGradient();
        // each replica's training pass moves its own running statistics; the trainer averages them after a step
        this.runningMean = new Parameter("running_mean", source.runningMean.shape(), source.runningMean.value().clone());
        this.runningVar = new Parameter("running_var", source.runningVar.shape(), source.runningVar.value().clone());
        this.savedMean = new float[channels];
        this.savedInvStd = new float[channels];
    }

    public Parameter gamma() {
        return gamma;
    }

    public Parameter beta() {
        return beta;
    }

    public Parameter runningMean() {
        return runningMean;
    }

    public Parameter runningVar() {
        return runningVar;
    }

    public float eps() {
        return eps;
    }

    @Override
    public String kind() {
        return "batch_norm";
    }

    @Override
    public Shape inputShape() {
        return shape;
    }

    @Override
    public Shape outputShape() {
        return shape;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(gamma, beta);
    }

    @Override
    public List<Parameter> buffers() {
        return List.of(runningMean, runningVar);
    }

    /** At inference a multiply-add per element; a training pass adds the statistics. */
    @Override
    public long flops() {
        return 2L * shape.size();
    }

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        ShapeCheck.input(this, x);
        int n = x.batch();
        Tensor y = ShapeCheck.buffer(output, n, shape);
        if (pass.training()) {
            dev.isthmus.kernels.BatchNorm.forwardTraining(x.data(), 0, n, channels, spatial, gamma.value(),
                    beta.value(), eps, momentum, runningMean.value(), runningVar.value(), y.data(), 0, savedMean,
                    savedInvStd);
        } else {
            dev.isthmus.kernels.BatchNorm.forwardInference(x.data(), 0, n, channels, spatial, gamma.value(),
                    beta.value(), eps, runningMean.value(), runningVar.value(), y.data(), 0);
        }
        output = y;
        input = pass.training() ? x : null;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        ShapeCheck.gradient(this, input, dy, shape);
        int n = dy.batch();
        // the kernel computes dx together with dgamma and dbeta, so the first layer gets it written too
        Tensor dx = ShapeCheck.buffer(gradInput, n, shape);
        dev.isthmus.kernels.BatchNorm.backward(input.data(), 0, dy.data(), 0, n, channels, spatial, savedMean,
                savedInvStd, gamma.value(), dx.data(), 0, gamma.grad(), beta.grad());
        gradInput = dx;
        return inputGradient ? dx : null;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("momentum", momentum);
        c.put("eps", eps);
        return c;
    }

    @Override
    public Layer replica() {
        return new BatchNorm(this);
    }

    @Override
    public String toString() {
        return "BatchNorm" + shape;
    }
}
