package dev.isthmus.nn;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The convolution, pooling, normalization and dropout methods of {@link Sequential.Builder}. */
class SequentialBuilderTest {

    /** The CNN of issue 4, for (1, 28, 28) images. */
    private static Sequential cnn(long seed, Backend backend) {
        return Sequential.builder(Shape.of(1, 28, 28)).seed(seed).backend(backend)
                .conv2d(32, 3, 1, 1).batchNorm().relu().maxPool2d(2)
                .conv2d(64, 3, 1, 1).batchNorm().relu().maxPool2d(2)
                .dense(128).relu()
                .dense(10)
                .build();
    }

    private static Tensor images(long seed, int n) {
        Tensor x = Tensor.zeros(n, Shape.of(1, 28, 28));
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < x.size(); i++) {
            x.data()[i] = (float) rng.nextDouble();
        }
        return x;
    }

    @Test
    void theCnnSummaryListsEachLayersOutputShapeAndParameters() {
        Sequential model = cnn(1L, Backend.VECTOR);
        // kind, output shape, parameters; dense(128) on an image flattens first
        List<Object[]> expected = List.of(
                new Object[] {"conv2d", Shape.of(32, 28, 28), 32 * 1 * 9 + 32},
                new Object[] {"batch_norm", Shape.of(32, 28, 28), 2 * 32},
                new Object[] {"relu", Shape.of(32, 28, 28), 0},
                new Object[] {"max_pool2d", Shape.of(32, 14, 14), 0},
                new Object[] {"conv2d", Shape.of(64, 14, 14), 64 * 32 * 9 + 64},
                new Object[] {"batch_norm", Shape.of(64, 14, 14), 2 * 64},
                new Object[] {"relu", Shape.of(64, 14, 14), 0},
                new Object[] {"max_pool2d", Shape.of(64, 7, 7), 0},
                new Object[] {"flatten", Shape.of(3136), 0},
                new Object[] {"dense", Shape.of(128), 3136 * 128 + 128},
                new Object[] {"relu", Shape.of(128), 0},
                new Object[] {"dense", Shape.of(10), 128 * 10 + 10});
        assertEquals(expected.size(), model.layers().size());
        String[] lines = model.summary().split("\n");
        long total = 0;
        for (int i = 0; i < expected.size(); i++) {
            Object[] e = expected.get(i);
            Layer layer = model.layers().get(i);
            assertEquals(e[0], layer.kind(), "layer " + i);
            assertEquals(e[1], layer.outputShape(), "layer " + i);
            int params = layer.parameters().stream().mapToInt(Parameter::size).sum();
            assertEquals(e[2], params, "layer " + i);
            total += params;

            // the header and the input line come first
            String line = lines[i + 2];
            String formatted = String.format(java.util.Locale.ROOT, "%,d", (int) e[2]);
            assertTrue(line.startsWith(i + " ") && line.contains(" " + e[0] + " ") && line.contains(e[1].toString())
                    && line.contains(" " + formatted + " "), "summary line " + i + ": " + line);
        }
        assertEquals(421_834, total);
        assertEquals(421_834, model.parameterCount());
        assertTrue(model.summary().contains("total: 421,834 parameters"), model.summary());
        assertEquals(Shape.of(10), model.outputShape());
        // the running statistics are buffers, not parameters
        assertEquals(4, model.buffers().size());
    }

    @Test
    void theCnnTrainsOneStep() {
        Sequential model = cnn(2L, Backend.AUTO);
        Tensor y = model.forward(images(3L, 2), Pass.training(0));
        assertArrayEquals(new int[] {2, 10}, y.shape());
        Tensor dy = Tensor.zeros(2, 10);
        dy.data()[3] = 1;
        dy.data()[17] = -1;
        model.backward(dy);
        for (Parameter p : model.parameters()) {
            boolean moved = false;
            for (float g : p.grad()) {
                assertTrue(Float.isFinite(g), p.name());
                moved |= g != 0;
            }
            assertTrue(moved, p + " got an all-zero gradient");
        }
    }

    @Test
    void theSameSeedBuildsBitIdenticalModels() {
        Sequential a = Sequential.builder(Shape.of(1, 28, 28)).seed(42).backend(Backend.VECTOR)
                .conv2d(4, 3).batchNorm().relu().dropout(0.3f).avgPool2d(2).dense(10).build();
        Sequential b = Sequential.builder(Shape.of(1, 28, 28)).seed(42).backend(Backend.VECTOR)
                .conv2d(4, 3).batchNorm().relu().dropout(0.3f).avgPool2d(2).dense(10).build();
        Sequential c = Sequential.builder(Shape.of(1, 28, 28)).seed(43).backend(Backend.VECTOR)
                .conv2d(4, 3).batchNorm().relu().dropout(0.3f).avgPool2d(2).dense(10).build();
        for (int k = 0; k < a.parameters().size(); k++) {
            assertArrayEquals(a.parameters().get(k).value(), b.parameters().get(k).value());
        }
        assertFalse(java.util.Arrays.equals(a.parameters().get(0).value(), c.parameters().get(0).value()));
        assertEquals(a.layers().get(3).config(), b.layers().get(3).config());

        // and so do their training passes, dropout included
        Tensor x = images(5L, 3);
        float[] ya = a.forward(x, Pass.training(7)).data().clone();
        float[] yb = b.forward(x, Pass.training(7)).data().clone();
        assertArrayEquals(ya, yb);
    }

    @Test
    void eachDropoutLayerGetsItsOwnSeed() {
        Sequential m = Sequential.builder(16).seed(3).dropout(0.5f).dropout(0.5f).build();
        assertNotEquals(m.layers().get(0).config().get("seed"), m.layers().get(1).config().get("seed"));
    }

    @Test
    void theShortFormsUseTheirDefaults() {
        Sequential m = Sequential.builder(Shape.of(2, 12, 12))
                .conv2d(3, 3).maxPool2d(2).avgPool2d(2).batchNorm().build();
        Map<String, Object> conv = m.layers().get(0).config();
        assertEquals(1, conv.get("stride"));
        assertEquals(0, conv.get("padding"));
        assertEquals("he_uniform", conv.get("init"));
        assertEquals(Shape.of(3, 10, 10), m.layers().get(0).outputShape());
        assertEquals(Map.of("size", 2, "stride", 2), m.layers().get(1).config());
        assertEquals(Map.of("size", 2, "stride", 2), m.layers().get(2).config());
        assertEquals(Shape.of(3, 2, 2), m.layers().get(2).outputShape());
        assertEquals(Map.of("momentum", 0.1f, "eps", 1e-5f), m.layers().get(3).config());

        Sequential strided = Sequential.builder(Shape.of(1, 9, 9)).maxPool2d(3, 2).avgPool2d(2, 1).build();
        assertEquals(Shape.of(1, 4, 4), strided.layers().get(0).outputShape());
        assertEquals(Shape.of(1, 3, 3), strided.layers().get(1).outputShape());
    }

    @Test
    void initAndWeightPenaltyApplyToConvolutionWeights() {
        Sequential m = Sequential.builder(Shape.of(1, 6, 6)).init(Init.constant(0.5f)).weightPenalty(0.01f, 0.02f)
                .conv2d(2, 3).build();
        Parameter weight = m.parameters().get(0);
        Parameter bias = m.parameters().get(1);
        assertEquals("weight", weight.name());
        for (float w : weight.value()) {
            assertEquals(0.5f, w);
        }
        assertEquals(0.01f, weight.l1());
        assertEquals(0.02f, weight.l2());
        assertEquals(0f, bias.l1());
        assertEquals(0f, bias.l2());
    }

    @Test
    void imageLayersOnDenseSamplesFailNamingTheShape() {
        assertNamesShape("(784)", () -> Sequential.builder(784).conv2d(8, 3));
        assertNamesShape("(784)", () -> Sequential.builder(784).maxPool2d(2));
        assertNamesShape("(784)", () -> Sequential.builder(784).avgPool2d(2));
        assertNamesShape("(4, 5)", () -> Sequential.builder(4, 5).batchNorm());
        // after a dense layer the samples are no longer images
        assertNamesShape("(10)", () -> Sequential.builder(Shape.of(1, 8, 8)).dense(10).conv2d(2, 3));
    }

    @Test
    void aKernelOrWindowLargerThanTheImageFailsNamingTheShape() {
        assertNamesShape("(1, 4, 4)", () -> Sequential.builder(1, 4, 4).conv2d(2, 5));
        assertNamesShape("(1, 4, 4)", () -> Sequential.builder(1, 4, 4).maxPool2d(5));
        assertNamesShape("(8, 2, 2)", () -> Sequential.builder(1, 4, 4).conv2d(8, 3).avgPool2d(3));
    }

    private static void assertNamesShape(String shape, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(shape), () -> "message '" + e.getMessage() + "' does not name " + shape);
    }
}
