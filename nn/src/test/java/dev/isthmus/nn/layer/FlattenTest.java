package dev.isthmus.nn.layer;

import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class FlattenTest {

    @Test
    void gradientsMatchFiniteDifferences() {
        GradientCheck.assertGradients(new Flatten(Shape.of(2, 3, 4)), RandomTensors.uniform(4L, 2, 2, 3, 4));
    }

    @Test
    void reshapesWithoutCopying() {
        Tensor x = RandomTensors.uniform(4L, 2, 2, 3, 4);
        Tensor y = new Flatten(Shape.of(2, 3, 4)).forward(x, Pass.INFERENCE);
        assertArrayEquals(new int[] {2, 24}, y.shape());
        assertSame(x.data(), y.data());
    }
}
