package dev.isthmus.nn.layer;

import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MaxPool2d and AvgPool2d. */
class PoolingLayersTest {
    /** A 4x4 plane, 1 to 16 row by row, in two channels (the second negated). */
    private static Tensor ramp() {
        float[] d = new float[32];
        for (int i = 0; i < 16; i++) {
            d[i] = i + 1;
            d[16 + i] = -(i + 1);
        }
        return Tensor.of(d, 1, 2, 4, 4);
    }

    @Test
    void maxPoolKeepsEachWindowsLargest() {
        Tensor y = new MaxPool2d(Shape.of(2, 4, 4), 2, 2).forward(ramp(), Pass.INFERENCE);
        assertArrayEquals(new int[] {1, 2, 2, 2}, y.shape());
        assertArrayEquals(new float[] {6, 8, 14, 16, -1, -3, -9, -11}, y.data());
    }

    @Test
    void avgPoolKeepsEachWindowsMean() {
        Tensor y = new AvgPool2d(Shape.of(2, 4, 4), 2, 2).forward(ramp(), Pass.INFERENCE);
        assertArrayEquals(new float[] {3.5f, 5.5f, 11.5f, 13.5f, -3.5f, -5.5f, -11.5f, -13.5f}, y.data());
    }

    @Test
    void overlappingWindowsWithStrideOne() {
        Tensor y = new MaxPool2d(Shape.of(2, 4, 4), 3, 1).forward(ramp(), Pass.INFERENCE);
        assertArrayEquals(new float[] {11, 12, 15, 16, -1, -2, -5, -6}, y.data());
    }

    @ParameterizedTest
    @CsvSource({"2, 2, 6, 6", "3, 1, 5, 6", "2, 1, 4, 4", "3, 2, 7, 7", "2, 3, 7, 8"})
    void maxPoolGradientsMatchFiniteDifferences(int size, int stride, int height, int width) {
        MaxPool2d pool = new MaxPool2d(Shape.of(2, height, width), size, stride);
        // values 0.05 apart: a step of 1e-2 never changes a window's maximum
        GradientCheck.assertGradients(pool, RandomTensors.distinct(31L, 0.05f, 2, 2, height, width));
    }

    @ParameterizedTest
    @CsvSource({"2, 2, 6, 6", "3, 1, 5, 6", "2, 1, 4, 4", "3, 2, 7, 7", "2, 3, 7, 8"})
    void avgPoolGradientsMatchFiniteDifferences(int size, int stride, int height, int width) {
        AvgPool2d pool = new AvgPool2d(Shape.of(2, height, width), size, stride);
        GradientCheck.assertGradients(pool, RandomTensors.uniform(32L, 2, 2, height, width));
    }

    @Test
    void maxPoolGradientGoesToTheMaximumOnly() {
        MaxPool2d pool = new MaxPool2d(Shape.of(2, 4, 4), 2, 2);
        pool.forward(ramp(), new Pass(true, 0, 0));
        Tensor dx = pool.backward(Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 2, 2, 2), true);
        float[] expected = new float[32];
        // first channel: the bottom-right of each window; second: the top-left
        expected[5] = 1; expected[7] = 2; expected[13] = 3; expected[15] = 4;
        expected[16] = 5; expected[18] = 6; expected[24] = 7; expected[26] = 8;
        assertArrayEquals(expected, dx.data());
    }

    @Test
    void aWindowLargerThanThePlaneIsRejectedNamingTheShape() {
        IllegalArgumentException max = assertThrows(IllegalArgumentException.class,
                () -> new MaxPool2d(Shape.of(3, 2, 5), 3, 1));
        assertTrue(max.getMessage().contains("max_pool2d") && max.getMessage().contains("(3, 2, 5)"), max.getMessage());
        IllegalArgumentException avg = assertThrows(IllegalArgumentException.class,
                () -> new AvgPool2d(Shape.of(3, 5, 2), 3, 1));
        assertTrue(avg.getMessage().contains("avg_pool2d") && avg.getMessage().contains("(3, 5, 2)"), avg.getMessage());
    }

    @Test
    void badSizesAndShapesAreRejected() {
        Rejections.assertRejected("size must be >= 1, got 0", () -> new MaxPool2d(Shape.of(1, 4, 4), 0, 1));
        Rejections.assertRejected("stride must be >= 1, got -2", () -> new AvgPool2d(Shape.of(1, 4, 4), 2, -2));
        Rejections.assertRejected("got (16)", () -> new MaxPool2d(Shape.of(16), 2, 2));
        Rejections.assertRejected("got (4, 4)", () -> new AvgPool2d(Shape.of(4, 4), 2, 2));
    }

    @Test
    void configHoldsSizeAndStride() {
        assertEquals(java.util.Map.of("size", 3, "stride", 2), new MaxPool2d(Shape.of(1, 8, 8), 3, 2).config());
        assertEquals(java.util.Map.of("size", 2, "stride", 2), new AvgPool2d(Shape.of(1, 8, 8), 2, 2).config());
        assertEquals(Shape.of(1, 3, 3), new MaxPool2d(Shape.of(1, 8, 8), 3, 2).outputShape());
    }
}
