package dev.isthmus.nn.layer;

import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DropoutTest {

    @Test
    void inferenceReturnsTheInputItself() {
        Dropout dropout = new Dropout(Shape.of(10), 0.5f, 1L);
        Tensor x = RandomTensors.uniform(51L, 3, 10);
        float[] before = x.data().clone();
        assertSame(x, dropout.forward(x, Pass.INFERENCE));
        assertArrayEquals(before, x.data());
    }

    @Test
    void trainingGradientsMatchFiniteDifferences() {
        GradientCheck.assertGradients(new Dropout(Shape.of(2, 3, 3), 0.3f, 2L), RandomTensors.uniform(52L, 4, 2, 3, 3));
    }

    @Test
    void trainingGradientIsTheMask() {
        float rate = 0.4f;
        Dropout dropout = new Dropout(Shape.of(50), rate, 3L);
        float[] ones = new float[4 * 50];
        Arrays.fill(ones, 1f);
        // over ones the output is the mask itself
        float[] mask = dropout.forward(Tensor.of(ones, 4, 50), Pass.training(9)).data().clone();
        Tensor dy = RandomTensors.uniform(53L, 4, 50);
        Tensor dx = dropout.backward(dy, true);
        int dropped = 0;
        for (int i = 0; i < mask.length; i++) {
            assertTrue(mask[i] == 0f || mask[i] == 1f / (1f - rate), "mask value " + mask[i]);
            dropped += mask[i] == 0f ? 1 : 0;
            assertEquals(dy.data()[i] * mask[i], dx.data()[i]);
        }
        // 200 draws at 0.4: 80 expected, standard deviation about 7
        assertTrue(dropped > 50 && dropped < 110, dropped + " of 200 dropped");
    }

    @Test
    void masksDoNotDependOnHowTheBatchIsSplit() {
        Shape shape = Shape.of(3, 2, 2);
        Tensor batch = RandomTensors.uniform(54L, 8, 3, 2, 2);
        int half = 4 * shape.size();
        Pass pass = new Pass(true, 17, 0);

        Tensor topHalf = Tensor.of(Arrays.copyOfRange(batch.data(), 0, half), 4, 3, 2, 2);
        Tensor bottomHalf = Tensor.of(Arrays.copyOfRange(batch.data(), half, 2 * half), 4, 3, 2, 2);

        float[] whole = new Dropout(shape, 0.5f, 99L).forward(batch, pass).data();
        float[] top = new Dropout(shape, 0.5f, 99L).forward(topHalf, pass.shard(0)).data();
        float[] bottom = new Dropout(shape, 0.5f, 99L).forward(bottomHalf, pass.shard(4)).data();
        assertArrayEquals(Arrays.copyOfRange(whole, 0, half), top);
        assertArrayEquals(Arrays.copyOfRange(whole, half, 2 * half), bottom);
        // and the first row does matter: the bottom half as if it were at row 0 gets other masks
        float[] bottomAtZero = new Dropout(shape, 0.5f, 99L).forward(bottomHalf, pass.shard(0)).data();
        assertFalse(Arrays.equals(bottom, bottomAtZero));
    }

    @Test
    void theStepAndTheSeedChangeTheMask() {
        Dropout dropout = new Dropout(Shape.of(64), 0.5f, 4L);
        Tensor x = RandomTensors.uniform(55L, 2, 64);
        float[] step1 = dropout.forward(x, Pass.training(1)).data().clone();
        float[] step1Again = dropout.forward(x, Pass.training(1)).data().clone();
        float[] step2 = dropout.forward(x, Pass.training(2)).data().clone();
        float[] otherSeed = new Dropout(Shape.of(64), 0.5f, 5L).forward(x, Pass.training(1)).data().clone();
        assertArrayEquals(step1, step1Again);
        assertFalse(Arrays.equals(step1, step2));
        assertFalse(Arrays.equals(step1, otherSeed));
    }

    @Test
    void rateOutsideZeroToOneIsRejected() {
        Rejections.assertRejected("rate must be in [0, 1), got 1.0", () -> new Dropout(Shape.of(3), 1f, 0L));
        Rejections.assertRejected("rate must be in [0, 1), got -0.1", () -> new Dropout(Shape.of(3), -0.1f, 0L));
        Rejections.assertRejected("rate must be in [0, 1), got NaN", () -> new Dropout(Shape.of(3), Float.NaN, 0L));
    }

    @Test
    void configHoldsRateAndSeed() {
        var c = new Dropout(Shape.of(3), 0.25f, -7L).config();
        assertEquals(0.25f, c.get("rate"));
        assertEquals(-7L, c.get("seed"));
    }
}
