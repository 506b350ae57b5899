package dev.isthmus.nn.metrics;

import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;
import dev.isthmus.nn.data.Batch;
import dev.isthmus.nn.data.Batches;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.loss.Loss;

import java.util.Arrays;

/**
 * Runs a classifier over a labelled dataset in inference mode and reports its loss and scores:
 * {@code Evaluation.evaluate(model, test, new SparseCategoricalCrossEntropy(), 256).format()}.
 */
public final class Evaluation {
    private Evaluation() {}

    /** {@link #evaluate(Sequential, Dataset, Loss, int, String[])} with class indices for names. */
    public static EvaluationReport evaluate(Sequential model, Dataset data, Loss loss, int batchSize) {
        return evaluate(model, data, loss, batchSize, null);
    }

    /**
     * Feeds the dataset through the model in order, {@code batchSize} examples at a time, and
     * returns the report. The loss is the mean over all examples: each batch's mean weighted by its
     * {@link Loss#normalizer}, so it equals the loss of the whole dataset as one batch whatever the
     * batch size (and honours class weights). The predicted class of an output row is its largest
     * column; an output one value wide is read as the logit of class 1 (predicted 1 when above 0),
     * as {@link dev.isthmus.nn.loss.BinaryCrossEntropy} trains it.
     *
     * <p>This uses {@link Sequential#forward}, which overwrites the model's activations: do not
     * evaluate a model while another thread trains or evaluates the same instance (use a replica).
     *
     * @throws IllegalArgumentException when an argument is null, the dataset is empty, the batch size
     *                                  is below 1, the model's input shape is not the dataset's feature
     *                                  shape, or its output width is not the dataset's class count
     *                                  (or 1 for two classes)
     */
    public static EvaluationReport evaluate(Sequential model, Dataset data, Loss loss, int batchSize,
                                            String[] classNames) {
        if (model == null || data == null || loss == null) {
            throw new IllegalArgumentException("evaluate: model, data and loss must not be null");
        }
        if (data.size() == 0) {
            throw new IllegalArgumentException("evaluate: " + data + " is empty; there is nothing to evaluate");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("evaluate: batchSize must be >= 1, got " + batchSize);
        }
        Shape features = Shape.of(data.featureShape());
        if (!features.equals(model.inputShape())) {
            throw new IllegalArgumentException("evaluate: the model takes input of shape " + model.inputShape()
                    + " but the dataset's examples have shape " + features);
        }
        int width = model.outputShape().size();
        int classes = data.classes();
        boolean binary = width == 1;
        if (width != classes && !(binary && classes == 2)) {
            throw new IllegalArgumentException("evaluate: the model outputs " + width + (binary ? " value" : " values")
                    + " per example but the dataset has " + classes + " classes; expected " + classes + " outputs"
                    + (classes == 2 ? " (or 1, a logit)" : ""));
        }
        // bad names fail before the model runs, not after
        EvaluationReport.names(classNames, classes);

        ConfusionMatrix confusion = new ConfusionMatrix(classes);
        int[] shape = features.withBatch(0);
        int[] predicted = new int[Math.min(batchSize, data.size())];
        double weightedLoss = 0;
        double totalWeight = 0;
        for (Batch batch : Batches.inOrder(data, batchSize).epoch(0)) {
            int n = batch.size();
            shape[0] = n;
            float[] x = n == batch.capacity() ? batch.features()
                    : Arrays.copyOf(batch.features(), n * batch.featureSize());
            Tensor input = Tensor.of(x, shape);
            Tensor y = model.forward(input, Pass.INFERENCE);
            double weight = loss.normalizer(batch.labels(), 0, n);
            double batchLoss = loss.forBatch(input, y, batch.labels(), 0, null);
            weightedLoss += batchLoss * weight;
            totalWeight += weight;
            Sequential.classes(y, predicted);
            confusion.add(batch.labels(), predicted, 0, n);
        }
        // the losses' convention: rows that weigh nothing in all give 0
        double meanLoss = totalWeight == 0 ? 0 : weightedLoss / totalWeight;
        return EvaluationReport.of(meanLoss, confusion, classNames);
    }
}
