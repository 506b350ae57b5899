package dev.isthmus.nn.train;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.data.FashionMnist;
import dev.isthmus.nn.data.Normalization;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.metrics.Evaluation;
import dev.isthmus.nn.metrics.EvaluationReport;
import dev.isthmus.nn.optim.Adam;
import dev.isthmus.nn.optim.LearningRateSchedule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Training on the real Fashion-MNIST from Debian's {@code dataset-fashion-mnist} (which .ci/run
 * installs), standardized per pixel, with Adam (1e-3, batch 64) and a cosine learning-rate decay.
 * The quick test runs in CI: one epoch of the MLP. The full runs of issue 4 (MLP 5
 * epochs >= 88%, CNN 3 epochs >= 90%) take minutes and run only with
 * {@code -Disthmus.fullTraining=true}:
 *
 * <pre>
 * ./mvnw -B -ntp -pl nn -am test -Dtest=FashionMnistTrainingTest -Dsurefire.failIfNoSpecifiedTests=false -Disthmus.fullTraining=true
 * </pre>
 */
class FashionMnistTrainingTest {
    static Dataset train;
    static Dataset test;

    @BeforeAll
    static void load() throws IOException {
        if (!Files.isDirectory(FashionMnist.DEFAULT_DIR)) {
            // CI installs the package; a developer machine without it should fail loudly, not skip silently
            throw new IllegalStateException("Fashion-MNIST is missing: apt-get install dataset-fashion-mnist (expected in "
                    + FashionMnist.DEFAULT_DIR + ")");
        }
        Dataset rawTrain = FashionMnist.load(FashionMnist.DEFAULT_DIR, true);
        // standardized with the training set's per-pixel mean and deviation, applied to both
        Normalization standardize = Normalization.standardize(rawTrain);
        train = standardize.apply(rawTrain);
        test = standardize.apply(FashionMnist.load(FashionMnist.DEFAULT_DIR, false));
    }

    static Sequential mlp() {
        return Sequential.builder(1, 28, 28).seed(7).dense(256).relu().dense(128).relu().dense(10).build();
    }

    static Sequential cnn() {
        return Sequential.builder(1, 28, 28).seed(7)
                .conv2d(32, 3, 1, 1).batchNorm().relu().maxPool2d(2)
                .conv2d(64, 3, 1, 1).batchNorm().relu().maxPool2d(2)
                .dense(128).relu().dense(10).build();
    }

    static EvaluationReport trainAndEvaluate(Sequential model, int epochs, double lr) {
        SparseCategoricalCrossEntropy loss = new SparseCategoricalCrossEntropy();
        int batch = 64;
        long steps = (long) epochs * ((train.size() + batch - 1) / batch);
        Trainer trainer = Trainer.builder(model, loss, new Adam(model.parameters(), lr))
                .epochs(epochs).batchSize(batch).seed(11)
                // cosine decay to lr / 20 over the run: +1.5 to 2 points of test accuracy over a constant rate
                .learningRateSchedule(new LearningRateSchedule.Cosine(lr, lr / 20, steps))
                .callback(new ProgressLogger(System.out))
                .build();
        long start = System.nanoTime();
        History history = trainer.fit(train);
        EvaluationReport report = Evaluation.evaluate(model, test, loss, 500);
        System.out.printf(Locale.ROOT, "%s: %d epochs in %.1f s, train loss %.4f, test accuracy %.4f, macro F1 %.4f%n",
                model, epochs, (System.nanoTime() - start) / 1e9, history.last("loss"), report.accuracy(),
                report.macro().f1());
        return report;
    }

    @Test
    void oneEpochOfTheMlpReachesEightySixPercent() {
        EvaluationReport report = trainAndEvaluate(mlp(), 1, 1e-3);
        // this recipe gives 87.2% after one epoch (deterministic for a thread count); 86% leaves room for another count
        assertTrue(report.accuracy() >= 0.86, "test accuracy " + report.accuracy());
    }

    @Test
    void fullMlpRunReachesEightyEightPercentInFiveEpochs() {
        assumeTrue(Boolean.getBoolean("isthmus.fullTraining"), "full runs need -Disthmus.fullTraining=true");
        EvaluationReport report = trainAndEvaluate(mlp(), 5, 1e-3);
        System.out.println(report.format());
        assertTrue(report.accuracy() >= 0.88, "test accuracy " + report.accuracy());
    }

    @Test
    void fullCnnRunReachesNinetyPercentInThreeEpochs() {
        assumeTrue(Boolean.getBoolean("isthmus.fullTraining"), "full runs need -Disthmus.fullTraining=true");
        EvaluationReport report = trainAndEvaluate(cnn(), 3, 1e-3);
        System.out.println(report.format());
        assertTrue(report.accuracy() >= 0.90, "test accuracy " + report.accuracy());
    }
}
