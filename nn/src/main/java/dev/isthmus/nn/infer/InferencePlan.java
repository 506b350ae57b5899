package dev.isthmus.nn.infer;

import dev.isthmus.blas.Blas;
import dev.isthmus.kernels.Parallel;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A trained model compiled for inference: immutable, shared by any number of threads, and free of
 * allocation per call once warm.
 *
 * <p>Compiling drops dropout, folds each batch normalization into the dense layer or convolution
 * before it, fuses the activation that follows a product into the product's epilogue, packs every
 * weight matrix once for the Vector API kernel, and keeps images channels-last from the first
 * convolution or pooling on, so a convolution is one matrix product over the batch's pixels and
 * flattening before a dense layer costs nothing (that layer's weight rows are reordered instead).
 * The products run on the Vector API, or on OpenBLAS from a row count per layer
 * ({@link PlanOptions.Kernel}).
 *
 * <p>Calls: a batch of at most {@link #chunkSamples()} samples runs on the caller's thread (its
 * products may use the shared pool when they are large enough; batch 1 never does). A larger batch
 * is cut into chunks of that many samples which the pool's threads carry through every step. Each
 * call borrows a workspace from the plan's pool of workspaces and returns it, so concurrent callers
 * never share a buffer and never wait for each other. The overloads that take an output array
 * allocate nothing after the first calls at a batch size.
 *
 * <p>Results: the same input in a batch of the same size gives the same bits whatever the thread
 * count, the timing or the number of concurrent callers. Against the uncompiled model
 * ({@link Sequential#predict}) the outputs differ by rounding only: folding batch normalization
 * rounds the weights once, and the products may sum in another order. The plan's tests hold the
 * difference within {@code 1e-4 * (1 + |y|)} per output for the library's networks.
 */
public final class InferencePlan {
    private final Shape inputShape;
    private final Shape outputShape;
    private final Step[] steps;
    private final PlanOptions options;
    private final int inSize;
    private final int outSize;
    private final int chunk;
    private final int widestActivation;
    private final int widestScratch;
    private final int widestBytes;
    private final WorkspacePool workspaces;
    /** For an int8 plan: batches from which its fp32 twin runs instead (int8 measured slower there); 0 = never. */
    private final int fp32FromBatch;
    /** The int8 plan's steps with weights dequantized to fp32, made on the first batch that needs it. */
    private volatile InferencePlan fp32Twin;

    InferencePlan(Shape inputShape, Shape outputShape, List<Step> steps, PlanOptions options) {
        this(inputShape, outputShape, steps, options, true);
    }

    /** @param twin whether an int8 plan runs its fp32 twin for large batches (false: int8 at every size) */
    private InferencePlan(Shape inputShape, Shape outputShape, List<Step> steps, PlanOptions options, boolean twin) {
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("InferencePlan: a plan needs at least one step");
        }
        this.inputShape = inputShape;
        this.outputShape = outputShape;
        this.steps = steps.toArray(new Step[0]);
        this.options = options;
        this.inSize = inputShape.size();
        this.outSize = outputShape.size();
        int expect = inSize;
        int widest = 1;
        int scratch = 0;
        int bytes = 0;
        for (int i = 0; i < this.steps.length; i++) {
            Step s = this.steps[i];
            if (s.inSize() != expect) {
                throw new IllegalArgumentException("InferencePlan: step " + i + " (" + s.kind() + ") reads " + s.inSize()
                        + " floats per sample but the step before writes " + expect);
            }
            expect = s.outSize();
            if (i < this.steps.length - 1) {
                widest = Math.max(widest, s.outSize());
            }
            scratch = Math.max(scratch, s.scratchSize());
            bytes = Math.max(bytes, s.byteScratchSize());
        }
        if (expect != outSize) {
            throw new IllegalArgumentException("InferencePlan: the last step writes " + expect
                    + " floats per sample but the output shape " + outputShape + " holds " + outSize);
        }
        this.widestActivation = widest;
        this.widestScratch = scratch;
        this.widestBytes = bytes;
        int perSample = 2 * widest + scratch + (bytes + 3) / 4;
        this.chunk = options.chunkSamples() > 0 ? options.chunkSamples() : autoChunk(this.steps, perSample);
        this.workspaces = new WorkspacePool(this, Math.max(8, 4 * Runtime.getRuntime().availableProcessors()));
        boolean quantized = false;
        for (Step s : this.steps) {
            quantized |= s instanceof QuantizedStep;
        }
        this.fp32FromBatch = quantized && twin ? QuantizeOptions.FP32_FROM_BATCH : 0;
    }

    /**
     * Samples per chunk when the options leave it open. A plan of dense products only that OpenBLAS
     * may run keeps whole batches up to the workspace budget on the caller's thread, where OpenBLAS
     * spreads each product over its own threads: cut into pool chunks, each product would run on one
     * thread of the Vector API kernel (OpenBLAS is never called inside pool parts), which measured
     * 0.76x the uncompiled model at batch 1024. Plans with convolutions keep small chunks, whose im2col
     * rows stay in cache.
     */
    private static int autoChunk(Step[] steps, int perSample) {
        int budget = Math.max(1, PlanOptions.WORKSPACE_BUDGET_FLOATS / perSample);
        boolean denseOnBlas = Blas.available();
        for (Step s : steps) {
            Step product = s instanceof SparseMatmulStep sparse ? sparse.dense() : s;
            if (product instanceof MatmulStep m && (m.conv() != null || m.blasFromRows() == Integer.MAX_VALUE)) {
                denseOnBlas = false;
            }
        }
        return denseOnBlas ? budget : Math.min(PlanOptions.MAX_AUTO_CHUNK, budget);
    }

    /**
     * Quantizes this fp32 plan to int8 (post-training): weights symmetric int8 per output channel,
     * activations per tensor from the calibration samples (static) or per call (dynamic), batch
     * normalization already folded, ReLU fused into requantization. The products that measured slower
     * in int8 stay fp32 unless the options force them; {@link Quantization#layers()} says which.
     *
     * @param calibration {@code samples} inputs in the model's input layout, as {@link #predict} takes
     *                    them (a few hundred to a few thousand representative samples); may be null
     *                    for dynamic quantization
     * @throws IllegalArgumentException on missing or short calibration data, NaN or infinite values in
     *                                  it (naming the step and value), an already quantized plan, or
     *                                  a plan without a dense or conv2d step
     */
    public Quantization quantize(float[] calibration, int samples, QuantizeOptions options) {
        return PlanQuantizer.quantize(this, calibration, samples, options);
    }

    /**
     * The fp32 twin of an int8 plan: each int8 step as fp32 products and pools on its weights
     * dequantized ({@code q * scale}), activations in float. Two threads may both build it the first
     * time; they build the same plan, and one of them is kept.
     */
    private InferencePlan fp32Twin() {
        InferencePlan twin = fp32Twin;
        if (twin == null) {
            List<Step> list = new java.util.ArrayList<>();
            for (Step s : steps) {
                if (s instanceof QuantizedStep q) {
                    list.addAll(q.fp32Steps(options.blasFromRows()));
                } else {
                    list.add(s);
                }
            }
            twin = new InferencePlan(inputShape, outputShape, list, options);
            fp32Twin = twin;
        }
        return twin;
    }

    /** A plan of one step, for running a step on its own (diagnostics): int8 steps run int8 at every batch size. */
    static InferencePlan single(Step step) {
        return new InferencePlan(Shape.of(step.inSize()), Shape.of(step.outSize()), List.of(step),
                PlanOptions.DEFAULT.withKernel(PlanOptions.Kernel.VECTOR), false);
    }

    /** This plan without the fp32 twin: int8 steps run int8 at every batch size (reports, tests). */
    InferencePlan int8Only() {
        return new InferencePlan(inputShape, outputShape, List.of(steps), options, false);
    }

    /** Compiles the model with {@link PlanOptions#DEFAULT}. */
    public static InferencePlan compile(Sequential model) {
        return compile(model, PlanOptions.DEFAULT);
    }

    /**
     * Compiles the model as it is now: later training of the model does not change the plan.
     *
     * @throws IllegalArgumentException on a null argument or a layer the plan cannot run (a custom
     *                                  {@code Layer} implementation), naming it
     */
    public static InferencePlan compile(Sequential model, PlanOptions options) {
        if (model == null || options == null) {
            throw new IllegalArgumentException("InferencePlan.compile: model and options must not be null");
        }
        return new InferencePlan(model.inputShape(), model.outputShape(), PlanCompiler.compile(model, options), options);
    }

    /** Writes the plan (steps, folded weights, options) to a file, atomically; see {@link #load}. */
    public void save(Path file) throws IOException {
        PlanFile.save(this, file);
    }

    /**
     * Reads a plan written by {@link #save}: the steps are rebuilt from the file directly (no model,
     * no layers, no gradients) and the weights packed again.
     *
     * @throws dev.isthmus.nn.io.ModelFormatException when the file is not a plan or is damaged, naming what is wrong
     */
    public static InferencePlan load(Path file) throws IOException {
        return PlanFile.load(file);
    }

    public Shape inputShape() {
        return inputShape;
    }

    public Shape outputShape() {
        return outputShape;
    }

    public PlanOptions options() {
        return options;
    }

    /** Samples one thread carries through the steps at a time; larger batches are spread over the pool. */
    public int chunkSamples() {
        return chunk;
    }

    /** Floating-point operations per sample. */
    public long flops() {
        long f = 0;
        for (Step s : steps) {
            f += s.flops();
        }
        return f;
    }

    /** Bytes of weights the plan holds (as stored; the packed copies of the products add about as much). */
    public long weightBytes() {
        long b = 0;
        for (Step s : steps) {
            b += s.weightBytes();
        }
        return b;
    }

    /** One line per step: what it computes, what it fused and which kernel runs it. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "inference plan %s -> %s, %d steps, %.2f MFLOP and %.1f KiB of weights "
                        + "per sample set, chunks of %d samples%n", inputShape, outputShape, steps.length, flops() / 1e6,
                weightBytes() / 1024.0, chunk));
        for (int i = 0; i < steps.length; i++) {
            sb.append(String.format(Locale.ROOT, "  %2d  %s%n", i, steps[i].describe()));
        }
        if (fp32FromBatch > 0) {
            sb.append(String.format(Locale.ROOT, "  batches of %d samples and more run these steps in fp32 on the "
                    + "dequantized weights, where int8 measured slower%n", fp32FromBatch));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "InferencePlan(" + inputShape + " -> " + outputShape + ", " + steps.length + " steps)";
    }

    List<Step> steps() {
        return List.of(steps);
    }

    int outputSize() {
        return outSize;
    }

    int inputSize() {
        return inSize;
    }

    int widestActivation() {
        return widestActivation;
    }

    int widestScratch() {
        return widestScratch;
    }

    int widestBytes() {
        return widestBytes;
    }

    // ---------------------------------------------------------------- predict

    /**
     * The outputs for a batch in a new tensor.
     *
     * @throws IllegalArgumentException when x is null or its sample shape is not {@link #inputShape()}
     */
    public Tensor predict(Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException("InferencePlan.predict: input is null");
        }
        if (!x.sampleShape().equals(inputShape)) {
            throw new IllegalArgumentException("InferencePlan.predict: input samples have shape " + x.sampleShape()
                    + ", but the plan expects " + inputShape);
        }
        Tensor y = Tensor.zeros(x.batch(), outputShape);
        predict(x.data(), 0, x.batch(), y.data(), 0);
        return y;
    }

    /**
     * The outputs for the samples packed in {@code input} (its length a multiple of the sample size),
     * in a new array.
     *
     * @throws IllegalArgumentException when input is null, empty or not a whole number of samples
     */
    public float[] predict(float[] input) {
        if (input == null) {
            throw new IllegalArgumentException("InferencePlan.predict: input is null");
        }
        if (input.length == 0 || input.length % inSize != 0) {
            throw new IllegalArgumentException("InferencePlan.predict: input has " + input.length
                    + " floats, expected a positive multiple of " + inSize + " (samples of shape " + inputShape + ")");
        }
        int batch = input.length / inSize;
        float[] y = new float[batch * outSize];
        predict(input, 0, batch, y, 0);
        return y;
    }

    /**
     * Writes the outputs of {@code batch} samples read from {@code input[inOff..]} to
     * {@code output[outOff..]} ({@code batch * outputShape().size()} floats). Allocates nothing once
     * warm. The input is only read.
     *
     * @throws IllegalArgumentException when an array is null or too short, an offset is negative,
     *                                  batch is below 1, or the output overlaps the input; the plan
     *                                  stays usable
     */
    public void predict(float[] input, int inOff, int batch, float[] output, int outOff) {
        checkBatch(input, inOff, batch);
        checkOutput(output, outOff, batch, outSize, "output");
        if (input == output && inOff < outOff + (long) batch * outSize && outOff < inOff + (long) batch * inSize) {
            throw new IllegalArgumentException("InferencePlan.predict: output [" + outOff + ", "
                    + (outOff + (long) batch * outSize) + ") overlaps input [" + inOff + ", "
                    + (inOff + (long) batch * inSize) + ") in the same array");
        }
        run(input, inOff, batch, output, outOff);
    }

    /**
     * The predicted class of one sample at {@code input[inOff..]}: the index of its largest output, or
     * for a single output, 1 when it is positive and 0 otherwise. Allocates nothing once warm.
     *
     * @throws IllegalArgumentException as {@link #predict(float[], int, int, float[], int)}, or when the
     *                                  outputs are NaN (a NaN or infinite input), naming the row
     */
    public int predictClass(float[] input, int inOff) {
        checkBatch(input, inOff, 1);
        Workspace ws = workspaces.acquire();
        try {
            runChunk(input, inOff, ws.row, 0, 1, ws, false);
            return argmax(ws.row, 0, 0);
        } finally {
            workspaces.release(ws);
        }
    }

    /**
     * Writes the predicted class of each of {@code batch} samples to {@code classes[classesOff..]}.
     * Allocates an output buffer per call; see {@link #predictClass} for the rule and the errors.
     */
    public void predictClasses(float[] input, int inOff, int batch, int[] classes, int classesOff) {
        checkBatch(input, inOff, batch);
        if (classes == null || classesOff < 0 || classesOff + (long) batch > classes.length) {
            throw new IllegalArgumentException("InferencePlan.predictClasses: classes needs " + batch
                    + " ints from offset " + classesOff + ", got " + (classes == null ? "null" : classes.length + " ints"));
        }
        float[] y = new float[batch * outSize];
        run(input, inOff, batch, y, 0);
        for (int r = 0; r < batch; r++) {
            classes[classesOff + r] = argmax(y, r * outSize, r);
        }
    }

    private int argmax(float[] y, int off, int row) {
        if (outSize == 1) {
            if (Float.isNaN(y[off])) {
                throw nanOutput(row);
            }
            return y[off] > 0 ? 1 : 0;
        }
        int best = 0;
        float max = y[off];
        for (int j = 0; j < outSize; j++) {
            float v = y[off + j];
            if (Float.isNaN(v)) {
                throw nanOutput(row);
            }
            if (v > max) {
                max = v;
                best = j;
            }
        }
        return best;
    }

    private static IllegalArgumentException nanOutput(int row) {
        return new IllegalArgumentException("InferencePlan: sample " + row
                + " gives NaN outputs, so it has no class (is there a NaN or infinite input value?)");
    }

    private void checkBatch(float[] input, int inOff, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("InferencePlan.predict: batch must be >= 1, got " + batch);
        }
        if ((long) batch * Math.max(inSize, outSize) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("InferencePlan.predict: a batch of " + batch + " does not fit in an array");
        }
        checkOutput(input, inOff, batch, inSize, "input");
    }

    private void checkOutput(float[] array, int off, int batch, int size, String name) {
        if (array == null) {
            throw new IllegalArgumentException("InferencePlan.predict: " + name + " is null");
        }
        long need = (long) batch * size;
        if (off < 0 || off + need > array.length) {
            throw new IllegalArgumentException("InferencePlan.predict: " + name + " needs " + need + " floats ("
                    + batch + " x " + (name.equals("input") ? inputShape : outputShape) + ") from offset " + off
                    + ", but the array has " + array.length);
        }
    }

    private void run(float[] x, int xOff, int batch, float[] y, int yOff) {
        if (fp32FromBatch > 0 && batch >= fp32FromBatch) {
            fp32Twin().run(x, xOff, batch, y, yOff);
            return;
        }
        Workspace ws = workspaces.acquire();
        try {
            if (batch <= chunk) {
                runChunk(x, xOff, y, yOff, batch, ws, false);
                return;
            }
            Workspace.ChunkTask task = ws.task;
            task.x = x;
            task.xOff = xOff;
            task.y = y;
            task.yOff = yOff;
            task.batch = batch;
            try {
                Parallel.run((batch + chunk - 1) / chunk, task);
            } finally {
                task.clear();
            }
        } finally {
            workspaces.release(ws);
        }
    }

    /** Chunk {@code part} of a large batch, on a pool thread with a workspace of its own. */
    void runPart(int part, float[] x, int xOff, float[] y, int yOff, int batch) {
        int first = part * chunk;
        int rows = Math.min(chunk, batch - first);
        Workspace ws = workspaces.acquire();
        try {
            runChunk(x, xOff + first * inSize, y, yOff + first * outSize, rows, ws, true);
        } finally {
            workspaces.release(ws);
        }
    }

    private void runChunk(float[] x, int xOff, float[] y, int yOff, int rows, Workspace ws, boolean pooled) {
        ws.ensure(rows);
        float[] src = x;
        int srcOff = xOff;
        int last = steps.length - 1;
        for (int s = 0; s <= last; s++) {
            float[] dst = s == last ? y : (s & 1) == 0 ? ws.a : ws.b;
            int dstOff = s == last ? yOff : 0;
            steps[s].run(src, srcOff, dst, dstOff, rows, ws, pooled);
            src = dst;
            srcOff = dstOff;
        }
    }
}
