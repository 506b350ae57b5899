package dev.isthmus.nn.layer;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Init;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The weight layers compute the same forward and backward on the Vector API kernels and on OpenBLAS. */
class BackendAgreementTest {

    @Test
    void denseAgrees() {
        agree(b -> new Dense(96, 40, Init.HE_UNIFORM, b, 61L), 33);
    }

    @Test
    void convolutionAgrees() {
        agree(b -> new Conv2d(Shape.of(8, 12, 12), 16, 3, 1, 1, Init.HE_UNIFORM, b, 62L), 3);
        agree(b -> new Conv2d(Shape.of(5, 9, 9), 7, 3, 2, 1, Init.HE_UNIFORM, b, 63L), 2);
        agree(b -> new Conv2d(Shape.of(8, 6, 6), 4, 1, 1, 0, Init.HE_UNIFORM, b, 64L), 2);
    }

    private static void agree(Function<Backend, Layer> make, int batch) {
        assumeTrue(Backend.blasAvailable(), "OpenBLAS did not load: BLAS would run the Vector API kernels");
        Layer vector = make.apply(Backend.VECTOR);
        Layer blas = make.apply(Backend.BLAS);
        Tensor x = RandomTensors.uniform(65L, vector.inputShape().withBatch(batch));
        Tensor dy = RandomTensors.uniform(66L, vector.outputShape().withBatch(batch));
        Pass pass = Pass.training(0);
        close("output", vector.forward(x, pass).data(), blas.forward(x, pass).data());
        close("input gradient", vector.backward(dy, true).data(), blas.backward(dy, true).data());
        for (int k = 0; k < vector.parameters().size(); k++) {
            close(vector.parameters().get(k).name() + " gradient", vector.parameters().get(k).grad(),
                    blas.parameters().get(k).grad());
        }
    }

    /**
     * Within float rounding: both sum the same products in different orders, each sum of up to a few
     * hundred terms of order one, so they differ by a few ulps of the largest partial sums; 1e-4
     * relative to the array's largest magnitude is a hundred times that and far below any real error.
     */
    private static void close(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what);
        float scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4f * (1 + scale), what + " element " + i);
        }
    }
}
