package dev.isthmus.nn.layer;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Init;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Conv2dTest {

    /** Input (channels, height, width), outChannels, kernel, stride, padding. */
    record Geometry(Shape input, int outChannels, int kernel, int stride, int padding) {
        Conv2d layer(Backend backend) {
            Conv2d c = new Conv2d(input, outChannels, kernel, stride, padding, Init.XAVIER_UNIFORM, backend, 17L);
            // a nonzero bias, so that the bias path is exercised by the forward checks
            for (int o = 0; o < outChannels; o++) {
                c.bias().value()[o] = 0.05f * (o + 1);
            }
            return c;
        }

        @Override
        public String toString() {
            return input + " -> " + outChannels + ", kernel " + kernel + ", stride " + stride + ", padding " + padding;
        }
    }

    static final List<Geometry> GEOMETRIES = List.of(
            new Geometry(Shape.of(2, 5, 6), 3, 3, 1, 0),
            new Geometry(Shape.of(2, 7, 7), 3, 3, 2, 1),
            new Geometry(Shape.of(1, 6, 5), 2, 3, 1, 1),
            // 1x1, unit stride: the image is its own im2col matrix, no workspace
            new Geometry(Shape.of(3, 4, 4), 2, 1, 1, 0),
            // 1x1 with stride 2: a strided im2col
            new Geometry(Shape.of(3, 5, 5), 2, 1, 2, 0),
            new Geometry(Shape.of(2, 6, 6), 2, 2, 2, 1));

    static Stream<Arguments> geometriesAndBackends() {
        List<Arguments> all = new ArrayList<>();
        for (Geometry g : GEOMETRIES) {
            all.add(Arguments.of(g, Backend.VECTOR));
            all.add(Arguments.of(g, Backend.BLAS));
        }
        return all.stream();
    }

    static Stream<Geometry> geometries() {
        return GEOMETRIES.stream();
    }

    @ParameterizedTest
    @MethodSource("geometriesAndBackends")
    void gradientsMatchFiniteDifferences(Geometry g, Backend backend) {
        Conv2d conv = g.layer(backend);
        GradientCheck.assertGradients(conv, RandomTensors.uniform(21L, g.input().withBatch(2)));
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void forwardIsTheDirectSumOverWindows(Geometry g) {
        Conv2d conv = g.layer(Backend.VECTOR);
        Tensor x = RandomTensors.uniform(22L, g.input().withBatch(2));
        Tensor y = conv.forward(x, Pass.INFERENCE);
        Tensor expected = direct(x, conv, g);
        assertEquals(expected.sampleShape(), y.sampleShape());
        for (int i = 0; i < y.size(); i++) {
            assertEquals(expected.data()[i], y.data()[i], 1e-5f, "output element " + i);
        }
    }

    /** The textbook definition, with the weight read as (outChannels, channels, kernel, kernel). */
    private static Tensor direct(Tensor x, Conv2d conv, Geometry g) {
        int c = g.input().dim(0);
        int h = g.input().dim(1);
        int w = g.input().dim(2);
        int k = g.kernel();
        int outH = (h + 2 * g.padding() - k) / g.stride() + 1;
        int outW = (w + 2 * g.padding() - k) / g.stride() + 1;
        Tensor y = Tensor.zeros(x.batch(), g.outChannels(), outH, outW);
        float[] wt = conv.weight().value();
        int at = 0;
        for (int img = 0; img < x.batch(); img++) {
            for (int o = 0; o < g.outChannels(); o++) {
                for (int oh = 0; oh < outH; oh++) {
                    for (int ow = 0; ow < outW; ow++) {
                        double sum = conv.bias().value()[o];
                        for (int ch = 0; ch < c; ch++) {
                            for (int ki = 0; ki < k; ki++) {
                                for (int kj = 0; kj < k; kj++) {
                                    int ih = oh * g.stride() - g.padding() + ki;
                                    int iw = ow * g.stride() - g.padding() + kj;
                                    if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                        sum += (double) wt[((o * c + ch) * k + ki) * k + kj] * x.get(img, ch, ih, iw);
                                    }
                                }
                            }
                        }
                        y.data()[at++] = (float) sum;
                    }
                }
            }
        }
        return y;
    }

    @Test
    void outputShapesFollowKernelStrideAndPadding() {
        Init he = Init.HE_UNIFORM;
        assertEquals(Shape.of(32, 28, 28), new Conv2d(Shape.of(1, 28, 28), 32, 3, 1, 1, he, Backend.VECTOR, 1L).outputShape());
        assertEquals(Shape.of(8, 26, 26), new Conv2d(Shape.of(1, 28, 28), 8, 3, 1, 0, he, Backend.VECTOR, 1L).outputShape());
        assertEquals(Shape.of(4, 4, 4), new Conv2d(Shape.of(3, 7, 7), 4, 3, 2, 1, he, Backend.VECTOR, 1L).outputShape());
    }

    @Test
    void heInitializationUsesTheFanInOfAFilter() {
        Conv2d conv = new Conv2d(Shape.of(4, 9, 9), 6, 3, 1, 0, Init.HE_UNIFORM, Backend.VECTOR, 5L);
        assertEquals(Shape.of(6, 4, 3, 3), conv.weight().shape());
        assertEquals(Shape.of(6), conv.bias().shape());
        double limit = Math.sqrt(6.0 / (4 * 3 * 3));
        float max = 0;
        for (float v : conv.weight().value()) {
            assertTrue(Math.abs(v) <= limit, () -> "weight " + v + " beyond the He limit " + limit);
            max = Math.max(max, Math.abs(v));
        }
        // 216 uniform draws come near the limit: a fan-in of channels alone would give a bound twice as wide
        assertTrue(max > 0.9 * limit, "largest weight " + max + " of limit " + limit);
        for (float b : conv.bias().value()) {
            assertEquals(0f, b);
        }
    }

    @Test
    void aKernelLargerThanThePaddedInputIsRejectedNamingTheShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Conv2d(Shape.of(1, 4, 4), 2, 7, 1, 1, Init.HE_UNIFORM, Backend.VECTOR, 0L));
        assertTrue(e.getMessage().contains("(1, 4, 4)"), e.getMessage());
        assertTrue(e.getMessage().contains("kernel 7"), e.getMessage());
    }

    @Test
    void badSizesAreRejectedNamingTheValue() {
        Shape s = Shape.of(1, 8, 8);
        Rejections.assertRejected("outChannels must be >= 1, got 0",
                () -> new Conv2d(s, 0, 3, 1, 0, Init.HE_UNIFORM, Backend.VECTOR, 0L));
        Rejections.assertRejected("kernel must be >= 1, got 0",
                () -> new Conv2d(s, 2, 0, 1, 0, Init.HE_UNIFORM, Backend.VECTOR, 0L));
        Rejections.assertRejected("stride must be >= 1, got 0",
                () -> new Conv2d(s, 2, 3, 0, 0, Init.HE_UNIFORM, Backend.VECTOR, 0L));
        Rejections.assertRejected("padding must be >= 0, got -1",
                () -> new Conv2d(s, 2, 3, 1, -1, Init.HE_UNIFORM, Backend.VECTOR, 0L));
        Rejections.assertRejected("expected input samples of shape (channels, height, width), got (784)",
                () -> new Conv2d(Shape.of(784), 2, 3, 1, 0, Init.HE_UNIFORM, Backend.VECTOR, 0L));
    }

    @Test
    void regularizeSetsTheWeightPenaltyOnly() {
        Conv2d conv = new Conv2d(Shape.of(1, 5, 5), 2, 3, 1, 0, Init.HE_UNIFORM, Backend.VECTOR, 0L).regularize(0.01f, 0.02f);
        assertEquals(0.01f, conv.weight().l1());
        assertEquals(0.02f, conv.weight().l2());
        assertEquals(0f, conv.bias().l1());
        assertEquals(0f, conv.bias().l2());
        assertEquals(0.01f, conv.config().get("l1"));
        assertEquals(0.02f, conv.config().get("l2"));
    }
}
