package dev.isthmus.nn.train;

import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.optim.Adam;
import dev.isthmus.nn.optim.BatchSizeSchedule;
import dev.isthmus.nn.optim.Sgd;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    /** Three Gaussian blobs in 4-D, centers far enough apart for ~100% accuracy. */
    static Dataset blobs(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n * 4];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextInt(3);
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (float) ((j == y[i] ? 3.0 : 0.0) + rng.nextGaussian() * 0.7);
            }
        }
        return new Dataset(x, new int[] {4}, y, 3);
    }

    static Sequential model(long seed) {
        return Sequential.builder(4).seed(seed).dense(16).relu().dropout(0.2f).dense(3).build();
    }

    static Trainer trainer(Sequential m, int threads, int epochs) {
        return Trainer.builder(m, new SparseCategoricalCrossEntropy(), new Adam(m.parameters(), 1e-2))
                .epochs(epochs).batchSize(32).seed(5).threads(threads).build();
    }

    static List<float[]> values(Sequential m) {
        List<float[]> v = new ArrayList<>();
        for (Parameter p : m.parameters()) {
            v.add(p.value().clone());
        }
        return v;
    }

    @Test
    void learnsSeparableBlobs() {
        Sequential m = model(1);
        History h = trainer(m, 2, 15).fit(blobs(600, 2));
        assertEquals(15, h.epochs());
        assertTrue(h.last("accuracy") > 0.95, "train accuracy " + h.last("accuracy"));
        assertTrue(h.metric("loss")[14] < h.metric("loss")[0], "loss fell");
    }

    @Test
    void sameSeedAndThreadsGiveBitIdenticalWeights() {
        for (int threads : new int[] {1, 2, 3}) {
            Sequential a = model(3);
            Sequential b = model(3);
            trainer(a, threads, 3).fit(blobs(300, 4));
            trainer(b, threads, 3).fit(blobs(300, 4));
            List<float[]> va = values(a);
            List<float[]> vb = values(b);
            for (int i = 0; i < va.size(); i++) {
                assertArrayEquals(va.get(i), vb.get(i), "parameter " + i + " with " + threads + " threads");
            }
        }
    }

    @Test
    void splittingTheBatchGivesTheSameGradientUpToRounding() {
        // dropout masks depend on the global row, not on the split, so 1 and 3 shards compute the same math
        Dataset data = blobs(96, 6);
        Sequential one = model(8);
        Sequential three = model(8);
        Trainer t1 = Trainer.builder(one, new SparseCategoricalCrossEntropy(), new Sgd(one.parameters(), 0.0))
                .threads(1).build();
        Trainer t3 = Trainer.builder(three, new SparseCategoricalCrossEntropy(), new Sgd(three.parameters(), 0.0))
                .threads(3).build();
        double l1 = t1.step(data.features(), data.labels(), 96);
        double l3 = t3.step(data.features(), data.labels(), 96);
        assertEquals(l1, l3, 1e-5 * Math.abs(l1));
        for (int i = 0; i < one.parameters().size(); i++) {
            float[] g1 = one.parameters().get(i).grad();
            float[] g3 = three.parameters().get(i).grad();
            for (int j = 0; j < g1.length; j++) {
                assertEquals(g1[j], g3[j], 1e-5 + 1e-4 * Math.abs(g1[j]), "parameter " + i + " gradient " + j);
            }
        }
    }

    @Test
    void nanLossStopsNamingEpochAndStep() {
        Sequential m = model(1);
        Trainer t = Trainer.builder(m, new SparseCategoricalCrossEntropy(), new Sgd(m.parameters(), 1e30))
                .epochs(3).batchSize(16).build();
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> t.fit(blobs(200, 1)));
        assertTrue(e.getMessage().contains("epoch " + (e.epoch() + 1)) && e.getMessage().contains("step " + e.step()),
                e.getMessage());
    }

    @Test
    void badDataIsRejectedWithNamedValues() {
        Sequential m = model(1);
        Trainer t = trainer(m, 1, 1);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> t.fit(new Dataset(new float[10], new int[] {5}, new int[] {0, 1}, 3)));
        assertTrue(shape.getMessage().contains("[5]") && shape.getMessage().contains("(4)"), shape.getMessage());
        IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
                () -> t.fit(new Dataset(new float[8], new int[] {4}, new int[] {0, 7}, 8)));
        assertTrue(label.getMessage().contains("label 7"), label.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> t.fit(new Dataset(new float[0], new int[] {4}, new int[0], 3)));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.step(new float[7], new int[2], 2));
    }

    @Test
    void validationMetricsAndScheduledBatchSizesAreRecorded() {
        Sequential m = model(1);
        History h = Trainer.builder(m, new SparseCategoricalCrossEntropy(), new Adam(m.parameters(), 1e-2))
                .epochs(6).batchSizeSchedule(new BatchSizeSchedule.Grow(8, 2, 2, 64)).validationSplit(0.2).seed(3)
                .build().fit(blobs(300, 9));
        assertArrayEquals(new double[] {8, 8, 16, 16, 32, 32}, h.metric("batch_size"));
        assertTrue(h.names().containsAll(List.of("loss", "accuracy", "val_loss", "val_accuracy", "val_f1_macro", "lr")));
        assertTrue(h.last("val_accuracy") > 0.9, "validation accuracy " + h.last("val_accuracy"));
    }

    @Test
    void validationSplitHoldsOutTheAskedFraction() {
        Sequential m = model(1);
        int[] seen = new int[1];
        Callback counter = new Callback() {
            @Override
            public void onBatchEnd(Trainer trainer, int epoch, long step, int batchSize, double loss) {
                seen[0] += batchSize;
            }
        };
        Trainer.builder(m, new SparseCategoricalCrossEntropy(), new Adam(m.parameters(), 1e-2))
                .epochs(1).batchSize(10).validationSplit(0.2).callback(counter).build().fit(blobs(300, 9));
        assertEquals(240, seen[0], "80% of 300 examples train");
    }

    @Test
    void earlyStoppingStopsAndRestoresTheBestWeights() {
        Sequential m = model(1);
        EarlyStopping stopper = new EarlyStopping("val_loss", 2, 0.0, true);
        List<float[]> best = new ArrayList<>();
        Callback recorder = new Callback() {
            @Override
            public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> metrics) {
                if (epoch == stopper.bestEpoch()) {
                    best.clear();
                    best.addAll(values(trainer.model()));
                }
            }
        };
        // a learning rate this high makes the validation loss bounce, so patience runs out
        History h = Trainer.builder(m, new SparseCategoricalCrossEntropy(), new Sgd(m.parameters(), 3.0))
                .epochs(40).batchSize(8).validationSplit(0.3).seed(2)
                .callback(stopper).callback(recorder).build().fit(blobs(200, 3));
        assertTrue(h.epochs() < 40, "stopped early, ran " + h.epochs());
        assertFalse(h.stopReason().isEmpty());
        List<float[]> now = values(m);
        for (int i = 0; i < now.size(); i++) {
            assertArrayEquals(best.get(i), now.get(i), "restored parameter " + i);
        }
    }
}
