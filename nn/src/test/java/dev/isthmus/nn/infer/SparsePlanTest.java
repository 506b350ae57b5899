package dev.isthmus.nn.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isthmus.kernels.SparseGemm;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Tensor;
import dev.isthmus.nn.io.ModelFormatException;
import dev.isthmus.nn.io.TensorFile;
import dev.isthmus.nn.layer.Dense;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dense layers with pruned weights compile to sparse steps where measured faster, and give the model's answers. */
class SparsePlanTest {
    private static final PlanOptions NEVER = PlanOptions.DEFAULT.withSparse(PlanOptions.Sparse.NEVER);
    private static final PlanOptions ALWAYS = PlanOptions.DEFAULT.withSparse(PlanOptions.Sparse.ALWAYS);
    /** Batches through both sparse kernels and, from SPARSE_BELOW_ROWS, the dense twin. */
    private static final int[] BATCHES = {1, 2, SparseGemm.LANES_FROM_ROWS, 17, PlanOptions.SPARSE_BELOW_ROWS,
        PlanOptions.SPARSE_BELOW_ROWS + 3};

    @TempDir
    Path dir;

    /**
     * Zeroes {@code fraction} of every dense layer's weights (rounded up), chosen at random, as
     * unstructured pruning does.
     */
    static Sequential prune(Sequential m, double fraction, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (var layer : m.layers()) {
            if (layer instanceof Dense d) {
                float[] w = d.weight().value();
                int[] order = new int[w.length];
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                int zeros = (int) Math.ceil(fraction * w.length);
                // the first `zeros` entries of a partial Fisher-Yates shuffle
                for (int i = 0; i < zeros; i++) {
                    int j = i + r.nextInt(order.length - i);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                    w[order[i]] = 0f;
                }
            }
        }
        return m;
    }

    static long sparseSteps(InferencePlan plan) {
        return plan.steps().stream().filter(s -> s instanceof SparseMatmulStep).count();
    }

    static void assertMatches(Sequential m, InferencePlan plan, InferencePlan dense, String what) {
        int size = plan.inputShape().size();
        for (int batch : BATCHES) {
            float[] x = InferencePlanTest.inputs(batch, size, batch);
            float[] y = plan.predict(x);
            int[] dims = new int[plan.inputShape().rank() + 1];
            dims[0] = batch;
            System.arraycopy(plan.inputShape().dims(), 0, dims, 1, dims.length - 1);
            InferencePlanTest.assertClose(m.predict(Tensor.of(x, dims)).data(), y, what + ": model, batch " + batch);
            InferencePlanTest.assertClose(dense.predict(x), y, what + ": Sparse.NEVER plan, batch " + batch);
        }
    }

    @Test
    void ninetyPercentZerosCompileToSparseStepsUnderAutoAndGiveTheModelsAnswers() {
        Sequential m = prune(InferencePlanTest.mlp(), 0.9, 1);
        InferencePlan plan = m.compile();
        InferencePlan dense = m.compile(NEVER);
        assertEquals(0, sparseSteps(dense));
        if (PlanOptions.AUTO_SPARSE_FROM_ZEROS <= 0.9) {
            assertEquals(3, sparseSteps(plan), plan.describe());
        } else {
            assertEquals(0, sparseSteps(plan), "the measurement says sparse never wins at 90%: " + plan.describe());
        }
        assertMatches(m, plan, dense, "AUTO");
        // the sparse step's flops count the nonzeros only
        assertTrue(plan.flops() < 0.15 * dense.flops() || sparseSteps(plan) == 0, plan.flops() + " vs " + dense.flops());
    }

    @Test
    void alwaysForcesItOnDenseLayersButNeverOnConvolutions() {
        Sequential cnn = InferencePlanTest.cnn();
        InferencePlan plan = cnn.compile(ALWAYS);
        for (Step s : plan.steps()) {
            if (s instanceof MatmulStep mm) {
                assertTrue(mm.conv() != null, "a dense layer was left dense under ALWAYS: " + s.describe());
            }
        }
        assertEquals(2, sparseSteps(plan), plan.describe());
        // the first dense layer reads the flattened channels-last image: its rows were permuted
        assertMatches(cnn, plan, cnn.compile(NEVER), "cnn ALWAYS");
        Sequential mlp = InferencePlanTest.mlp();
        assertMatches(mlp, mlp.compile(ALWAYS), mlp.compile(NEVER), "unpruned mlp ALWAYS");
    }

