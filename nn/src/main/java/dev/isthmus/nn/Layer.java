package dev.isthmus.nn;

import java.util.List;
import java.util.Map;

/**
 * One stage of a {@link Sequential} model. A layer is built for one sample shape and maps a batch
 * of those to a batch of {@link #outputShape()}.
 *
 * <p>Buffers: {@link #forward} returns a tensor the layer owns and overwrites on its next forward
 * call; {@link #backward} likewise. The layer keeps a reference to its input for the backward pass,
 * so a caller must not change the input between the two. A layer is not safe for concurrent use:
 * training threads each work on a {@link #replica()}.
 */
public interface Layer {
    /** The layer's kind as written in model files and summaries: {@code dense}, {@code conv2d}, {@code relu}... */
    String kind();

    /** The shape of one input sample. */
    Shape inputShape();

    /** The shape of one output sample. */
    Shape outputShape();

    /** Trainable parameters, in a fixed order. */
    default List<Parameter> parameters() {
        return List.of();
    }

    /** State saved with the model but not trained (batch normalization's running statistics). */
    default List<Parameter> buffers() {
        return List.of();
    }

    /** Floating-point operations of a forward pass over one sample (a multiply-add counts two). */
    long flops();

    /**
     * Computes the output for a batch.
     *
     * @throws IllegalArgumentException when the input's sample shape is not {@link #inputShape()}
     */
    Tensor forward(Tensor input, Pass pass);

    /**
     * Given the gradient of the loss with respect to the last forward call's output, overwrites
     * every parameter's gradient and returns the gradient with respect to that call's input, or null
     * when {@code inputGradient} is false (the first layer needs none).
     *
     * @throws IllegalStateException    when no training forward pass preceded this call
     * @throws IllegalArgumentException when the gradient's shape is not the last output's
     */
    Tensor backward(Tensor gradOutput, boolean inputGradient);

    /**
     * The layer's configuration as it is written into model files: sizes and options (not the
     * weights), values being Integer, Long, Float, Boolean, String or int[]; model files store longs exactly.
     */
    Map<String, Object> config();

    /**
     * A copy for another training thread: it shares the parameter values, has gradients, buffers
     * and activations of its own.
     */
    Layer replica();
}
