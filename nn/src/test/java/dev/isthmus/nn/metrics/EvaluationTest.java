package dev.isthmus.nn.metrics;

import static dev.isthmus.nn.metrics.ConfusionMatrixTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Tensor;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.layer.Dense;
import dev.isthmus.nn.loss.BinaryCrossEntropy;
import dev.isthmus.nn.loss.Loss;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import org.junit.jupiter.api.Test;

class EvaluationTest {
    // five examples of two features; with identity weights the logits are the features themselves
    static final float[] FEATURES = {2, 1, 0, 3, 1, 0.5f, -1, -2, 4, 5};
    static final int[] LABELS = {0, 1, 1, 0, 0};
    static final Dataset DATA = new Dataset(FEATURES, new int[] {2}, LABELS, 2);

    /** A model whose single dense layer has these weights ({@code in x out}, row-major) and a zero bias. */
    static Sequential model(int out, float... weights) {
        Sequential model = Sequential.builder(2).dense(out).build();
        Dense dense = (Dense) model.layers().get(0);
        System.arraycopy(weights, 0, dense.weight().value(), 0, weights.length);
        return model;
    }

    /** {@code log(e^a + e^b) - x_label}, the cross entropy of one row of two logits. */
    static double crossEntropy(double a, double b, int label) {
        double max = Math.max(a, b);
        return max + Math.log(Math.exp(a - max) + Math.exp(b - max)) - (label == 0 ? a : b);
    }

    @Test
    void identityModelOnATinyDataset() {
        Sequential identity = model(2, 1, 0, 0, 1);
        // argmax of (2, 1), (0, 3), (1, 0.5), (-1, -2), (4, 5) is 0, 1, 0, 0, 1 against labels 0, 1, 1, 0, 0:
        // class 0 is right twice and taken for 1 once, class 1 right once and taken for 0 once
        double[] ce = new double[5];
        for (int r = 0; r < 5; r++) {
            ce[r] = crossEntropy(FEATURES[2 * r], FEATURES[2 * r + 1], LABELS[r]);
        }
        double mean = (ce[0] + ce[1] + ce[2] + ce[3] + ce[4]) / 5;
        // class weights 1 and 3: the two class-1 rows count three times
        double weighted = (ce[0] + 3 * ce[1] + 3 * ce[2] + ce[3] + ce[4]) / 9;
        Loss plain = new SparseCategoricalCrossEntropy();
        Loss classWeighted = new SparseCategoricalCrossEntropy(new float[] {1, 3});
        // every batch size, including one that leaves a partial batch and one larger than the data, agrees
        for (int batchSize : new int[] {1, 2, 3, 5, 8}) {
            EvaluationReport r = Evaluation.evaluate(identity, DATA, plain, batchSize, new String[] {"no", "yes"});
            assertEquals(ConfusionMatrix.of(2, LABELS, new int[] {0, 1, 0, 0, 1}), r.confusion(), "batch " + batchSize);
            assertEquals(0.6, r.accuracy(), 1e-12);
            assertEquals(mean, r.loss(), 1e-6, "batch " + batchSize);
            assertEquals("yes", r.classes().get(1).name());
            assertEquals(weighted, Evaluation.evaluate(identity, DATA, classWeighted, batchSize).loss(), 1e-6,
                    "weighted, batch " + batchSize);
        }
        // and the whole dataset as one batch through the loss directly gives the same
        Tensor all = identity.predict(Tensor.of(FEATURES.clone(), 5, 2));
        assertEquals(plain.forLabels(all, LABELS, 0, null), Evaluation.evaluate(identity, DATA, plain, 2).loss(), 1e-6);
    }

    @Test
    void oneOutputIsALogit() {
        // the logit x0 - x1 is 1, -3, 0.5, 1, -1: predicted 1, 0, 1, 1, 0 against 0, 1, 1, 0, 0
        Sequential difference = model(1, 1, -1);
        EvaluationReport r = Evaluation.evaluate(difference, DATA, new BinaryCrossEntropy(), 2);
        assertEquals(ConfusionMatrix.of(2, LABELS, new int[] {1, 0, 1, 1, 0}), r.confusion());
        double expected = 0;
        float[] logits = {1, -3, 0.5f, 1, -1};
        for (int i = 0; i < 5; i++) {
            // -log sigmoid(x) for label 1, -log(1 - sigmoid(x)) for label 0
            expected += LABELS[i] == 1 ? Math.log1p(Math.exp(-logits[i])) : Math.log1p(Math.exp(logits[i]));
        }
        assertEquals(expected / 5, r.loss(), 1e-6);
    }

    @Test
    void mismatchesAreNamed() {
        Loss loss = new SparseCategoricalCrossEntropy();
        Dataset empty = new Dataset(new float[0], new int[] {2}, new int[0], 2);
        assertMessage(() -> Evaluation.evaluate(model(2, 1, 0, 0, 1), empty, loss, 4), "empty");
        Sequential threeInputs = Sequential.builder(3).dense(2).build();
        assertMessage(() -> Evaluation.evaluate(threeInputs, DATA, loss, 4), "input of shape (3)", "shape (2)");
        Dataset image = new Dataset(FEATURES, new int[] {1, 2}, LABELS, 2);
        assertMessage(() -> Evaluation.evaluate(model(2, 1, 0, 0, 1), image, loss, 4), "(2)", "(1, 2)");
        Sequential threeOutputs = Sequential.builder(2).dense(3).build();
        assertMessage(() -> Evaluation.evaluate(threeOutputs, DATA, loss, 4), "outputs 3 values", "2 classes");
        Dataset threeClasses = new Dataset(FEATURES, new int[] {2}, new int[] {0, 1, 2, 0, 1}, 3);
        assertMessage(() -> Evaluation.evaluate(model(1, 1, -1), threeClasses, new BinaryCrossEntropy(), 4),
                "outputs 1 value per example", "3 classes");
        assertMessage(() -> Evaluation.evaluate(model(2, 1, 0, 0, 1), DATA, loss, 0), "batchSize", "0");
        assertMessage(() -> Evaluation.evaluate(null, DATA, loss, 4), "must not be null");
        assertMessage(() -> Evaluation.evaluate(model(2, 1, 0, 0, 1), DATA, loss, 4, new String[] {"x"}),
                "1 class names", "2 classes");
    }
}
