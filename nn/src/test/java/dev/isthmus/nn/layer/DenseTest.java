package dev.isthmus.nn.layer;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Init;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DenseTest {

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"VECTOR", "BLAS"})
    void gradientsMatchFiniteDifferences(Backend backend) {
        Dense dense = new Dense(7, 5, Init.XAVIER_UNIFORM, backend, 11L);
        // a nonzero bias, so that the checked forward passes add it
        for (int i = 0; i < 5; i++) {
            dense.bias().value()[i] = 0.1f * (i - 2);
        }
        GradientCheck.assertGradients(dense, RandomTensors.uniform(3L, 4, 7));
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"VECTOR", "BLAS"})
    void forwardIsXTimesWPlusB(Backend backend) {
        Dense dense = new Dense(3, 2, Init.ZEROS, backend, 0L);
        float[] w = dense.weight().value();
        // W is (in, out) row-major
        w[0] = 1; w[1] = 2;
        w[2] = 3; w[3] = 4;
        w[4] = 5; w[5] = 6;
        dense.bias().value()[0] = 0.5f;
        dense.bias().value()[1] = -1f;
        Tensor y = dense.forward(Tensor.of(new float[] {1, 0, -1, 2, 1, 1}, 2, 3), Pass.INFERENCE);
        assertEquals(1 - 5 + 0.5f, y.get(0, 0));
        assertEquals(2 - 6 - 1f, y.get(0, 1));
        assertEquals(2 + 3 + 5 + 0.5f, y.get(1, 0));
        assertEquals(4 + 4 + 6 - 1f, y.get(1, 1));
    }
}
