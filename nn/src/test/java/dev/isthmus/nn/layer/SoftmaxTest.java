package dev.isthmus.nn.layer;

import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SoftmaxTest {

    @Test
    void gradientsMatchFiniteDifferences() {
        Tensor x = RandomTensors.uniform(8L, 4, 6);
        for (int i = 0; i < x.size(); i++) {
            x.data()[i] *= 3;
        }
        GradientCheck.assertGradients(new Softmax(6), x);
    }

    @Test
    void rowsSumToOne() {
        Tensor y = new Softmax(5).forward(RandomTensors.uniform(9L, 3, 5), Pass.INFERENCE);
        for (int r = 0; r < 3; r++) {
            double sum = 0;
            for (int j = 0; j < 5; j++) {
                sum += y.get(r, j);
            }
            assertEquals(1.0, sum, 1e-6);
        }
    }
}
