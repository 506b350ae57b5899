package dev.isthmus.nn.prune;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.optim.Adam;
import dev.isthmus.nn.optim.Optimizer;
import dev.isthmus.nn.optim.Sgd;
import dev.isthmus.nn.prune.MagnitudePruning.LayerSparsity;
import dev.isthmus.nn.prune.MagnitudePruning.Scope;
import dev.isthmus.nn.train.Callback;
import dev.isthmus.nn.train.History;
import dev.isthmus.nn.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Masks stay zero through fine-tuning: a small model trains a few hundred steps with the pruning
 * callback, and a second callback, registered after it, checks after every step that each masked
 * weight is exactly 0 and that no weight left the masked set while the schedule rose.
 */
class FineTuningMasksTest {
    static final int STEPS_PER_EPOCH = 40;
    static final int EPOCHS = 8;

    /** Four classes in 8-D: class c has mean 2 on features c and c + 4, noise 0.8. */
    static Dataset fourClouds() {
        SplittableRandom rng = new SplittableRandom(21);
        int n = STEPS_PER_EPOCH * 16;
        float[] x = new float[n * 8];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(4);
            y[i] = c;
            for (int j = 0; j < 8; j++) {
                x[i * 8 + j] = (float) ((j % 4 == c ? 2.0 : 0.0) + 0.8 * rng.nextGaussian());
            }
        }
        return new Dataset(x, new int[] {8}, y, 4);
    }

    /** dense 8x32 (layer 0), relu, dense 32x32 (layer 2), relu, dense 32x4 (layer 4): 1408 weights. */
    static Sequential mlp(float l2) {
        return Sequential.builder(8).seed(13).weightPenalty(0, l2).dense(32).relu().dense(32).relu().dense(4).build();
    }

    /** Checks after every step that the masks hold and only grow. */
    static final class MaskWatch implements Callback {
        private final MagnitudePruning pruning;
        private final Sequential model;
        private final int[] layers;
        private boolean[][] previous;
        long checkedSteps;

        MaskWatch(MagnitudePruning pruning, Sequential model) {
            this.pruning = pruning;
            this.model = model;
            this.layers = pruning.layers().stream().mapToInt(LayerSparsity::layer).toArray();
            this.previous = new boolean[layers.length][];
            for (int l = 0; l < layers.length; l++) {
                previous[l] = new boolean[MagnitudePruningTest.weights(model, layers[l]).length];
                Arrays.fill(previous[l], true);
            }
        }

        @Override
        public void onBatchEnd(Trainer trainer, int epoch, long step, int batchSize, double loss) {
            for (int l = 0; l < layers.length; l++) {
                boolean[] kept = pruning.mask(layers[l]);
                float[] w = MagnitudePruningTest.weights(model, layers[l]);
                for (int i = 0; i < w.length; i++) {
                    if (!kept[i] && Float.floatToRawIntBits(w[i]) != 0) {
                        fail("step " + step + ": masked weight " + i + " of layer " + layers[l] + " is " + w[i]);
                    }
                    if (kept[i] && !previous[l][i]) {
                        fail("step " + step + ": weight " + i + " of layer " + layers[l] + " was un-pruned");
                    }
                }
                previous[l] = kept;
            }
            checkedSteps++;
        }
    }

    static void fineTune(String name, Function<Sequential, Optimizer> optimizer, float l2, Scope scope) {
        Sequential model = mlp(l2);
        double target = 0.8;
        // ramps over steps 20..240 of 320, updating masks every 10 steps; the last 80 steps hold the target
        MagnitudePruning pruning = MagnitudePruning.builder(model)
                .schedule(SparsitySchedule.polynomial(0, target, 20, 240, 3))
                .scope(scope).every(10).build();
        MaskWatch watch = new MaskWatch(pruning, model);
        History history = Trainer.builder(model, new SparseCategoricalCrossEntropy(), optimizer.apply(model))
                .epochs(EPOCHS).batchSize(16).seed(4).threads(2)
                .callback(pruning).callback(watch).build()
                .fit(fourClouds());
        String what = scope + " with " + name;
        assertEquals((long) EPOCHS * STEPS_PER_EPOCH, watch.checkedSteps, what);
        long total = 8 * 32 + 32 * 32 + 32 * 4;
        List<LayerSparsity> layers = pruning.layers();
        if (scope == Scope.GLOBAL) {
            assertEquals(Math.round(target * total), layers.stream().mapToLong(LayerSparsity::pruned).sum(), what);
        } else {
            for (LayerSparsity layer : layers) {
                assertEquals(Math.round(target * layer.weights()), layer.pruned(), what + ", layer " + layer.layer());
            }
        }
        assertTrue(history.last("accuracy") > 0.8, what + ": the pruned model still learned, train accuracy "
                + history.last("accuracy"));
    }

    @Test
    void masksStayZeroUnderAdam() {
        for (Scope scope : Scope.values()) {
            fineTune("adam", m -> new Adam(m.parameters(), 1e-2), 0, scope);
        }
    }

    @Test
    void masksStayZeroUnderSgdWithMomentumAndL2() {
        for (Scope scope : Scope.values()) {
            fineTune("sgd with momentum and l2", m -> new Sgd(m.parameters(), 0.05, 0.9, false), 1e-3f, scope);
        }
    }

    @Test
    void aCustomLoopKeepsTheMasksWithApply() {
        Sequential model = mlp(0);
        MagnitudePruning pruning = MagnitudePruning.builder(model).schedule(SparsitySchedule.constant(0.6)).build();
        Trainer trainer = Trainer.builder(model, new SparseCategoricalCrossEntropy(), new Adam(model.parameters(), 1e-2))
                .threads(1).build();
        Dataset data = fourClouds();
        pruning.update(0);
        boolean[] kept = pruning.mask(2);
        float[] w = MagnitudePruningTest.weights(model, 2);
        for (int s = 0; s < 20; s++) {
            trainer.step(data.features(), data.labels(), 16);
            boolean moved = false;
            for (int i = 0; i < w.length; i++) {
                moved |= !kept[i] && w[i] != 0f;
            }
            pruning.apply();
            for (int i = 0; i < w.length; i++) {
                assertTrue(kept[i] || w[i] == 0f, "step " + s + ", weight " + i);
            }
            if (s == 5) {
                // by now Adam's moments move masked weights; apply() is what brings them back
                assertTrue(moved, "Adam moved a masked weight at step " + s);
            }
        }
    }
}
