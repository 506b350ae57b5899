package dev.isthmus.nn.layer;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Init;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@link Layer} promises, checked on every kind of layer. */
class LayerContractTest {
    private static final Pass TRAINING = new Pass(true, 5, 0);

    record Case(String name, Supplier<Layer> make) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> layers() {
        return Stream.of(
                new Case("dense", () -> new Dense(6, 4, Init.HE_UNIFORM, Backend.VECTOR, 1L)),
                new Case("relu", () -> ActivationLayer.relu(Shape.of(2, 3, 3))),
                new Case("softmax", () -> new Softmax(5)),
                new Case("flatten", () -> new Flatten(Shape.of(2, 3, 3))),
                new Case("conv2d", () -> new Conv2d(Shape.of(2, 5, 5), 3, 3, 2, 1, Init.HE_UNIFORM, Backend.VECTOR, 2L)),
                new Case("conv2d 1x1", () -> new Conv2d(Shape.of(2, 3, 3), 3, 1, 1, 0, Init.HE_UNIFORM, Backend.VECTOR, 3L)),
                new Case("max_pool2d", () -> new MaxPool2d(Shape.of(2, 4, 4), 2, 2)),
                new Case("avg_pool2d", () -> new AvgPool2d(Shape.of(2, 4, 4), 2, 1)),
                new Case("batch_norm dense", () -> new BatchNorm(Shape.of(4), 0.1f, 1e-5f)),
                new Case("batch_norm image", () -> new BatchNorm(Shape.of(2, 3, 3), 0.1f, 1e-5f)),
                new Case("dropout", () -> new Dropout(Shape.of(2, 3, 3), 0.5f, 4L)));
    }

    private static Tensor input(Layer layer, int batch, long seed) {
        return RandomTensors.distinct(seed, 0.01f, layer.inputShape().withBatch(batch));
    }

    private static Tensor gradient(Layer layer, int batch, long seed) {
        return RandomTensors.uniform(seed, layer.outputShape().withBatch(batch));
    }

    @ParameterizedTest
    @MethodSource("layers")
    void aWrongInputShapeIsRejectedNamingBothShapes(Case c) {
        Layer layer = c.make().get();
        int[] wrong = layer.inputShape().withBatch(2);
        wrong[wrong.length - 1] += 1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> layer.forward(Tensor.zeros(wrong), Pass.INFERENCE));
        assertTrue(e.getMessage().contains(layer.inputShape().toString()), e.getMessage());
        assertTrue(e.getMessage().contains(Arrays.toString(wrong)), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> layer.forward(null, Pass.INFERENCE));
    }

    @ParameterizedTest
    @MethodSource("layers")
    void backwardBeforeAnyForwardIsAnIllegalState(Case c) {
        Layer layer = c.make().get();
        assertThrows(IllegalStateException.class, () -> layer.backward(gradient(layer, 2, 1L), true));
    }

    @ParameterizedTest
    @MethodSource("layers")
    void backwardAfterAnInferenceForwardIsAnIllegalState(Case c) {
        Layer layer = c.make().get();
        layer.forward(input(layer, 2, 2L), TRAINING);
        layer.forward(input(layer, 2, 3L), Pass.INFERENCE);
        assertThrows(IllegalStateException.class, () -> layer.backward(gradient(layer, 2, 1L), true));
    }

    @ParameterizedTest
    @MethodSource("layers")
    void aGradientOfAnotherShapeIsRejected(Case c) {
        Layer layer = c.make().get();
        layer.forward(input(layer, 2, 2L), TRAINING);
        assertThrows(IllegalArgumentException.class, () -> layer.backward(gradient(layer, 3, 1L), true));
    }

    @ParameterizedTest
    @MethodSource("layers")
    void outputsKeepTheirBufferForOneBatchSize(Case c) {
        Layer layer = c.make().get();
        Tensor x = input(layer, 3, 2L);
        Tensor first = layer.forward(x, TRAINING);
        assertArrayEquals(layer.outputShape().withBatch(3), first.shape());
        Tensor x2 = input(layer, 3, 3L);
        Tensor second = layer.forward(x2, TRAINING);
        // flatten owns no buffer: its output is a view of its input
        float[] expected = layer instanceof Flatten ? x2.data() : first.data();
        assertSame(expected, second.data(), "a second batch of the same size got a new output array");
        Tensor other = layer.forward(input(layer, 5, 4L), TRAINING);
        assertArrayEquals(layer.outputShape().withBatch(5), other.shape());
    }

    @ParameterizedTest
    @MethodSource("layers")
    void withoutAnInputGradientTheParameterGradientsAreTheSame(Case c) {
        Layer layer = c.make().get();
        Tensor x = input(layer, 3, 2L);
        Tensor dy = gradient(layer, 3, 6L);
        layer.forward(x, TRAINING);
        layer.backward(dy, true);
        List<float[]> full = layer.parameters().stream().map(p -> p.grad().clone()).toList();
        layer.forward(x, TRAINING);
        assertNull(layer.backward(dy, false));
        for (int k = 0; k < full.size(); k++) {
            assertArrayEquals(full.get(k), layer.parameters().get(k).grad(), layer.parameters().get(k).name());
        }
    }

    @ParameterizedTest
    @MethodSource("layers")
    void aReplicaSharesValuesButNotGradientsBuffersOrActivations(Case c) {
        Layer layer = c.make().get();
        Layer replica = layer.replica();
        assertEquals(layer.kind(), replica.kind());
        assertEquals(layer.inputShape(), replica.inputShape());
        assertEquals(layer.outputShape(), replica.outputShape());
        assertEquals(layer.parameters().size(), replica.parameters().size());
        for (int k = 0; k < layer.parameters().size(); k++) {
            Parameter p = layer.parameters().get(k);
            Parameter q = replica.parameters().get(k);
            assertSame(p.value(), q.value(), p.name());
            assertNotSame(p.grad(), q.grad(), p.name());
        }
        for (int k = 0; k < layer.buffers().size(); k++) {
            assertNotSame(layer.buffers().get(k).value(), replica.buffers().get(k).value());
            assertArrayEquals(layer.buffers().get(k).value(), replica.buffers().get(k).value());
        }

        // what a layer alone computes for x and dy
        Tensor x = input(layer, 3, 7L);
        Tensor dy = gradient(layer, 3, 8L);
        Layer alone = layer.replica();
        alone.forward(x, TRAINING);
        float[] expectedDx = alone.backward(dy, true).data().clone();

        // the same, with the replica running another batch in between
        layer.forward(x, TRAINING);
        replica.forward(input(layer, 3, 9L), TRAINING);
        float[] dx = layer.backward(dy, true).data();
        assertArrayEquals(expectedDx, dx);
        for (int k = 0; k < layer.parameters().size(); k++) {
            assertArrayEquals(alone.parameters().get(k).grad(), layer.parameters().get(k).grad());
        }
    }

    @ParameterizedTest
    @MethodSource("layers")
    void configHoldsOnlyModelFileTypes(Case c) {
        Map<String, Object> config = c.make().get().config();
        for (Map.Entry<String, Object> e : config.entrySet()) {
            Object v = e.getValue();
            assertTrue(v instanceof Integer || v instanceof Long || v instanceof Float || v instanceof Boolean || v instanceof String
                    || v instanceof int[], c.name() + " config " + e.getKey() + " is a " + v.getClass());
        }
    }
}
