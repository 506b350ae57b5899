package dev.isthmus.nn.loss;

import dev.isthmus.kernels.CrossEntropy;
import dev.isthmus.nn.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Softmax cross entropy against class indices, the loss for single-label classification: the
 * model ends with its raw scores (logits, no softmax layer) and this applies the softmax itself,
 * which is both cheaper and stable for any finite logits. Row r's loss is
 * {@code -log softmax(output[r])[label_r]}.
 *
 * <p>With class weights w, row r weighs {@code w[label_r]} and the loss is
 * {@code sum_r w[label_r] * l_r / sum_r w[label_r]}; {@link ClassWeights#balanced} computes weights
 * that make rare classes count as much as common ones.
 */
public final class SparseCategoricalCrossEntropy implements Loss {
    static final String NAME = "sparse_categorical_cross_entropy";

    private final float[] classWeights;

    /** The unweighted loss. */
    public SparseCategoricalCrossEntropy() {
        this(null);
    }

    /**
     * The loss with one weight per class (null for none); the array is copied. Its length is checked
     * against the output's width at each call.
     *
     * @throws IllegalArgumentException when a weight is negative or not finite, or all are 0
     */
    public SparseCategoricalCrossEntropy(float[] classWeights) {
        this.classWeights = ClassWeights.checked(NAME, classWeights);
    }

    /** A copy of the class weights, or null when unweighted. */
    public float[] classWeights() {
        return classWeights == null ? null : classWeights.clone();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        if (classWeights != null) {
            c.put("class_weights", classWeights.clone());
        }
        return c;
    }

    /** Labels are column indices of the output, in {@code [0, width)}. */
    @Override
    public double forLabels(Tensor output, int[] labels, int labelsOff, Tensor grad) {
        int width = Targets.width(NAME, output);
        float[] g = Targets.gradient(NAME, output, grad);
        ClassWeights.matchWidth(NAME, classWeights, width);
        int rows = output.batch();
        Targets.labelsBelow(NAME, labels, labelsOff, rows, width, Targets.COLUMNS);
        if (normalizer(labels, labelsOff, rows) == 0) {
            return Targets.nothing(g);
        }
        return CrossEntropy.sparse(output.data(), 0, rows, width, labels, labelsOff, classWeights, g, 0);
    }

    /**
     * Always throws: this loss reads class indices.
     *
     * @throws IllegalArgumentException always; use {@link CategoricalCrossEntropy} for dense targets
     */
    @Override
    public double forTargets(Tensor output, Tensor targets, Tensor grad) {
        throw needsLabels();
    }

    @Override
    public double normalizer(int[] labels, int off, int rows) {
        return ClassWeights.sum(NAME, classWeights, labels, off, rows);
    }

    /**
     * Always throws: this loss reads class indices.
     *
     * @throws IllegalArgumentException always
     */
    @Override
    public double normalizer(Tensor targets) {
        throw needsLabels();
    }

    private static IllegalArgumentException needsLabels() {
        return new IllegalArgumentException(NAME + " needs integer class labels (forLabels), not dense targets;"
                + " use " + CategoricalCrossEntropy.NAME + " for one-hot or soft targets");
    }

    @Override
    public String toString() {
        return NAME + (classWeights == null ? "" : " (class weighted)");
    }
}