    /** Weights beyond L2 stream from memory in the dense product, so AUTO takes the sparse kernel from fewer zeros. */
    @Test
    void autoTakesLargeLayersSparseFromFewerZeros() {
        Sequential m = prune(Sequential.builder(1024).seed(4).dense(1024).relu().dense(10).build(),
                (PlanOptions.AUTO_SPARSE_FROM_ZEROS + PlanOptions.AUTO_SPARSE_FROM_ZEROS_BEYOND_L2) / 2, 5);
        InferencePlan plan = m.compile();
        assertInstanceOf(SparseMatmulStep.class, plan.steps().get(0), plan.describe());
        assertInstanceOf(MatmulStep.class, plan.steps().get(1), plan.describe());
        assertMatches(m, plan, m.compile(NEVER), "1024-1024-10");
    }

    @Test
    void autoLeavesDenseAndHalfPrunedModelsDense() {
        assertEquals(0, sparseSteps(InferencePlanTest.mlp().compile()));
        assertEquals(0, sparseSteps(InferencePlanTest.cnn().compile()));
        assertEquals(0, sparseSteps(prune(InferencePlanTest.mlp(), 0.5, 2).compile()));
    }

    /** From SPARSE_BELOW_ROWS the sparse step runs its dense twin: the same bits as the dense plan. */
    @Test
    void largeBatchesRunTheDenseTwinBitForBit() {
        Sequential m = prune(InferencePlanTest.mlp(), 0.9, 3);
        int batch = PlanOptions.SPARSE_BELOW_ROWS;
        InferencePlan plan = m.compile(ALWAYS.withChunkSamples(batch));
        InferencePlan dense = m.compile(NEVER.withChunkSamples(batch));
        float[] x = InferencePlanTest.inputs(batch, 784, 4);
        assertArrayEquals(PlanFileTest.bits(dense.predict(x)), PlanFileTest.bits(plan.predict(x)));
    }

    @Test
    void describeNamesTheSparseKernelAndTheDensity() {
        InferencePlan plan = prune(InferencePlanTest.mlp(), 0.9, 1).compile(ALWAYS);
        String first = plan.steps().get(0).describe();
        assertTrue(first.startsWith("dense 784 -> 256 + bias + relu fused; sparse Vector API kernel on "), first);
        SparseMatmulStep s = (SparseMatmulStep) plan.steps().get(0);
        long nonzeros = s.flops() / 2;
        assertTrue(Math.abs(nonzeros - 0.1 * 784 * 256) < 0.01 * 784 * 256, first);
        assertTrue(first.contains(String.format(java.util.Locale.ROOT, "of 200704 weights (density %.1f%%",
                100.0 * nonzeros / 200704)), first);
        assertTrue(first.contains("dense twin from " + PlanOptions.SPARSE_BELOW_ROWS + " rows"), first);
        assertEquals(8 * nonzeros + 4 * 257 + 4 * 256, s.weightBytes());
    }

