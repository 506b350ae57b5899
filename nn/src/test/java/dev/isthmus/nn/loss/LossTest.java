package dev.isthmus.nn.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isthmus.nn.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class LossTest {
    private static final double EPS = 1e-6;

    static void assertMessage(Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should name '" + part + "'");
        }
    }

    static Tensor rows(float[][] values) {
        int width = values[0].length;
        float[] data = new float[values.length * width];
        for (int r = 0; r < values.length; r++) {
            System.arraycopy(values[r], 0, data, r * width, width);
        }
        return Tensor.of(data, values.length, width);
    }

    // ---- values worked out by hand

    @Test
    void sparseCrossEntropyByHand() {
        // row 0: equal logits over 3 classes, so -log(1/3) = ln 3 = 1.0986123
        // row 1: logits 1, 2, 3 with label 2: log(e + e^2 + e^3) - 3 = log(1 + e^-1 + e^-2) = 0.4076059
        Tensor out = rows(new float[][] {{0, 0, 0}, {1, 2, 3}});
        int[] y = {0, 2};
        double row0 = Math.log(3);
        double row1 = Math.log(1 + Math.exp(-1) + Math.exp(-2));
        assertEquals(0.4076059, row1, 1e-7);
        assertEquals((row0 + row1) / 2, new SparseCategoricalCrossEntropy().forLabels(out, y, 0, null), EPS);
        // weights 1, 1, 3: (1 * 1.0986123 + 3 * 0.4076059) / 4 = 0.5803575
        SparseCategoricalCrossEntropy weighted = new SparseCategoricalCrossEntropy(new float[] {1, 1, 3});
        assertEquals(0.5803575, weighted.forLabels(out, y, 0, null), EPS);
        assertEquals(4, weighted.normalizer(y, 0, 2));
        // gradient of the weighted mean for row 0: w / sum w * (softmax - onehot) = 1/4 * (1/3 - 1, 1/3, 1/3)
        Tensor grad = Tensor.zeros(2, 3);
        weighted.forLabels(out, y, 0, grad);
        assertArrayEquals(new float[] {-1f / 6, 1f / 12, 1f / 12}, Arrays.copyOf(grad.data(), 3), 1e-6f);
    }

    @Test
    void categoricalEqualsSparseOnOneHotRows() {
        SplittableRandom random = new SplittableRandom(7);
        Tensor out = LossGradientTest.logits(random, 5, 4);
        int[] y = {3, 0, 2, 2, 1};
        float[] w = {0.5f, 2, 1, 4};
        for (float[] weights : new float[][] {null, w}) {
            Tensor sparseGrad = Tensor.zeros(5, 4);
            Tensor labelGrad = Tensor.zeros(5, 4);
            Tensor targetGrad = Tensor.zeros(5, 4);
            double sparse = new SparseCategoricalCrossEntropy(weights).forLabels(out, y, 0, sparseGrad);
            CategoricalCrossEntropy dense = new CategoricalCrossEntropy(weights);
            Tensor oneHot = Tensor.of(Targets.oneHot(y, 0, 5, 4, null), 5, 4);
            assertEquals(sparse, dense.forLabels(out, y, 0, labelGrad), EPS);
            assertEquals(sparse, dense.forTargets(out, oneHot, targetGrad), EPS);
            assertArrayEquals(sparseGrad.data(), labelGrad.data(), 1e-6f);
            assertArrayEquals(sparseGrad.data(), targetGrad.data(), 1e-6f);
            assertEquals(dense.normalizer(y, 0, 5), dense.normalizer(oneHot), 1e-9);
        }
    }

    @Test
    void meanSquaredErrorByHand() {
        // one-hot targets (0, 1) and (1, 0): differences 0.5, -2, 1, 0 -> (0.25 + 4 + 1 + 0) / 4 = 1.3125
        Tensor out = rows(new float[][] {{0.5f, -1}, {2, 0}});
        Tensor grad = Tensor.zeros(2, 2);
        assertEquals(1.3125, new MeanSquaredError().forLabels(out, new int[] {1, 0}, 0, grad), EPS);
        // 2 (x - t) / 4
        assertArrayEquals(new float[] {0.25f, -1, 0.5f, 0}, grad.data(), 1e-7f);
        // one output column: the label is the target, 3 against 2.5 and 1 against 1 -> 0.25 / 2
        Tensor single = rows(new float[][] {{2.5f}, {1}});
        assertEquals(0.125, new MeanSquaredError().forLabels(single, new int[] {3, 1}, 0, null), EPS);
        // regression targets
        assertEquals(0.125, new MeanSquaredError().forTargets(single, rows(new float[][] {{3}, {1}}), null), EPS);
    }

    @Test
    void binaryCrossEntropyByHand() {
        // logit 0 with label 1: -log(1/2) = ln 2; logit 2 with label 0: -log(1 - sigmoid(2)) = log(1 + e^2) = 2.126928
        Tensor out = rows(new float[][] {{0}, {2}});
        Tensor grad = Tensor.zeros(2, 1);
        double expected = (Math.log(2) + Math.log1p(Math.exp(2))) / 2;
        assertEquals(1.4100376, expected, 1e-7);
        assertEquals(expected, new BinaryCrossEntropy().forLabels(out, new int[] {1, 0}, 0, grad), EPS);
        // (sigmoid(x) - t) / 2
        double sigmoid2 = 1 / (1 + Math.exp(-2));
        assertArrayEquals(new float[] {-0.25f, (float) (sigmoid2 / 2)}, grad.data(), 1e-6f);
        // wider outputs: label 1 of 3 columns is the targets (0, 1, 0); all logits 0 give ln 2 each
        Tensor wide = Tensor.zeros(1, 3);
        assertEquals(Math.log(2), new BinaryCrossEntropy().forLabels(wide, new int[] {1}, 0, null), EPS);
    }

    // ---- shards

    /** Splits a batch at the cuts (ascending) and recombines the shards with the normalizers. */
    static void assertShardsCombine(Loss loss, Tensor out, int[] y, Tensor targets, int... cuts) {
        int rows = out.batch();
        int width = out.dim(1);
        Tensor whole = Tensor.zeros(rows, width);
        double expected = targets == null ? loss.forLabels(out, y, 0, whole) : loss.forTargets(out, targets, whole);
        double total = targets == null ? loss.normalizer(y, 0, rows) : loss.normalizer(targets);
        double combined = 0;
        float[] grad = new float[rows * width];
        int[] bounds = new int[cuts.length + 2];
        System.arraycopy(cuts, 0, bounds, 1, cuts.length);
        bounds[bounds.length - 1] = rows;
        for (int s = 0; s + 1 < bounds.length; s++) {
            int[] range = {bounds[s], bounds[s + 1]};
            int n = range[1] - range[0];
            Tensor part = Tensor.of(Arrays.copyOfRange(out.data(), range[0] * width, range[1] * width), n, width);
            Tensor partGrad = Tensor.zeros(n, width);
            double partLoss;
            double norm;
            if (targets == null) {
                // later shards read their labels at an offset into the batch's array
                partLoss = loss.forLabels(part, y, range[0], partGrad);
                norm = loss.normalizer(y, range[0], n);
            } else {
                Tensor partTargets = Tensor.of(
                        Arrays.copyOfRange(targets.data(), range[0] * width, range[1] * width), n, width);
                partLoss = loss.forTargets(part, partTargets, partGrad);
                norm = loss.normalizer(partTargets);
            }
            combined += partLoss * norm / total;
            for (int i = 0; i < n * width; i++) {
                grad[range[0] * width + i] = (float) (partGrad.data()[i] * norm / total);
            }
        }
        assertEquals(expected, combined, 1e-6 * Math.max(1, Math.abs(expected)), loss + ": loss");
        assertArrayEquals(whole.data(), grad, 1e-6f, loss + ": gradient");
    }

    @Test
    void shardsCombineThroughTheNormalizer() {
        SplittableRandom random = new SplittableRandom(11);
        Tensor out = LossGradientTest.logits(random, 7, 4);
        // class 3 is rare and heavy, class 1 weighs nothing: shard sums differ from their row counts
        int[] y = {0, 3, 1, 2, 0, 1, 2};
        float[] w = {1, 0, 0.5f, 6};
        List<Loss> losses = List.of(new MeanSquaredError(), new BinaryCrossEntropy(), new CategoricalCrossEntropy(),
                new CategoricalCrossEntropy(w), new SparseCategoricalCrossEntropy(),
                new SparseCategoricalCrossEntropy(w));
        for (Loss loss : losses) {
            assertShardsCombine(loss, out, y, null, 1);
            assertShardsCombine(loss, out, y, null, 5);
            // the middle shard holds one row of class 1 alone: it weighs 0 when weighted
            assertShardsCombine(loss, out, y, null, 2, 3);
        }
        Tensor soft = LossGradientTest.logits(random, 7, 4);
        for (int i = 0; i < soft.size(); i++) {
            soft.data()[i] = Math.abs(soft.data()[i]) / 12;
        }
        for (Loss loss : List.of(new MeanSquaredError(), new BinaryCrossEntropy(), new CategoricalCrossEntropy(),
                new CategoricalCrossEntropy(w))) {
            assertShardsCombine(loss, out, null, soft, 3);
        }
    }

    @Test
    void rowsThatWeighNothingGiveZero() {
        // also what makes a shard of zero weight add nothing instead of NaN
        Tensor out = rows(new float[][] {{1, 2, 3}, {0, -1, 4}});
        int[] y = {1, 1};
        float[] w = {1, 0, 1};
        for (Loss loss : List.of(new SparseCategoricalCrossEntropy(w), new CategoricalCrossEntropy(w))) {
            Tensor grad = Tensor.of(new float[] {9, 9, 9, 9, 9, 9}, 2, 3);
            assertEquals(0, loss.normalizer(y, 0, 2));
            assertEquals(0, loss.forLabels(out, y, 0, grad));
            assertArrayEquals(new float[6], grad.data());
        }
        for (Loss loss : List.of(new MeanSquaredError(), new BinaryCrossEntropy(), new CategoricalCrossEntropy(),
                new SparseCategoricalCrossEntropy(), new SparseCategoricalCrossEntropy(w))) {
            assertEquals(0, loss.forLabels(Tensor.zeros(0, 3), new int[0], 0, Tensor.zeros(0, 3)), loss.name());
            assertEquals(0, loss.normalizer(new int[0], 0, 0), loss.name());
        }
    }

    @Test
    void nanInTheOutputGivesANanLoss() {
        Tensor out = rows(new float[][] {{0.5f, Float.NaN, 1}, {0, 1, 2}});
        int[] y = {0, 2};
        Tensor targets = rows(new float[][] {{0, 0, 1}, {0, 1, 0}});
        for (Loss loss : List.of(new MeanSquaredError(), new BinaryCrossEntropy(), new CategoricalCrossEntropy(),
                new SparseCategoricalCrossEntropy(), new SparseCategoricalCrossEntropy(new float[] {1, 2, 3}))) {
            assertTrue(Double.isNaN(loss.forLabels(out, y, 0, Tensor.zeros(2, 3))), loss.name());
            if (!(loss instanceof SparseCategoricalCrossEntropy)) {
                assertTrue(Double.isNaN(loss.forTargets(out, targets, null)), loss.name());
            }
        }
    }

    @Test
    void gradientMayOverwriteTheOutput() {
        Tensor out = rows(new float[][] {{1, 2, 3}, {0, -1, 4}});
        Tensor separate = Tensor.zeros(2, 3);
        int[] y = {2, 0};
        for (Supplier<Loss> make : List.<Supplier<Loss>>of(MeanSquaredError::new, BinaryCrossEntropy::new,
                CategoricalCrossEntropy::new, SparseCategoricalCrossEntropy::new)) {
            Tensor inPlace = out.copy();
            double a = make.get().forLabels(out, y, 0, separate);
            double b = make.get().forLabels(inPlace, y, 0, inPlace);
            assertEquals(a, b, EPS);
            assertArrayEquals(separate.data(), inPlace.data(), 1e-7f);
        }
    }

    // ---- names and configuration

    @Test
    void parseNamesEveryLoss() {
        assertInstanceOf(MeanSquaredError.class, Loss.parse("mse"));
        assertInstanceOf(BinaryCrossEntropy.class, Loss.parse("binary_cross_entropy"));
        assertInstanceOf(CategoricalCrossEntropy.class, Loss.parse(" Categorical_Cross_Entropy "));
        assertInstanceOf(SparseCategoricalCrossEntropy.class, Loss.parse("sparse_categorical_cross_entropy"));
        for (String name : Loss.NAMES) {
            assertEquals(name, Loss.parse(name).name());
        }
        assertMessage(() -> Loss.parse("hinge"), "hinge", "mse, binary_cross_entropy, categorical_cross_entropy,"
                + " sparse_categorical_cross_entropy");
        assertMessage(() -> Loss.parse(null), "mse");
    }

    @Test
    void configRecordsClassWeights() {
        assertTrue(new MeanSquaredError().config().isEmpty());
        assertTrue(new SparseCategoricalCrossEntropy().config().isEmpty());
        float[] w = {1, 2};
        SparseCategoricalCrossEntropy loss = new SparseCategoricalCrossEntropy(w);
        w[0] = 5;
        assertArrayEquals(new float[] {1, 2}, (float[]) loss.config().get("class_weights"), "copied in");
        loss.classWeights()[1] = 7;
        assertArrayEquals(new float[] {1, 2}, loss.classWeights(), "copied out");
        assertArrayEquals(new float[] {1, 2}, (float[]) new CategoricalCrossEntropy(new float[] {1, 2}).config()
                .get("class_weights"));
    }

    // ---- errors

    @Test
    void labelsOutsideTheirRangeAreNamed() {
        Tensor out = Tensor.zeros(3, 4);
        for (Loss loss : List.of(new MeanSquaredError(), new BinaryCrossEntropy(), new CategoricalCrossEntropy(),
                new SparseCategoricalCrossEntropy())) {
            assertMessage(() -> loss.forLabels(out, new int[] {0, 4, 1}, 0, null), loss.name(), "label 4", "row 1",
                    "[0, 4)");
            assertMessage(() -> loss.forLabels(out, new int[] {9, 0, 1, -1}, 1, null), "label -1", "row 2", "[0, 4)");
            assertMessage(() -> loss.forLabels(out, new int[] {0, 1}, 0, null), "3 labels", "array of 2");
            assertMessage(() -> loss.forLabels(out, null, 0, null), "labels is null");
            assertMessage(() -> loss.forLabels(out, new int[3], 0, Tensor.zeros(3, 5)), "grad", "[3, 5]", "[3, 4]");
            assertMessage(() -> loss.forLabels(null, new int[3], 0, null), "output is null");
        }
        // one binary output column takes 0 or 1 only; one squared-error column takes any value
        Tensor single = Tensor.zeros(2, 1);
        assertMessage(() -> new BinaryCrossEntropy().forLabels(single, new int[] {1, 2}, 0, null), "label 2", "row 1",
                "0 or 1");
        assertEquals(12.5, new MeanSquaredError().forLabels(single, new int[] {-5, 0}, 0, null), EPS);
    }

    @Test
    void targetsMustMatchTheOutputAndSparseRefusesThem() {
        Tensor out = Tensor.zeros(2, 3);
        for (Loss loss : List.of(new MeanSquaredError(), new BinaryCrossEntropy(), new CategoricalCrossEntropy())) {
            assertMessage(() -> loss.forTargets(out, Tensor.zeros(2, 4), null), loss.name(), "targets", "[2, 4]",
                    "[2, 3]");
            assertMessage(() -> loss.forTargets(out, null, null), "targets is null");
        }
        SparseCategoricalCrossEntropy sparse = new SparseCategoricalCrossEntropy();
        assertMessage(() -> sparse.forTargets(out, Tensor.zeros(2, 3), null), "integer class labels",
                "categorical_cross_entropy");
        assertMessage(() -> sparse.normalizer(Tensor.zeros(2, 3)), "integer class labels");
    }

    @Test
    void classWeightsAreChecked() {
        assertMessage(() -> new SparseCategoricalCrossEntropy(new float[] {1, Float.NaN}), "class 1", "NaN",
                "finite and >= 0");
        assertMessage(() -> new CategoricalCrossEntropy(new float[] {-1, 2}), "class 0", "-1.0");
        assertMessage(() -> new SparseCategoricalCrossEntropy(new float[] {1, Float.POSITIVE_INFINITY}), "Infinity");
        assertMessage(() -> new SparseCategoricalCrossEntropy(new float[] {0, 0}), "all 2 class weights are 0");
        assertMessage(() -> new CategoricalCrossEntropy(new float[0]), "empty");
        Tensor out = Tensor.zeros(2, 3);
        for (Loss loss : List.of(new SparseCategoricalCrossEntropy(new float[] {1, 2}),
                new CategoricalCrossEntropy(new float[] {1, 2}))) {
            assertMessage(() -> loss.forLabels(out, new int[] {0, 1}, 0, null), "2 class weights",
                    "output of width 3");
            assertMessage(() -> loss.normalizer(new int[] {0, 2}, 0, 2), "label 2", "row 1", "[0, 2)");
        }
        assertMessage(() -> new CategoricalCrossEntropy(new float[] {1, 2}).forTargets(out, Tensor.zeros(2, 3), null),
                "2 class weights", "width 3");
    }
}
