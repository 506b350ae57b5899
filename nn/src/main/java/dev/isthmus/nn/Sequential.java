package dev.isthmus.nn;

import dev.isthmus.kernels.Reductions;
import dev.isthmus.nn.infer.InferencePlan;
import dev.isthmus.nn.infer.PlanOptions;
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
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * A model that runs its layers one after another. Build one with {@link #builder(int...)}:
 *
 * <pre>{@code
 * Sequential model = Sequential.builder(784).seed(42)
 *         .dense(256).relu()
 *         .dense(10)
 *         .build();
 * }</pre>
 *
 * Shapes are checked when the model is built: a layer whose input shape is not the previous layer's
 * output is an error naming both. {@link #forward} and {@link #backward} are what training uses;
 * {@link #predict} returns a fresh tensor and may be called from several threads (one at a time
 * runs; for concurrent low-latency inference compile the model into a plan).
 */
public final class Sequential {
    private final Shape inputShape;
    private final List<Layer> layers;

    private Sequential(Shape inputShape, List<Layer> layers) {
        this.inputShape = inputShape;
        this.layers = List.copyOf(layers);
    }

    /**
     * A model of these layers, checking that each takes the previous one's output.
     *
     * @throws IllegalArgumentException when there are no layers or two neighbours disagree on a shape
     */
    public static Sequential of(Shape inputShape, List<? extends Layer> layers) {
        if (inputShape == null || layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("a model needs an input shape and at least one layer");
        }
        Shape shape = inputShape;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            if (layer == null) {
                throw new IllegalArgumentException("layer " + i + " is null");
            }
            if (!layer.inputShape().equals(shape)) {
                throw new IllegalArgumentException("layer " + i + " (" + layer.kind() + ") expects input of shape "
                        + layer.inputShape() + " but " + (i == 0 ? "the model input" : "layer " + (i - 1) + " ("
                        + layers.get(i - 1).kind() + ")") + " gives " + shape);
            }
            shape = layer.outputShape();
        }
        return new Sequential(inputShape, new ArrayList<>(layers));
    }

    /** A builder for a model whose samples have these dimensions (784, or 1, 28, 28). */
    public static Builder builder(int... inputDims) {
        return new Builder(Shape.of(inputDims));
    }

    /** A builder for a model whose samples have this shape. */
    public static Builder builder(Shape input) {
        return new Builder(input);
    }

    public Shape inputShape() {
        return inputShape;
    }

    public Shape outputShape() {
        return layers.getLast().outputShape();
    }

    /** The layers, in order (unmodifiable). */
    public List<Layer> layers() {
        return layers;
    }

    /** Every layer's trainable parameters, layer by layer. */
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>();
        for (Layer l : layers) {
            all.addAll(l.parameters());
        }
        return all;
    }

    /** Every layer's buffers (not trained, saved with the model), layer by layer. */
    public List<Parameter> buffers() {
        List<Parameter> all = new ArrayList<>();
        for (Layer l : layers) {
            all.addAll(l.buffers());
        }
        return all;
    }

    /** The number of trainable values. */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) {
            n += p.size();
        }
        return n;
    }

    /** Forward floating-point operations per sample. */
    public long flops() {
        long f = 0;
        for (Layer l : layers) {
            f += l.flops();
        }
        return f;
    }

    /**
     * Runs every layer. The result is owned by the last layer and overwritten by the next call.
     *
     * @throws IllegalArgumentException when the input's sample shape is not {@link #inputShape()}
     */
    public Tensor forward(Tensor x, Pass pass) {
        checkInput(x);
        Tensor t = x;
        for (Layer l : layers) {
            t = l.forward(t, pass);
        }
        return t;
    }

    /** Back-propagates the gradient of the loss with respect to the last output, filling every parameter's gradient. */
    public void backward(Tensor gradOutput) {
        Tensor g = gradOutput;
        for (int i = layers.size() - 1; i >= 0; i--) {
            g = layers.get(i).backward(g, i > 0);
        }
    }

    /**
     * The model's output for a batch in inference mode, as a new tensor.
     *
     * @throws IllegalArgumentException when the input's sample shape is not {@link #inputShape()}
     */
    public synchronized Tensor predict(Tensor x) {
        return forward(x, Pass.INFERENCE).copy();
    }

    /**
     * Compiles the model as it is now into an immutable, thread-safe inference plan (batch norm
     * folded, activations fused, weights packed); see {@link InferencePlan}.
     */
    public InferencePlan compile() {
        return InferencePlan.compile(this);
    }

    /** As {@link #compile()}, with these options. */
    public InferencePlan compile(PlanOptions options) {
        return InferencePlan.compile(this, options);
    }

    /** The predicted class of each sample: see {@link #classes(Tensor, int[])}. */
    public synchronized int[] predictClasses(Tensor x) {
        Tensor y = forward(x, Pass.INFERENCE);
        int[] classes = new int[y.batch()];
        classes(y, classes);
        return classes;
    }

    /**
     * Writes each row's predicted class to {@code classes[0, batch)}: the index of its largest output,
     * or, for a single output (a binary classifier's logit), 1 when it is positive and 0 otherwise.
     */
    public static void classes(Tensor outputs, int[] classes) {
        int rows = outputs.batch();
        int width = rows == 0 ? 1 : outputs.size() / rows;
        if (classes.length < rows) {
            throw new IllegalArgumentException("classes: " + rows + " rows need an array of at least " + rows
                    + ", got " + classes.length);
        }
        float[] y = outputs.data();
        if (width == 1) {
            for (int i = 0; i < rows; i++) {
                classes[i] = y[i] > 0 ? 1 : 0;
            }
        } else {
            Reductions.argmaxRows(y, 0, rows, width, classes, 0);
        }
    }

    /** A copy for another training thread: it shares parameter values, has its own gradients, buffers and activations. */
    public Sequential replica() {
        List<Layer> copies = new ArrayList<>(layers.size());
        for (Layer l : layers) {
            copies.add(l.replica());
        }
        return new Sequential(inputShape, copies);
    }

    private void checkInput(Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException("model input is null");
        }
        if (!x.sampleShape().equals(inputShape)) {
            throw new IllegalArgumentException("model expects input samples of shape " + inputShape
                    + ", got a batch of shape " + Arrays.toString(x.shape()));
        }
    }

    /**
     * A table of the layers: kind, output shape, parameters and forward FLOPs per sample, with totals.
     */
    public String summary() {
        StringBuilder b = new StringBuilder();
        String format = "%-4s %-14s %-18s %12s %14s%n";
        b.append(String.format(Locale.ROOT, format, "#", "layer", "output shape", "parameters", "FLOPs/sample"));
        b.append(String.format(Locale.ROOT, format, "", "input", inputShape, "", ""));
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            long params = 0;
            for (Parameter p : l.parameters()) {
                params += p.size();
            }
            b.append(String.format(Locale.ROOT, format, i, l.kind(), l.outputShape(), String.format(Locale.ROOT, "%,d", params),
                    String.format(Locale.ROOT, "%,d", l.flops())));
        }
        b.append(String.format(Locale.ROOT, "total: %,d parameters (%,d bytes as float32), %,d FLOPs per sample%n",
                parameterCount(), 4 * parameterCount(), flops()));
        return b.toString();
    }

    @Override
    public String toString() {
        return "Sequential" + inputShape + " -> " + outputShape() + " (" + layers.size() + " layers)";
    }

    /**
     * Adds layers one by one, each built for the previous one's output shape. Weight layers draw
     * their initial values from a generator seeded by the builder's seed and the layer's position,
     * so a seed fixes the whole model.
     */
    public static final class Builder {
        private final Shape input;
        private final List<Layer> layers = new ArrayList<>();
        private Shape current;
        private long seed;
        private Backend backend = Backend.fromProperty();
        private Init init;
        private float l1;
        private float l2;

        private Builder(Shape input) {
            this.input = input;
            this.current = input;
        }

        /** The seed for weight initialization and dropout masks (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The backend of the matrix products of the layers added after this call. */
        public Builder backend(Backend backend) {
            if (backend == null) {
                throw new IllegalArgumentException("backend is null");
            }
            this.backend = backend;
            return this;
        }

        /** The weight initialization of the layers added after this call (null: each layer's default). */
        public Builder init(Init init) {
            this.init = init;
            return this;
        }

        /** L1 and L2 penalties on the weights of the layers added after this call. */
        public Builder weightPenalty(float l1, float l2) {
            if (!(l1 >= 0 && l1 < Float.POSITIVE_INFINITY) || !(l2 >= 0 && l2 < Float.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("weight penalty: l1 " + l1 + " and l2 " + l2
                        + " must be finite and >= 0");
            }
            this.l1 = l1;
            this.l2 = l2;
            return this;
        }

        /** The shape the next layer receives. */
        public Shape currentShape() {
            return current;
        }

        /** A seed for the layer about to be added: the builder's seed mixed with its position. */
        long layerSeed() {
            return seed * 0x9E3779B97F4A7C15L + layers.size() + 1;
        }

        Backend backend() {
            return backend;
        }

        Init initOr(Init fallback) {
            return init != null ? init : fallback;
        }

        /**
         * Adds a layer built elsewhere.
         *
         * @throws IllegalArgumentException when its input shape is not the current output shape
         */
        public Builder add(Layer layer) {
            if (layer == null) {
                throw new IllegalArgumentException("layer is null");
            }
            if (!layer.inputShape().equals(current)) {
                throw new IllegalArgumentException("layer " + layers.size() + " (" + layer.kind()
                        + ") expects input of shape " + layer.inputShape() + " but "
                        + (layers.isEmpty() ? "the model input" : "layer " + (layers.size() - 1) + " ("
                        + layers.getLast().kind() + ")") + " gives " + current);
            }
            layers.add(layer);
            current = layer.outputShape();
            return this;
        }

        /** Adds the layer this function builds for the current shape. */
        public Builder add(Function<Shape, ? extends Layer> factory) {
            return add(factory.apply(current));
        }

        /** A dense layer of {@code units} outputs (flattening first when the input is an image). */
        public Builder dense(int units) {
            if (current.rank() != 1) {
                flatten();
            }
            Dense d = new Dense(current.dim(0), units, initOr(Init.HE_UNIFORM), backend, layerSeed());
            d.regularize(l1, l2);
            return add(d);
        }

        /**
         * A convolution of {@code outChannels} filters of {@code kernel x kernel} over image samples
         * (channels, height, width), with this stride and zero padding on every side.
         *
         * @throws IllegalArgumentException when the current shape is not an image or the kernel does not
         *                                  fit it
         */
        public Builder conv2d(int outChannels, int kernel, int stride, int padding) {
            Conv2d c = new Conv2d(current, outChannels, kernel, stride, padding, initOr(Init.HE_UNIFORM), backend,
                    layerSeed());
            c.regularize(l1, l2);
            return add(c);
        }

        /** A convolution with stride 1 and no padding: each side shrinks by {@code kernel - 1}. */
        public Builder conv2d(int outChannels, int kernel) {
            return conv2d(outChannels, kernel, 1, 0);
        }

        /** Max pooling of non-overlapping {@code size x size} windows (stride = size). */
        public Builder maxPool2d(int size) {
            return maxPool2d(size, size);
        }

        public Builder maxPool2d(int size, int stride) {
            return add(new MaxPool2d(current, size, stride));
        }

        /** Average pooling of non-overlapping {@code size x size} windows (stride = size). */
        public Builder avgPool2d(int size) {
            return avgPool2d(size, size);
        }

        public Builder avgPool2d(int size, int stride) {
            return add(new AvgPool2d(current, size, stride));
        }

        /** Batch normalization with momentum 0.1 and eps 1e-5, per feature or per image channel. */
        public Builder batchNorm() {
            return batchNorm(0.1f, 1e-5f);
        }

        public Builder batchNorm(float momentum, float eps) {
            return add(new BatchNorm(current, momentum, eps));
        }

        /** Inverted dropout of this rate in training passes, its masks seeded by the builder's seed. */
        public Builder dropout(float rate) {
            return add(new Dropout(current, rate, layerSeed()));
        }

        public Builder relu() {
            return add(ActivationLayer.relu(current));
        }

        public Builder leakyRelu(float alpha) {
            return add(ActivationLayer.leakyRelu(current, alpha));
        }

        public Builder elu(float alpha) {
            return add(ActivationLayer.elu(current, alpha));
        }

        public Builder sigmoid() {
            return add(ActivationLayer.sigmoid(current));
        }

        public Builder tanh() {
            return add(ActivationLayer.tanh(current));
        }

        /** A softmax over the features; see {@link Softmax} for why classifiers should not end with it. */
        public Builder softmax() {
            if (current.rank() != 1) {
                throw new IllegalArgumentException("softmax needs samples of one dimension, got " + current);
            }
            return add(new Softmax(current.dim(0)));
        }

        public Builder flatten() {
            return add(new Flatten(current));
        }

        /**
         * The model.
         *
         * @throws IllegalStateException when no layer was added
         */
        public Sequential build() {
            if (layers.isEmpty()) {
                throw new IllegalStateException("the model has no layers");
            }
            return Sequential.of(input, layers);
        }
    }
}
