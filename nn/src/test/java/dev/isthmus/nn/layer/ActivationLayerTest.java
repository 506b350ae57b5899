package dev.isthmus.nn.layer;

import dev.isthmus.nn.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

class ActivationLayerTest {

    static Stream<Arguments> activations() {
        Shape dense = Shape.of(9);
        Shape image = Shape.of(2, 3, 3);
        return Stream.of(
                Arguments.of(ActivationLayer.relu(dense)),
                Arguments.of(ActivationLayer.leakyRelu(dense, 0.1f)),
                Arguments.of(ActivationLayer.elu(dense, 1f)),
                Arguments.of(ActivationLayer.sigmoid(dense)),
                Arguments.of(ActivationLayer.tanh(dense)),
                Arguments.of(ActivationLayer.relu(image)),
                Arguments.of(ActivationLayer.elu(image, 0.5f)));
    }

    @ParameterizedTest
    @MethodSource("activations")
    void gradientsMatchFiniteDifferences(ActivationLayer layer) {
        int[] shape = layer.inputShape().withBatch(3);
        // ReLU and LeakyReLU have a kink at 0: keep every input farther from it than the step
        GradientCheck.assertGradients(layer, RandomTensors.awayFromZero(5L, shape));
    }
}
