package dev.isthmus.nn.loss;

import dev.isthmus.kernels.CrossEntropy;
import dev.isthmus.kernels.Elementwise;
import dev.isthmus.nn.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Softmax cross entropy against probability rows: one-hot rows of integer labels, or soft labels
 * (label smoothing, distillation) given as dense targets. Like {@link SparseCategoricalCrossEntropy}
 * the model ends with logits and the softmax happens here. Row r's loss is
 * {@code -sum_j t[r][j] * log softmax(output[r])[j]}; for one-hot targets this equals the sparse
 * loss, which is the cheaper choice when every row has a single label.
 *
 * <p>With class weights w, row r weighs {@code w_r = sum_j w[j] * t[r][j]}: the weight of its class
 * for a one-hot row, the expected weight under the target distribution for a soft one. The loss is
 * {@code sum_r w_r * l_r / sum_r w_r}. Because the kernel's loss and gradient are linear in the
 * targets, the weights are applied by scaling each target row by {@code rows * w_r / sum w}.
 */
public final class CategoricalCrossEntropy implements Loss {
    static final String NAME = "categorical_cross_entropy";

    private final float[] classWeights;

    /** The unweighted loss. */
    public CategoricalCrossEntropy() {
        this(null);
    }

    /**
     * The loss with one weight per class (null for none); the array is copied. Its length is checked
     * against the output's width at each call.
     *
     * @throws IllegalArgumentException when a weight is negative or not finite, or all are 0
     */
    public CategoricalCrossEntropy(float[] classWeights) {
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

    /** Targets are the one-hot rows of the labels, which must be in {@code [0, width)}. */
    @Override
    public double forLabels(Tensor output, int[] labels, int labelsOff, Tensor grad) {
        int width = Targets.width(NAME, output);
        float[] g = Targets.gradient(NAME, output, grad);
        ClassWeights.matchWidth(NAME, classWeights, width);
        int rows = output.batch();
        Targets.labelsBelow(NAME, labels, labelsOff, rows, width, Targets.COLUMNS);
        double total = normalizer(labels, labelsOff, rows);
        if (total == 0) {
            return Targets.nothing(g);
        }
        float[] scale = null;
        if (classWeights != null) {
            scale = new float[rows];
            for (int r = 0; r < rows; r++) {
                scale[r] = (float) (rows * (double) classWeights[labels[labelsOff + r]] / total);
            }
        }
        float[] targets = Targets.oneHot(labels, labelsOff, rows, width, scale);
        return CrossEntropy.dense(output.data(), 0, rows, width, targets, 0, g, 0);
    }

    /** Targets are probability rows of the output's shape; they are not checked to sum to 1. */
    @Override
    public double forTargets(Tensor output, Tensor targets, Tensor grad) {
        int width = Targets.width(NAME, output);
        Targets.sameShape(NAME, "targets", output, targets);
        float[] g = Targets.gradient(NAME, output, grad);
        ClassWeights.matchWidth(NAME, classWeights, width);
        int rows = output.batch();
        if (classWeights == null) {
            return rows == 0 ? Targets.nothing(g) : CrossEntropy.dense(output.data(), 0, rows, width, targets.data(),
                    0, g, 0);
        }
        double[] rowWeights = rowWeights(targets, width);
        double total = sum(rowWeights);
        if (total == 0) {
            return Targets.nothing(g);
        }
        float[] scaled = new float[rows * width];
        for (int r = 0; r < rows; r++) {
            Elementwise.scale((float) (rows * rowWeights[r] / total), targets.data(), r * width, scaled, r * width,
                    width);
        }
        return CrossEntropy.dense(output.data(), 0, rows, width, scaled, 0, g, 0);
    }

    @Override
    public double normalizer(int[] labels, int off, int rows) {
        return ClassWeights.sum(NAME, classWeights, labels, off, rows);
    }

    @Override
    public double normalizer(Tensor targets) {
        int width = Targets.width(NAME, targets);
        if (classWeights == null) {
            return targets.batch();
        }
        ClassWeights.matchWidth(NAME, classWeights, width);
        return sum(rowWeights(targets, width));
    }

    /** {@code w_r = sum_j w[j] * t[r][j]} for each row, in double so the weights sum without drift. */
    private double[] rowWeights(Tensor targets, int width) {
        float[] t = targets.data();
        double[] w = new double[targets.batch()];
        for (int r = 0; r < w.length; r++) {
            double s = 0;
            for (int j = 0; j < width; j++) {
                s += (double) classWeights[j] * t[r * width + j];
            }
            w[r] = s;
        }
        return w;
    }

    private static double sum(double[] values) {
        double s = 0;
        for (double v : values) {
            s += v;
        }
        return s;
    }

    @Override
    public String toString() {
        return NAME + (classWeights == null ? "" : " (class weighted)");
    }
}
