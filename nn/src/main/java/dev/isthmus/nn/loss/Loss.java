package dev.isthmus.nn.loss;

import dev.isthmus.nn.Tensor;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What training minimizes: a number computed from a batch of the model's outputs and what they
 * should have been, with its gradient with respect to those outputs for the backward pass. Pick
 * one by name with {@link #parse} or construct it directly.
 *
 * <p>Every loss is a weighted mean over the rows (samples) of the batch,
 * {@code L = sum_r w_r * l_r / N} with {@code N = sum_r w_r}, where {@code l_r} is the loss of row r
 * (for {@code mse} and {@code binary_cross_entropy} itself the mean over the row's outputs) and
 * {@code w_r} is 1 unless class weights say otherwise. {@link #normalizer} returns {@code N} for a
 * set of rows, which lets a data-parallel trainer split a batch into shards s and recover the
 * whole batch's results exactly (up to float rounding):
 * {@code L = sum_s L_s * N_s / N}, and the gradient of any parameter is
 * {@code sum_s grad_s * N_s / N}; for the output gradient this scales each shard's block of rows.
 *
 * <p>When {@code N} is 0 (an empty batch, or rows whose classes all weigh 0) there is nothing to
 * average: the loss is 0 and the gradient zero, so such a shard adds nothing to the sums above.
 * NaN in the output makes the loss NaN rather than an exception, because detecting a diverged run
 * is the trainer's decision. A loss keeps no state between calls, so one instance may serve
 * several threads at once.
 */
public interface Loss {
    /** The names {@link #parse} accepts. */
    List<String> NAMES = List.of(MeanSquaredError.NAME, BinaryCrossEntropy.NAME, CategoricalCrossEntropy.NAME,
            SparseCategoricalCrossEntropy.NAME);

    /**
     * The loss of this name, unweighted.
     *
     * @throws IllegalArgumentException for any other name, listing the accepted ones
     */
    static Loss parse(String name) {
        if (name == null) {
            throw new IllegalArgumentException("loss name is null; expected one of " + String.join(", ", NAMES));
        }
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case MeanSquaredError.NAME -> new MeanSquaredError();
            case BinaryCrossEntropy.NAME -> new BinaryCrossEntropy();
            case CategoricalCrossEntropy.NAME -> new CategoricalCrossEntropy();
            case SparseCategoricalCrossEntropy.NAME -> new SparseCategoricalCrossEntropy();
            default -> throw new IllegalArgumentException("unknown loss '" + name + "'; expected one of "
                    + String.join(", ", NAMES));
        };
    }

    /** The name {@link #parse} reads and model files record: {@code mse}, {@code binary_cross_entropy}... */
    String name();

    /**
     * The options beyond the name as they are written into model files (empty for none); class
     * weights appear as a {@code float[]} under {@code class_weights}.
     */
    Map<String, Object> config();

    /**
     * The mean loss of the {@code output.batch()} rows of {@code output} against integer class
     * labels {@code labels[labelsOff + r]}, writing dLoss/dOutput into {@code grad} (of the output's
     * shape; it may be the output itself) unless grad is null. Each loss says how it turns a label
     * into targets.
     *
     * @throws IllegalArgumentException when a label is outside the range the loss accepts for this
     *                                  output (naming the label, its row and the range), when the
     *                                  labels array is too short or grad's shape differs from the output's
     */
    double forLabels(Tensor output, int[] labels, int labelsOff, Tensor grad);

    /**
     * As {@link #forLabels}, for a loss that also needs the model's input rows, such as a
     * distillation loss that runs a teacher model on them: {@code input} holds
     * {@code output.batch()} rows of the model's input shape, and input row r produced output row r.
     * The default ignores the input and calls {@link #forLabels}, so a loss that reads only outputs
     * and labels gives the same bits through either method. The trainers ({@code Trainer},
     * {@code FullBatch}, through their data-parallel shards, each passing its own rows) and
     * {@code Evaluation} call this method; the input is only read.
     *
     * @throws IllegalArgumentException as {@link #forLabels}, or when the input does not fit the
     *                                  output (for a loss that reads it)
     */
    default double forBatch(Tensor input, Tensor output, int[] labels, int labelsOff, Tensor grad) {
        return forLabels(output, labels, labelsOff, grad);
    }

    /**
     * The mean loss of the output against dense float targets of the same shape (regression values,
     * soft labels), writing dLoss/dOutput into {@code grad} unless it is null; grad may be the output
     * itself but not the targets.
     *
     * @throws IllegalArgumentException when the shapes differ, or for a loss that needs integer labels
     */
    double forTargets(Tensor output, Tensor targets, Tensor grad);

    /**
     * The total row weight {@code N} that {@link #forLabels} divides by for these rows: {@code rows}
     * for an unweighted loss, the sum of the labels' class weights for a weighted one.
     *
     * @throws IllegalArgumentException when the labels array is too short, or a label has no class weight
     */
    double normalizer(int[] labels, int off, int rows);

    /**
     * The total row weight {@code N} that {@link #forTargets} divides by for these targets:
     * {@code targets.batch()} for an unweighted loss.
     *
     * @throws IllegalArgumentException for a loss that needs integer labels
     */
    double normalizer(Tensor targets);
}
