package dev.isthmus.nn.loss;

import dev.isthmus.kernels.CrossEntropy;
import dev.isthmus.nn.Tensor;

import java.util.Map;

/**
 * The mean squared difference between the output and its targets, the loss for regression: row
 * r's loss is the mean of {@code (output[r][j] - t[r][j])^2} over its j, so the batch loss is the
 * mean over every value.
 */
public final class MeanSquaredError implements Loss {
    static final String NAME = "mse";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Object> config() {
        return Map.of();
    }

    /**
     * For an output one value wide the target is the label itself (any int: an ordinal or count
     * target); for a wider output it is the label's one-hot row, and the label must be in
     * {@code [0, width)}.
     */
    @Override
    public double forLabels(Tensor output, int[] labels, int labelsOff, Tensor grad) {
        int width = Targets.width(NAME, output);
        float[] g = Targets.gradient(NAME, output, grad);
        int rows = output.batch();
        float[] targets;
        if (width == 1) {
            Targets.labelsFit(NAME, labels, labelsOff, rows);
            targets = Targets.values(labels, labelsOff, rows);
        } else {
            Targets.labelsBelow(NAME, labels, labelsOff, rows, width, Targets.COLUMNS);
            targets = Targets.oneHot(labels, labelsOff, rows, width, null);
        }
        return rows == 0 ? Targets.nothing(g)
                : CrossEntropy.meanSquaredError(output.data(), 0, targets, 0, targets.length, g, 0);
    }

    @Override
    public double forTargets(Tensor output, Tensor targets, Tensor grad) {
        Targets.width(NAME, output);
        Targets.sameShape(NAME, "targets", output, targets);
        float[] g = Targets.gradient(NAME, output, grad);
        return output.batch() == 0 ? Targets.nothing(g)
                : CrossEntropy.meanSquaredError(output.data(), 0, targets.data(), 0, output.size(), g, 0);
    }

    /** {@code rows}: every row weighs 1. */
    @Override
    public double normalizer(int[] labels, int off, int rows) {
        Targets.labelsFit(NAME, labels, off, rows);
        return rows;
    }

    /** {@code targets.batch()}: every row weighs 1. */
    @Override
    public double normalizer(Tensor targets) {
        Targets.width(NAME, targets);
        return targets.batch();
    }

    @Override
    public String toString() {
        return NAME;
    }
}
