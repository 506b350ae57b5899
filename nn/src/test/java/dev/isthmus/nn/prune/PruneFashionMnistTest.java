package dev.isthmus.nn.prune;

import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.data.FashionMnist;
import dev.isthmus.nn.data.Normalization;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.metrics.Evaluation;
import dev.isthmus.nn.optim.Adam;
import dev.isthmus.nn.prune.MagnitudePruning.Scope;
import dev.isthmus.nn.train.Trainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 8's pruning target on the real Fashion-MNIST: the MLP 784-256-128-10 (ReLU, Adam 1e-3,
 * batch 64, seed 42) trained one epoch, then pruned to 90% (global scope, which measured 1.7 points
 * better than per-layer here) while it is fine-tuned one more epoch, stays within 1.5 points of its
 * unpruned test accuracy, and of the same extra epoch without pruning. The sweep over 50-95% takes
 * a few minutes and runs only with {@code -Disthmus.fullTraining=true}:
 *
 * <pre>
 * ./mvnw -B -ntp -pl nn -am test -Dtest=PruneFashionMnistTest -Dsurefire.failIfNoSpecifiedTests=false -Disthmus.fullTraining=true
 * </pre>
 */
class PruneFashionMnistTest {
    static final int BATCH = 64;
    static Dataset train;
    static Dataset test;
    static List<float[]> trained;
    static double unpruned;

    @BeforeAll
    static void trainDense() throws IOException {
        // a missing data set fails here, with the package to install in the message
        Dataset rawTrain = FashionMnist.load(FashionMnist.DEFAULT_DIR, true);
        Normalization standardize = Normalization.standardize(rawTrain);
        train = standardize.apply(rawTrain);
        test = standardize.apply(FashionMnist.load(FashionMnist.DEFAULT_DIR, false));
        Sequential model = mlp();
        Trainer.builder(model, new SparseCategoricalCrossEntropy(), new Adam(model.parameters(), 1e-3))
                .epochs(1).batchSize(BATCH).seed(42).build().fit(train);
        trained = model.parameters().stream().map(p -> p.value().clone()).toList();
        unpruned = accuracy(model);
        System.out.printf(Locale.ROOT, "unpruned after 1 epoch: test accuracy %.4f%n", unpruned);
    }

    static Sequential mlp() {
        return Sequential.builder(1, 28, 28).seed(42).dense(256).relu().dense(128).relu().dense(10).build();
    }

    /** A copy of the one-epoch model. */
    static Sequential trainedMlp() {
        Sequential model = mlp();
        List<Parameter> params = model.parameters();
        for (int i = 0; i < params.size(); i++) {
            System.arraycopy(trained.get(i), 0, params.get(i).value(), 0, params.get(i).size());
        }
        return model;
    }

    static double accuracy(Sequential model) {
        return Evaluation.evaluate(model, test, new SparseCategoricalCrossEntropy(), 500).accuracy();
    }

    /** A fine-tuning run's outcome. */
    record Outcome(MagnitudePruning pruning, double accuracy) {}

    /**
     * Fine-tunes a copy of the one-epoch model for this many epochs (Adam 1e-3 from fresh moments,
     * batch 64, shuffle seed 43) while the sparsity ramps from 0 to the target, cubic over the first
     * 70% of the steps, with mask updates every 50 steps; prunes the given layers (all dense layers
     * when none are given).
     */
    static Outcome pruneAndFineTune(double target, Scope scope, int epochs, int... layers) {
        Sequential model = trainedMlp();
        long steps = (long) epochs * ((train.size() + BATCH - 1) / BATCH);
        MagnitudePruning.Builder builder = MagnitudePruning.builder(model)
                .schedule(SparsitySchedule.polynomial(0, target, 0, Math.round(0.7 * steps), 3))
                .scope(scope).every(50);
        if (layers.length > 0) {
            builder.layers(layers);
        }
        MagnitudePruning pruning = builder.build();
        Trainer.builder(model, new SparseCategoricalCrossEntropy(), new Adam(model.parameters(), 1e-3))
                .epochs(epochs).batchSize(BATCH).seed(43).callback(pruning).build().fit(train);
        double accuracy = accuracy(model);
        System.out.printf(Locale.ROOT, "%-9s %.2f  fine-tuning epochs %d  layers %-9s -> sparsity %.4f, test accuracy %.4f"
                        + " (unpruned %.4f)%n", scope, target, epochs, layers.length == 0 ? "all" : Arrays.toString(layers),
                pruning.sparsity(), accuracy, unpruned);
        return new Outcome(pruning, accuracy);
    }

    @Test
    void ninetyPercentGlobalSparsityStaysWithinOneAndAHalfPoints() {
        Outcome pruned = pruneAndFineTune(0.9, Scope.GLOBAL, 1);
        long weights = 784 * 256 + 256 * 128 + 128 * 10;
        assertEquals(Math.round(0.9 * weights) / (double) weights, pruned.pruning().sparsity(), 1e-15);
        // measured with 2 threads: 0.8614 unpruned, 0.8715 pruned (PER_LAYER: 0.8541)
        assertTrue(pruned.accuracy() >= unpruned - 0.015, "pruned " + pruned.accuracy() + ", unpruned " + unpruned);
        // the pruned model had one more epoch than the unpruned one: the same epoch without pruning is the fair control
        double control = pruneAndFineTune(0, Scope.GLOBAL, 1).accuracy();
        assertTrue(pruned.accuracy() >= control - 0.015, "pruned " + pruned.accuracy() + ", dense control " + control);
    }

    @Test
    void sparsitySweep() {
        assumeTrue(Boolean.getBoolean("isthmus.fullTraining"), "full runs need -Disthmus.fullTraining=true");
        pruneAndFineTune(0, Scope.GLOBAL, 1);
        for (double s : new double[] {0.5, 0.7, 0.8, 0.9, 0.95}) {
            for (Scope scope : Scope.values()) {
                pruneAndFineTune(s, scope, 1);
            }
            // the 128 x 10 output layer kept dense
            pruneAndFineTune(s, Scope.GLOBAL, 1, 1, 3);
        }
        pruneAndFineTune(0.95, Scope.GLOBAL, 2);
    }
}