    @Test
    void savedAndLoadedSparsePlanPredictsBitForBit() throws IOException {
        Sequential m = prune(InferencePlanTest.mlp(), 0.9, 5);
        // a layer pruned entirely: its step stores empty tensors
        Dense last = (Dense) m.layers().get(m.layers().size() - 1);
        java.util.Arrays.fill(last.weight().value(), 0f);
        for (PlanOptions o : List.of(PlanOptions.DEFAULT, ALWAYS.withChunkSamples(5))) {
            InferencePlan plan = m.compile(o);
            Path file = dir.resolve("sparse-" + o.sparse() + ".plan");
            plan.save(file);
            InferencePlan loaded = InferencePlan.load(file);
            assertEquals(o, loaded.options());
            assertEquals(plan.describe(), loaded.describe());
            PlanFileTest.assertSameSteps(plan, loaded, o.toString());
            for (int batch : new int[] {1, 3, 9, 40, PlanOptions.SPARSE_BELOW_ROWS + 1}) {
                float[] x = InferencePlanTest.inputs(batch, 784, batch + 10);
                assertArrayEquals(PlanFileTest.bits(plan.predict(x)), PlanFileTest.bits(loaded.predict(x)),
                        o + ", batch " + batch);
            }
            Path again = dir.resolve("sparse-" + o.sparse() + ".again.plan");
            loaded.save(again);
            assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(again), "saved again");
        }
    }

    /** Indices read from a file are checked: one out of range is a format error naming it, not a wrong answer. */
    @Test
    void aCorruptIndexIsAFormatError() throws IOException {
        InferencePlan plan = prune(InferencePlanTest.mlp(), 0.9, 6).compile(ALWAYS);
        Path file = dir.resolve("good.plan");
        plan.save(file);
        TensorFile.Contents c = TensorFile.read(file, PlanFile.FORMAT, PlanFile.VERSION);
        Map<String, int[]> ints = new HashMap<>(c.ints());
        int[] rows = ints.get("steps.0.row_indices").clone();
        rows[0] = 784;
        ints.put("steps.0.row_indices", rows);
        Path bad = dir.resolve("bad.plan");
        TensorFile.write(bad, PlanFile.FORMAT, PlanFile.VERSION, c.metadata(), c.tensors(), c.bytes(), ints);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> InferencePlan.load(bad));
        assertTrue(e.getMessage().contains("step 0 (sparse_dense)") && e.getMessage().contains("row index 784 at 0"),
                e.getMessage());
        ints.put("steps.0.row_indices", new int[3]);
        TensorFile.write(bad, PlanFile.FORMAT, PlanFile.VERSION, c.metadata(), c.tensors(), c.bytes(), ints);
        e = assertThrows(ModelFormatException.class, () -> InferencePlan.load(bad));
        assertTrue(e.getMessage().contains("steps.0.row_indices has 3 values"), e.getMessage());
    }

    /** Quantizing treats a sparse product as its dense twin: the same int8 plan as from the dense plan. */
    @Test
    void quantizingASparsePlanQuantizesItsDenseTwin() {
        Sequential m = prune(InferencePlanTest.mlp(), 0.9, 7);
        InferencePlan sparse = m.compile(ALWAYS);
        InferencePlan dense = m.compile(NEVER);
        float[] calibration = InferencePlanTest.inputs(64, 784, 8);
        for (QuantizeOptions q : List.of(QuantizeOptions.DEFAULT, QuantizeOptions.dynamic())) {
            InferencePlan a = sparse.quantize(calibration, 64, q).plan();
            InferencePlan b = dense.quantize(calibration, 64, q).plan();
            assertEquals(b.describe(), a.describe());
            assertFalse(a.steps().stream().anyMatch(s -> s instanceof SparseMatmulStep));
            for (int batch : new int[] {1, 2, 9}) {
                float[] x = InferencePlanTest.inputs(batch, 784, batch);
                assertArrayEquals(PlanFileTest.bits(b.predict(x)), PlanFileTest.bits(a.predict(x)), q + " batch " + batch);
            }
        }
    }

    @Test
    void batchOnePredictAllocatesNothing() {
        InferencePlan plan = prune(InferencePlanTest.mlp(), 0.9, 9).compile(ALWAYS);
        float[] x = InferencePlanTest.inputs(SparseGemm.LANES_FROM_ROWS, 784, 1);
        float[] y = new float[10 * SparseGemm.LANES_FROM_ROWS];
        StringBuilder seen = new StringBuilder();
        int zeros = 0;
        for (int round = 0; round < 60 && zeros < 3; round++) {
            long bytes = InferencePlanTest.allocatedBy(() -> {
                for (int i = 0; i < 500; i++) {
                    plan.predict(x, 0, 1, y, 0);
                    plan.predictClass(x, 0);
                }
            });
            zeros = bytes == 0 ? zeros + 1 : 0;
            seen.append(bytes).append(' ');
        }
        assertEquals(3, zeros, "bytes per round of 1000 calls: " + seen);
    }

    @Test
    void optionsRejectANullSparseChoiceAndKeepTheTwoArgumentForm() {
        assertEquals(PlanOptions.Sparse.AUTO, new PlanOptions(PlanOptions.Kernel.VECTOR, 3).sparse());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PlanOptions(PlanOptions.Kernel.AUTO, 0, null));
        assertTrue(e.getMessage().contains("sparse must not be null"), e.getMessage());
        assertInstanceOf(PlanOptions.class, PlanOptions.DEFAULT.withSparse(PlanOptions.Sparse.NEVER));
    }
}
