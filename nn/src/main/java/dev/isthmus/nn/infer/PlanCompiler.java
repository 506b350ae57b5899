package dev.isthmus.nn.infer;

import dev.isthmus.kernels.Activation;
import dev.isthmus.kernels.ChannelsLast;
import dev.isthmus.kernels.ConvShape;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.layer.ActivationLayer;
import dev.isthmus.nn.layer.AvgPool2d;
import dev.isthmus.nn.layer.BatchNorm;
import dev.isthmus.nn.layer.Conv2d;
import dev.isthmus.nn.layer.Dense;
import dev.isthmus.nn.layer.Dropout;
import dev.isthmus.nn.layer.Flatten;
import dev.isthmus.nn.layer.MaxPool2d;
import dev.isthmus.nn.layer.Softmax;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a model's layers into plan steps: dropout removed; a batch normalization folded into the
 * dense layer or convolution before it; the activation after a product fused into its epilogue;
 * images kept channels-last from the first convolution or pooling on, so each convolution is one
 * matrix product and flattening costs nothing (the next dense layer's weight rows are permuted to
 * the channels-last order instead). A dense layer whose folded weights are mostly zero becomes a
 * {@link SparseMatmulStep} as {@link PlanOptions#sparse()} says.
 */
final class PlanCompiler {
    private final List<Layer> layers;
    private final PlanOptions options;
    private final List<Step> steps = new ArrayList<>();
    /** The current activation's logical (channels-first) shape. */
    private Shape shape;
    /** Images are stored channels-last (always true for one channel, where both layouts agree). */
    private boolean channelsLast;
    /** The (channels, height, width) of a flattened channels-last image, until a dense layer absorbs it. */
    private Shape flattenedImage;

    private PlanCompiler(Sequential model, PlanOptions options) {
        this.layers = model.layers();
        this.options = options;
        this.shape = model.inputShape();
        this.channelsLast = shape.rank() == 3 && shape.dim(0) == 1;
    }

    static List<Step> compile(Sequential model, PlanOptions options) {
        PlanCompiler c = new PlanCompiler(model, options);
        c.run();
        return List.copyOf(c.steps);
    }

    private void run() {
        for (int i = 0; i < layers.size(); i = next(i)) {
            Layer layer = layers.get(i);
            switch (layer) {
                case Dropout d -> { }
                case Flatten f -> flatten(i);
                case Dense d -> i = dense(i, d);
                case Conv2d c -> i = conv(i, c);
                case MaxPool2d p -> pool(true, p.size(), p.stride());
                case AvgPool2d p -> pool(false, p.size(), p.stride());
                case BatchNorm b -> affine(b);
                case ActivationLayer a -> steps.add(new ActivationStep(shape.size(), a.activation()));
                case Softmax s -> {
                    requireFlat();
                    steps.add(new SoftmaxStep(shape.size()));
                }
                default -> throw new IllegalArgumentException("InferencePlan: cannot compile layer " + i + " ("
                        + layer.kind() + ", " + layer.getClass().getName() + "): the plan knows dense, conv2d, "
                        + "max/avg pooling, batch normalization, activations, softmax, flatten and dropout");
            }
            shape = layer.outputShape();
        }
        if (flattenedImage != null) {
            toChannelsFirst(flattenedImage);
        } else if (shape.rank() == 3 && channelsLast && shape.dim(0) > 1) {
            toChannelsFirst(shape);
        }
        if (steps.isEmpty()) {
            // a model of only dropout and flatten layers: the plan still copies input to output
            steps.add(new ActivationStep(shape.size(), Activation.IDENTITY));
        }
    }

    /** The index of the next layer that is not dropout (inference drops it). */
    private int next(int i) {
        int j = i + 1;
        while (j < layers.size() && layers.get(j) instanceof Dropout) {
            j++;
        }
        return j;
    }

    private void flatten(int i) {
        if (shape.rank() != 3 || !channelsLast || shape.dim(0) == 1) {
            return;
        }
        int j = next(i);
        if (j < layers.size() && layers.get(j) instanceof Dense) {
            flattenedImage = shape;
        } else {
            toChannelsFirst(shape);
        }
    }

    private void requireFlat() {
        if (flattenedImage != null) {
            toChannelsFirst(flattenedImage);
            flattenedImage = null;
        }
        if (shape.rank() == 3 && channelsLast && shape.dim(0) > 1) {
            toChannelsFirst(shape);
        }
    }

    private void toChannelsFirst(Shape image) {
        steps.add(new LayoutStep(false, image.dim(0), image.dim(1), image.dim(2)));
        channelsLast = image.dim(0) == 1;
    }

    private void ensureChannelsLast() {
        if (!channelsLast) {
            steps.add(new LayoutStep(true, shape.dim(0), shape.dim(1), shape.dim(2)));
            channelsLast = true;
        }
    }

    /** Returns the index of the last layer it consumed (the batch norm or activation it absorbed). */
    private int dense(int i, Dense d) {
        int in = d.inputShape().size();
        int out = d.outputShape().size();
        float[] w = d.weight().value().clone();
        if (flattenedImage != null) {
            w = channelsLastRows(w, flattenedImage, out);
            flattenedImage = null;
        }
        return product(i, null, in, out, w, d.bias().value().clone());
    }

    /** Reorders the rows of (C*H*W) x out weights from channels-first to channels-last input order. */
    private static float[] channelsLastRows(float[] w, Shape image, int out) {
        int c = image.dim(0);
        int hw = image.dim(1) * image.dim(2);
        float[] p = new float[w.length];
        for (int ch = 0; ch < c; ch++) {
            for (int s = 0; s < hw; s++) {
                System.arraycopy(w, (ch * hw + s) * out, p, (s * c + ch) * out, out);
            }
        }
        return p;
    }

    private int conv(int i, Conv2d c) {
        ensureChannelsLast();
        ConvShape g = c.geometry();
        float[] w = new float[g.kernelSize() * g.outChannels()];
        ChannelsLast.weights(g, c.weight().value(), 0, w, 0);
        int last = product(i, g, g.kernelSize(), g.outChannels(), w, c.bias().value().clone());
        channelsLast = true;
        return last;
    }

    /**
     * Builds the product step for layer i, absorbing a following batch normalization (over its n
     * outputs or channels) and then a following activation; returns the last layer index it used.
     */
    private int product(int i, ConvShape conv, int k, int n, float[] w, float[] bias) {
        int last = i;
        String folded = "";
        int j = next(last);
        if (j < layers.size() && layers.get(j) instanceof BatchNorm bn) {
            fold(bn, k, n, w, bias);
            folded = "batchnorm";
            last = j;
            j = next(last);
        }
        Activation f = Activation.IDENTITY;
        if (j < layers.size() && layers.get(j) instanceof ActivationLayer a) {
            f = a.activation();
            last = j;
        }
        MatmulStep step = new MatmulStep(conv, k, n, w, bias, f, options.blasFromRows(), folded);
        steps.add(conv == null && options.sparse(zeros(w), k, n)
                ? SparseMatmulStep.of(step, PlanOptions.SPARSE_BELOW_ROWS) : step);
        return last;
    }

    private static long zeros(float[] w) {
        long zeros = 0;
        for (float v : w) {
            if (v == 0f) {
                zeros++;
            }
        }
        return zeros;
    }

    /**
     * Folds inference-mode batch normalization {@code (z - mean) / sqrt(var + eps) * gamma + beta}
     * into the product {@code z = x W + b}: column j of W is scaled by
     * {@code s = gamma / sqrt(var + eps)} and the bias becomes {@code (b - mean) * s + beta}, in double.
     */
    private static void fold(BatchNorm bn, int k, int n, float[] w, float[] bias) {
        double[] s = scales(bn);
        float[] beta = bn.beta().value();
        float[] mean = bn.runningMean().value();
        for (int j = 0; j < n; j++) {
            bias[j] = (float) ((bias[j] - (double) mean[j]) * s[j] + beta[j]);
        }
        for (int r = 0; r < k; r++) {
            for (int j = 0; j < n; j++) {
                w[r * n + j] = (float) (w[r * n + j] * s[j]);
            }
        }
    }

    /** Per channel, {@code gamma / sqrt(runningVar + eps)} in double: what inference-mode batch norm multiplies by. */
    private static double[] scales(BatchNorm bn) {
        float[] gamma = bn.gamma().value();
        float[] var = bn.runningVar().value();
        double[] s = new double[gamma.length];
        for (int j = 0; j < s.length; j++) {
            s[j] = gamma[j] / Math.sqrt((double) var[j] + bn.eps());
        }
        return s;
    }

    private void pool(boolean max, int size, int stride) {
        ensureChannelsLast();
        steps.add(new PoolStep(max, shape.dim(0), shape.dim(1), shape.dim(2), size, stride));
    }

    private void affine(BatchNorm bn) {
        if (shape.rank() == 3) {
            ensureChannelsLast();
        }
        double[] s = scales(bn);
        int c = s.length;
        float[] scale = new float[c];
        float[] shift = new float[c];
        for (int j = 0; j < c; j++) {
            scale[j] = (float) s[j];
            shift[j] = (float) (bn.beta().value()[j] - bn.runningMean().value()[j] * s[j]);
        }
        steps.add(new AffineStep(shape.size(), scale, shift));
    }
}
