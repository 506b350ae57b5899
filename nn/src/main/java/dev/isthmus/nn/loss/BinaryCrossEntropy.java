package dev.isthmus.nn.loss;

import dev.isthmus.kernels.CrossEntropy;
import dev.isthmus.nn.Tensor;

import java.util.Map;

/**
 * Binary cross entropy from logits, for yes/no outputs: each output value is the logit of an
 * independent probability {@code sigmoid(x)}, and its loss is
 * {@code -t log sigmoid(x) - (1 - t) log(1 - sigmoid(x))}, computed without overflow for any
 * finite logit. Row r's loss is the mean over its values, so the batch loss is the mean over every
 * value. The model ends with its logits, not with a sigmoid layer.
 */
public final class BinaryCrossEntropy implements Loss {
    static final String NAME = "binary_cross_entropy";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Object> config() {
        return Map.of();
    }

    /**
     * For an output one value wide the label is the target and must be 0 or 1 (binary
     * classification); for a wider output the target is the label's one-hot row (every other column
     * a negative), and the label must be in {@code [0, width)}.
     */
    @Override
    public double forLabels(Tensor output, int[] labels, int labelsOff, Tensor grad) {
        int width = Targets.width(NAME, output);
        float[] g = Targets.gradient(NAME, output, grad);
        int rows = output.batch();
        float[] targets;
        if (width == 1) {
            Targets.labelsBelow(NAME, labels, labelsOff, rows, 2, "the classes of an output one value wide (0 or 1)");
            targets = Targets.values(labels, labelsOff, rows);
        } else {
            Targets.labelsBelow(NAME, labels, labelsOff, rows, width, Targets.COLUMNS);
            targets = Targets.oneHot(labels, labelsOff, rows, width, null);
        }
        return rows == 0 ? Targets.nothing(g)
                : CrossEntropy.binaryWithLogits(output.data(), 0, targets, 0, targets.length, g, 0);
    }

    /** Targets are probabilities in [0, 1] of the output's shape; they are not checked. */
    @Override
    public double forTargets(Tensor output, Tensor targets, Tensor grad) {
        Targets.width(NAME, output);
        Targets.sameShape(NAME, "targets", output, targets);
        float[] g = Targets.gradient(NAME, output, grad);
        return output.batch() == 0 ? Targets.nothing(g)
                : CrossEntropy.binaryWithLogits(output.data(), 0, targets.data(), 0, output.size(), g, 0);
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
