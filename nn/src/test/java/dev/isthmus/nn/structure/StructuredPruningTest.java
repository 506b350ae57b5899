package dev.isthmus.nn.structure;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Init;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Tensor;
import dev.isthmus.nn.layer.BatchNorm;
import dev.isthmus.nn.layer.Conv2d;
import dev.isthmus.nn.layer.Dense;
import dev.isthmus.nn.structure.StructuredPruning.Criterion;
import dev.isthmus.nn.structure.StructuredPruning.LayerChange;
import dev.isthmus.nn.structure.StructuredPruning.Result;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static dev.isthmus.nn.structure.Models.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StructuredPruningTest {

    private static Sequential mlp() {
        return Sequential.builder(784).seed(3).dense(256).relu().dense(128).relu().dense(10).build();
    }

    /** The cli's cnn preset at small sizes; layers: 0 conv, 1 bn, 2 relu, 3 pool, 4 conv, 5 bn, 6 relu, 7 pool, 8 flatten, 9 dense, 10 relu, 11 dropout, 12 dense. */
    private static Sequential cnn(int c1, int c2, int hidden) {
        return Sequential.builder(1, 12, 12).seed(5).backend(Backend.VECTOR).init(Init.XAVIER_UNIFORM)
                .weightPenalty(1e-4f, 2e-4f)
                .conv2d(c1, 3, 1, 1).batchNorm(0.2f, 1e-3f).relu().maxPool2d(2)
                .conv2d(c2, 3, 1, 1).batchNorm().leakyRelu(0.1f).maxPool2d(2)
                .dense(hidden).relu().dropout(0.25f)
                .dense(10).build();
    }

    @Test
    void halvingTheMlpGivesTheSmallerArchitectureAndItsParameterCount() {
        Sequential model = mlp();
        Result r = StructuredPruning.prune(model, 0.5, Criterion.WEIGHT_NORM);
        long expected = (784L * 128 + 128) + (128L * 64 + 64) + (64L * 10 + 10);
        assertEquals(expected, r.model().parameterCount());
        assertEquals(expected, r.parametersAfter());
        assertEquals((784L * 256 + 256) + (256L * 128 + 128) + (128L * 10 + 10), r.parametersBefore());
        assertEquals(r.parametersBefore(), model.parameterCount());
        assertEquals(List.of("784x128", "128x64", "64x10"), denseSizes(r.model()));
        assertEquals(List.of("784x256", "256x128", "128x10"), denseSizes(model), "the original keeps its sizes");
        assertEquals(2, r.changes().size());
        LayerChange first = r.changes().get(0);
        assertEquals(0, first.layer());
        assertEquals("dense", first.kind());
        assertEquals(256, first.before());
        assertEquals(128, first.after());
        assertEquals(128, first.kept().length);
        assertTrue(IntStream.range(1, first.kept().length).allMatch(i -> first.kept()[i] > first.kept()[i - 1]),
                "kept units ascend");
        assertEquals(2, r.changes().get(1).layer());
        assertEquals(64, r.changes().get(1).after());
        String summary = r.model().summary();
        assertTrue(summary.contains("(64)") && summary.contains(String.format("%,d", expected)), summary);
    }

    @Test
    void prunedCnnHasTheExpectedChannelsParameterCountAndSettings() {
        Sequential model = cnn(8, 16, 32);
        Models.randomize(model, 11);
        Result r = StructuredPruning.prune(model, 0.5, Criterion.WEIGHT_NORM);
        Sequential pruned = r.model();
        assertEquals(List.of(0, 4, 9), r.changes().stream().map(LayerChange::layer).toList());
        assertEquals(4, pruned.layers().get(0).outputShape().dim(0));
        assertEquals(8, pruned.layers().get(4).outputShape().dim(0));
        assertEquals(16, pruned.layers().get(9).outputShape().dim(0));
        assertEquals("(8, 3, 3)", pruned.layers().get(7).outputShape().toString());
        long expected = (4 * 9 + 4) + 2 * 4 + (8 * 4 * 9 + 8) + 2 * 8 + (72 * 16 + 16) + (16 * 10 + 10);
        assertEquals(expected, pruned.parameterCount());
        assertEquals(cnn(4, 8, 16).parameterCount(), pruned.parameterCount(), "the architecture built directly");
        assertEquals(model.parameterCount(), r.parametersBefore());
        assertTrue(pruned.summary().contains("total: " + String.format("%,d", expected)));

        // every setting but the changed sizes survives, and nothing is shared with the original
        for (int i = 0; i < model.layers().size(); i++) {
            Layer before = model.layers().get(i);
            Layer after = pruned.layers().get(i);
            assertEquals(before.kind(), after.kind());
            assertNotSame(before, after);
            Map<String, Object> a = new HashMap<>(before.config());
            Map<String, Object> b = new HashMap<>(after.config());
            for (String size : List.of("in_features", "out_features", "out_channels")) {
                a.remove(size);
                b.remove(size);
            }
            assertEquals(a, b, "layer " + i + " settings");
        }
        assertEquals(Backend.VECTOR, ((Conv2d) pruned.layers().get(4)).backend());
        assertEquals(Backend.VECTOR, ((Dense) pruned.layers().get(12)).backend());
        assertEquals(2e-4f, ((Dense) pruned.layers().get(9)).weight().l2());

        // the dense layer after flatten keeps rows c * 9 + s of the kept channels c
        int[] kept = r.changes().get(1).kept();
        int[] keptHidden = r.changes().get(2).kept();
        float[] w = ((Dense) model.layers().get(9)).weight().value();
        float[] pw = ((Dense) pruned.layers().get(9)).weight().value();
        for (int c = 0; c < kept.length; c++) {
            for (int s = 0; s < 9; s++) {
                for (int u = 0; u < keptHidden.length; u++) {
                    assertEquals(w[(kept[c] * 9 + s) * 32 + keptHidden[u]], pw[(c * 9 + s) * 16 + u]);
                }
            }
        }
        // the batch norm keeps the kept channels' statistics
        BatchNorm bn = (BatchNorm) model.layers().get(5);
        BatchNorm pbn = (BatchNorm) pruned.layers().get(5);
        for (int c = 0; c < kept.length; c++) {
            assertEquals(bn.runningVar().value()[kept[c]], pbn.runningVar().value()[c]);
            assertEquals(bn.gamma().value()[kept[c]], pbn.gamma().value()[c]);
        }
    }

    @Test
    void removingDeadDenseUnitsKeepsThePredictions() {
        Sequential model = Sequential.builder(20).seed(7).dense(16).relu().dense(12).relu().dense(5).build();
        Models.randomize(model, 1);
        int[] dead0 = {1, 4, 7, 9, 10, 13, 14, 15};
        int[] dead2 = {0, 3, 5, 11};
        killDense((Dense) model.layers().get(0), dead0);
        killDense((Dense) model.layers().get(2), dead2);
        Result r = StructuredPruning.prune(model, Map.of(0, 8, 2, 8), Criterion.WEIGHT_NORM);
        assertArrayEquals(complement(16, dead0), r.changes().get(0).kept());
        assertArrayEquals(complement(12, dead2), r.changes().get(1).kept());
        Tensor x = Models.input(model, 17, 3);
        Models.assertSamePredictions(model, r.model(), x, 1e-5);
    }

    @Test
    void removingDeadConvChannelsKeepsThePredictions() {
        // no batch norm between the convolutions and their ReLUs, so a zeroed filter gives a zero channel
        Sequential model = Sequential.builder(2, 10, 10).seed(9)
                .conv2d(6, 3, 1, 1).relu().maxPool2d(2)
                .conv2d(5, 3, 1, 0).relu()
                .dense(8).relu().dense(3).build();
        Models.randomize(model, 2);
        int[] dead0 = {0, 2, 5};
        int[] dead3 = {1, 4};
        killConv((Conv2d) model.layers().get(0), dead0);
        killConv((Conv2d) model.layers().get(3), dead3);
        Result r = StructuredPruning.prune(model, Map.of(0, 3, 3, 3), Criterion.WEIGHT_NORM);
        assertArrayEquals(complement(6, dead0), r.changes().get(0).kept());
        assertArrayEquals(complement(5, dead3), r.changes().get(1).kept());
        assertEquals("(3, 3, 3)", r.model().layers().get(4).outputShape().toString());
        Models.assertSamePredictions(model, r.model(), Models.input(model, 9, 4), 1e-5);
    }

    @Test
    void batchNormScaleRemovesTheSmallestAbsoluteGammas() {
        Sequential model = cnn(8, 6, 12);
        Models.randomize(model, 5);
        float[] gamma = ((BatchNorm) model.layers().get(1)).gamma().value();
        float[] beta = ((BatchNorm) model.layers().get(1)).beta().value();
        // three silenced channels (gamma = beta = 0 gives a zero output after the ReLU)
        int[] dead = {2, 3, 6};
        for (int c : dead) {
            gamma[c] = 0f;
            beta[c] = 0f;
        }
        gamma[0] = -0.9f; // a large negative scale ranks by its magnitude
        Result r = StructuredPruning.prune(model, Map.of(0, 5), Criterion.BATCHNORM_SCALE);
        assertArrayEquals(complement(8, dead), r.changes().get(0).kept());
        Models.assertSamePredictions(model, r.model(), Models.input(model, 6, 8), 1e-5);

        // against a plain reference ranking: sort by |gamma| descending, ties by index
        float[] g2 = ((BatchNorm) model.layers().get(5)).gamma().value();
        Integer[] order = IntStream.range(0, g2.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, (a, b) -> Math.abs(g2[a]) != Math.abs(g2[b])
                ? Float.compare(Math.abs(g2[b]), Math.abs(g2[a])) : Integer.compare(a, b));
        int[] expected = Arrays.stream(order).limit(4).mapToInt(Integer::intValue).sorted().toArray();
        assertArrayEquals(expected, StructuredPruning.prune(model, Map.of(4, 4), Criterion.BATCHNORM_SCALE)
                .changes().get(0).kept());
    }

    @Test
    void equalScoresKeepTheLowerIndexes() {
        Sequential model = Sequential.builder(6).init(Init.constant(0.25f)).dense(10).relu().dense(2).build();
        Result r = StructuredPruning.prune(model, 0.3, Criterion.WEIGHT_NORM);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6}, r.changes().get(0).kept());
    }

    @Test
    void thePrunedModelTrainsAndTheOriginalStaysAsItWas() {
        Sequential model = cnn(8, 8, 16);
        Models.randomize(model, 3);
        List<float[]> original = Models.snapshot(model);
        Result r = StructuredPruning.prune(model, Map.of(0, 4, 4, 4, 9, 8), Criterion.WEIGHT_NORM);
        Models.assertValues(original, model);
        double[] loss = Models.train(r.model(), 15, 0.05, 21);
        assertTrue(loss[1] < loss[0], "loss " + loss[0] + " -> " + loss[1]);
        Models.assertValues(original, model);
    }

    @Test
    void theSameInputGivesTheSameModel() {
        Sequential model = cnn(8, 8, 16);
        Models.randomize(model, 4);
        Result a = StructuredPruning.prune(model, 0.4, Criterion.WEIGHT_NORM);
        Result b = StructuredPruning.prune(model, 0.4, Criterion.WEIGHT_NORM);
        Models.assertValues(Models.snapshot(a.model()), b.model());
    }

    @Test
    void fractionZeroCopiesEveryUnit() {
        Sequential model = mlp();
        Result r = StructuredPruning.prune(model, 0.0, Criterion.WEIGHT_NORM);
        Models.assertValues(Models.snapshot(model), r.model());
        assertEquals(r.parametersBefore(), r.parametersAfter());
        assertNotSame(model.parameters().get(0).value(), r.model().parameters().get(0).value());
    }

    @Test
    void badRequestsAreRefusedWithMessages() {
        Sequential model = Sequential.builder(8).dense(6).relu().dense(4).relu().dense(3).build();
        Criterion w = Criterion.WEIGHT_NORM;
        assertRejected(() -> StructuredPruning.prune(model, Double.NaN, w), "NaN", "[0, 1)");
        assertRejected(() -> StructuredPruning.prune(model, -0.1, w), "-0.1", "[0, 1)");
        assertRejected(() -> StructuredPruning.prune(model, 1.0, w), "1.0", "[0, 1)");
        assertRejected(() -> StructuredPruning.prune(null, 0.5, w), "model is null");
        assertRejected(() -> StructuredPruning.prune(model, 0.5, null), "criterion is null");
        assertRejected(() -> StructuredPruning.prune(model, Map.of(), w), "no layer");
        assertRejected(() -> StructuredPruning.prune(model, Map.of(9, 2), w), "layer 9 does not exist", "0 to 4");
        assertRejected(() -> StructuredPruning.prune(model, Map.of(1, 2), w), "layer 1 (relu)", "only dense and conv2d");
        assertRejected(() -> StructuredPruning.prune(model, Map.of(4, 2), w), "layer 4 (dense)", "model's outputs");
        assertRejected(() -> StructuredPruning.prune(model, Map.of(0, 0), w), "layer 0 (dense)", "keeping 0", "1 to its 6");
        assertRejected(() -> StructuredPruning.prune(model, Map.of(2, 5), w), "layer 2 (dense)", "keeping 5", "1 to its 4");
        Map<Integer, Integer> withNull = new LinkedHashMap<>();
        withNull.put(0, null);
        assertRejected(() -> StructuredPruning.prune(model, withNull, w), "must not be null");
        assertRejected(() -> StructuredPruning.prune(model, Map.of(0, 3), Criterion.BATCHNORM_SCALE),
                "layer 0 (dense)", "batch_norm");

        assertRejected(() -> StructuredPruning.prune(cnn(4, 4, 4), 0.5, Criterion.BATCHNORM_SCALE),
                "layer 9 (dense)", "batch_norm");

        Sequential narrow = Sequential.builder(4).dense(1).relu().dense(2).build();
        assertRejected(() -> StructuredPruning.prune(narrow, 0.5, w), "layer 0 (dense)", "leaves none");
        Sequential single = Sequential.builder(4).dense(2).build();
        assertRejected(() -> StructuredPruning.prune(single, 0.5, w), "no prunable layer");
        Sequential softmaxBetween = Sequential.builder(4).dense(3).softmax().dense(2).build();
        assertRejected(() -> StructuredPruning.prune(softmaxBetween, Map.of(0, 2), w), "layer 0 (dense)",
                "layer 1 (softmax)");

        Sequential nan = Sequential.builder(4).dense(3).relu().dense(2).build();
        ((Dense) nan.layers().get(0)).weight().value()[1] = Float.NaN;
        assertRejected(() -> StructuredPruning.prune(nan, 0.4, w), "layer 0 (dense) unit 1", "NaN");
    }

    private static List<String> denseSizes(Sequential model) {
        return model.layers().stream().filter(l -> l instanceof Dense)
                .map(l -> l.inputShape().dim(0) + "x" + l.outputShape().dim(0)).toList();
    }

    /** Zeroes the units' weight columns and biases: after a ReLU they output exactly zero. */
    private static void killDense(Dense d, int[] units) {
        float[] w = d.weight().value();
        int out = d.outputShape().dim(0);
        for (int u : units) {
            for (int r = 0; r < d.inputShape().dim(0); r++) {
                w[r * out + u] = 0f;
            }
            d.bias().value()[u] = 0f;
        }
    }

    /** Zeroes the channels' filters and biases. */
    private static void killConv(Conv2d c, int[] channels) {
        float[] w = c.weight().value();
        int filter = w.length / c.outputShape().dim(0);
        for (int u : channels) {
            Arrays.fill(w, u * filter, (u + 1) * filter, 0f);
            c.bias().value()[u] = 0f;
        }
    }

    /** The indexes 0..n-1 not in {@code removed}, ascending. */
    private static int[] complement(int n, int[] removed) {
        return IntStream.range(0, n).filter(i -> Arrays.stream(removed).noneMatch(d -> d == i)).toArray();
    }
}
