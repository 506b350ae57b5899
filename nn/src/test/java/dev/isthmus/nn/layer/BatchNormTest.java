package dev.isthmus.nn.layer;

import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

class BatchNormTest {

    /** Moves gamma and beta off their start (one and zero), so that a gradient ignoring them shows. */
    private static BatchNorm withAffine(BatchNorm bn, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] g = bn.gamma().value();
        float[] b = bn.beta().value();
        for (int c = 0; c < g.length; c++) {
            g[c] = (float) (0.5 + rng.nextDouble());
            b[c] = (float) (rng.nextDouble() - 0.5);
        }
        return bn;
    }

    @Test
    void denseTrainingGradientsMatchFiniteDifferences() {
        BatchNorm bn = withAffine(new BatchNorm(Shape.of(6), 0.1f, 1e-5f), 1L);
        GradientCheck.assertGradients(bn, RandomTensors.uniform(41L, 5, 6));
    }

    @Test
    void imageTrainingGradientsMatchFiniteDifferences() {
        BatchNorm bn = withAffine(new BatchNorm(Shape.of(3, 4, 5), 0.1f, 1e-5f), 2L);
        GradientCheck.assertGradients(bn, RandomTensors.uniform(42L, 2, 3, 4, 5));
    }

    @Test
    void trainingOutputHasZeroMeanAndUnitVariancePerChannel() {
        BatchNorm bn = new BatchNorm(Shape.of(2, 3, 3), 0.1f, 1e-5f);
        Tensor x = RandomTensors.uniform(43L, 4, 2, 3, 3);
        Tensor y = bn.forward(x, Pass.training(0));
        for (int c = 0; c < 2; c++) {
            double sum = 0;
            double squares = 0;
            for (int img = 0; img < 4; img++) {
                for (int p = 0; p < 9; p++) {
                    double v = y.data()[img * 18 + c * 9 + p];
                    sum += v;
                    squares += v * v;
                }
            }
            assertEquals(0, sum / 36, 1e-5, "mean of channel " + c);
            assertEquals(1, squares / 36, 1e-3, "variance of channel " + c);
        }
    }

    @Test
    void trainingMovesTheRunningStatisticsByMomentum() {
        BatchNorm bn = new BatchNorm(Shape.of(2), 0.25f, 1e-5f);
        // feature 0: 1, 3 (mean 2, unbiased variance 2); feature 1: 10, 10 (mean 10, variance 0)
        bn.forward(Tensor.of(new float[] {1, 10, 3, 10}, 2, 2), Pass.training(0));
        assertArrayEquals(new float[] {0.5f, 2.5f}, bn.runningMean().value(), 1e-6f);
        assertArrayEquals(new float[] {0.75f + 0.25f * 2, 0.75f}, bn.runningVar().value(), 1e-6f);
    }

    @Test
    void inferenceIsTheAffineMapOfTheRunningStatistics() {
        for (Shape shape : List.of(Shape.of(5), Shape.of(3, 2, 4))) {
            BatchNorm bn = withAffine(new BatchNorm(shape, 0.1f, 1e-3f), 3L);
            SplittableRandom rng = new SplittableRandom(4L);
            int channels = shape.dim(0);
            int spatial = shape.size() / channels;
            for (int c = 0; c < channels; c++) {
                bn.runningMean().value()[c] = (float) (rng.nextDouble() - 0.5);
                bn.runningVar().value()[c] = (float) (0.2 + rng.nextDouble());
            }
            Tensor x = RandomTensors.uniform(44L, shape.withBatch(3));
            Tensor y = bn.forward(x, Pass.INFERENCE);
            for (int i = 0; i < x.size(); i++) {
                int c = (i / spatial) % channels;
                double expected = (x.data()[i] - bn.runningMean().value()[c])
                        / Math.sqrt(bn.runningVar().value()[c] + 1e-3) * bn.gamma().value()[c] + bn.beta().value()[c];
                assertEquals(expected, y.data()[i], 1e-5, shape + " element " + i);
            }
            // and it leaves the running statistics alone
            float[] mean = bn.runningMean().value().clone();
            bn.forward(x, Pass.INFERENCE);
            assertArrayEquals(mean, bn.runningMean().value());
        }
    }

    @Test
    void parametersAndBuffersStartAtTheIdentity() {
        BatchNorm bn = new BatchNorm(Shape.of(4, 2, 2), 0.1f, 1e-5f);
        assertEquals(List.of("gamma", "beta"), bn.parameters().stream().map(p -> p.name()).toList());
        assertEquals(List.of("running_mean", "running_var"), bn.buffers().stream().map(p -> p.name()).toList());
        assertArrayEquals(new float[] {1, 1, 1, 1}, bn.gamma().value());
        assertArrayEquals(new float[4], bn.beta().value());
        assertArrayEquals(new float[4], bn.runningMean().value());
        assertArrayEquals(new float[] {1, 1, 1, 1}, bn.runningVar().value());
        assertEquals(Shape.of(4), bn.gamma().shape());
    }

    @Test
    void aReplicaSharesGammaAndBetaButKeepsItsOwnRunningStatistics() {
        BatchNorm bn = new BatchNorm(Shape.of(3), 0.1f, 1e-5f);
        Layer copy = bn.replica();
        assertSame(bn.gamma().value(), copy.parameters().get(0).value());
        assertSame(bn.beta().value(), copy.parameters().get(1).value());
        assertNotSame(bn.gamma().grad(), copy.parameters().get(0).grad());
        assertNotSame(bn.runningMean().value(), copy.buffers().get(0).value());
        assertNotSame(bn.runningVar().value(), copy.buffers().get(1).value());

        copy.forward(RandomTensors.uniform(45L, 4, 3), Pass.training(0));
        assertArrayEquals(new float[3], bn.runningMean().value(), "the original's running mean moved");
        assertArrayEquals(new float[] {1, 1, 1}, bn.runningVar().value(), "the original's running variance moved");
    }

    @Test
    void onlyDenseAndImageShapesAreAccepted() {
        Rejections.assertRejected("got (3, 4)", () -> new BatchNorm(Shape.of(3, 4), 0.1f, 1e-5f));
        Rejections.assertRejected("got (1, 2, 3, 4)", () -> new BatchNorm(Shape.of(1, 2, 3, 4), 0.1f, 1e-5f));
        Rejections.assertRejected("momentum must be in [0, 1], got 1.5", () -> new BatchNorm(Shape.of(3), 1.5f, 1e-5f));
        Rejections.assertRejected("eps must be positive and finite, got 0.0", () -> new BatchNorm(Shape.of(3), 0.1f, 0f));
    }

    @Test
    void configHoldsMomentumAndEps() {
        assertEquals(java.util.Map.of("momentum", 0.1f, "eps", 1e-5f), new BatchNorm(Shape.of(3), 0.1f, 1e-5f).config());
    }
}
