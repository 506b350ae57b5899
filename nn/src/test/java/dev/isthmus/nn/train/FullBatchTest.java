package dev.isthmus.nn.train;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.optim.Lbfgs;
import dev.isthmus.nn.optim.Sgd;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class FullBatchTest {
    @Test
    void lbfgsOnTheWholeSetBeatsAsManyGradientDescentSteps() {
        Dataset data = TrainerTest.blobs(5000, 3);
        SparseCategoricalCrossEntropy loss = new SparseCategoricalCrossEntropy();

        Sequential a = Sequential.builder(4).seed(2).dense(8).tanh().dense(3).build();
        Lbfgs lbfgs = new Lbfgs(a.parameters());
        double lbfgsLoss = FullBatch.minimize(a, loss, data, lbfgs, 30, 1e-6, 2);

        // full-batch gradient descent: the batch is the whole set, one step per epoch
        Sequential b = Sequential.builder(4).seed(2).dense(8).tanh().dense(3).build();
        History h = Trainer.builder(b, loss, new Sgd(b.parameters(), 0.5)).epochs(lbfgs.evaluations())
                .batchSize(data.size()).threads(2).build().fit(data);
        double gdLoss = h.last("loss");
        assertTrue(lbfgsLoss < gdLoss, "L-BFGS " + lbfgsLoss + " after " + lbfgs.evaluations()
                + " evaluations vs gradient descent " + gdLoss);
        assertTrue(lbfgsLoss < 0.05, "L-BFGS loss " + lbfgsLoss);
    }
}
