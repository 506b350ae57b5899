package dev.isthmus.kernels;

import static dev.isthmus.kernels.Im2colTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class Int8ChannelsLastTest {
    static final byte SENTINEL = 77;

    static Stream<ConvShape> convolutions() {
        return Stream.concat(ChannelsLastTest.convolutions(), Stream.of(
                // one channel: the first layer of a quantized CNN on MNIST-like images
                new ConvShape(1, 28, 28, 8, 3, 3, 1, 1, 1, 1, 1, 1),
                new ConvShape(1, 28, 28, 8, 5, 5, 2, 2, 0, 0, 1, 1),
                new ConvShape(1, 9, 11, 2, 3, 4, 1, 3, 2, 3, 2, 1),
                new ConvShape(2, 28, 28, 8, 3, 3, 1, 1, 1, 1, 1, 1)));
    }

    @ParameterizedTest
    @MethodSource("convolutions")
    void im2colMatchesTheReferenceWithTheZeroPointAsPadding(ConvShape g) {
        byte[] x = Int8GemmTest.randomBytes(new SplittableRandom(g.hashCode()), g.inputSize() + 3);
        for (byte pad : new byte[] {0, -128, 127, -7}) {
            byte[] want = new byte[g.columnsSize() + 5];
            byte[] got = new byte[g.columnsSize() + 5];
            Arrays.fill(want, SENTINEL);
            Arrays.fill(got, SENTINEL);
            ScalarInt8.im2col(g, x, 3, want, 2, pad);
            Int8ChannelsLast.im2col(g, x, 3, got, 2, pad);
            assertArrayEquals(want, got, g + " pad " + pad);
        }
    }

    @Test
    void paddingHoldsThePadValue() {
        ConvShape g = new ConvShape(1, 2, 2, 1, 3, 3, 1, 1, 1, 1, 1, 1);
        byte[] cols = new byte[g.columnsSize()];
        Int8ChannelsLast.im2col(g, new byte[] {1, 2, 3, 4}, 0, cols, 0, (byte) -9);
        // output (0, 0): the window centred on x[0][0]
        assertArrayEquals(new byte[] {-9, -9, -9, -9, 1, 2, -9, 3, 4}, Arrays.copyOf(cols, 9));
    }

    @ParameterizedTest
    @MethodSource("dev.isthmus.kernels.ChannelsLastTest#pools")
    void maxPoolMatchesTheReference(ChannelsLastTest.Pool p) {
        SplittableRandom r = new SplittableRandom(p.hashCode());
        for (int fill = 0; fill < 3; fill++) {
            byte[] x = fill == 0 ? Int8GemmTest.randomBytes(r, p.inSize() + 2) : new byte[p.inSize() + 2];
            if (fill == 1) {
                Arrays.fill(x, (byte) -128);
            } else if (fill == 2) {
                Arrays.fill(x, (byte) 127);
            }
            byte[] want = new byte[p.outSize() + 4];
            byte[] got = new byte[p.outSize() + 4];
            Arrays.fill(want, SENTINEL);
            Arrays.fill(got, SENTINEL);
            ScalarInt8.maxPool(x, 2, p.n(), p.h(), p.w(), p.c(), p.size(), p.stride(), want, 1);
            Int8ChannelsLast.maxPool(x, 2, p.n(), p.h(), p.w(), p.c(), p.size(), p.stride(), got, 1);
            assertArrayEquals(want, got, p + " fill " + fill);
            if (fill == 1 && p.outSize() > 0) {
                assertEquals(-128, got[1]);
            }
        }
    }

    @Test
    void badArgumentsNameTheValues() {
        ConvShape g = new ConvShape(2, 4, 4, 1, 3, 3, 1, 1, 1, 1, 1, 1);
        byte[] x = new byte[32];
        byte[] cols = new byte[g.columnsSize()];
        assertMessage("the shape g is null", () -> Int8ChannelsLast.im2col(null, x, 0, cols, 0, (byte) 0));
        assertMessage("x needs 32 bytes from offset 1, but the array has 32",
                () -> Int8ChannelsLast.im2col(g, x, 1, cols, 0, (byte) 0));
        assertMessage("cols needs 288 bytes from offset 0, but the array has 287",
                () -> Int8ChannelsLast.im2col(g, x, 0, new byte[287], 0, (byte) 0));
        byte[] both = new byte[400];
        assertMessage("cols [10, 298) overlaps x [0, 32) in the same array",
                () -> Int8ChannelsLast.im2col(g, both, 0, both, 10, (byte) 0));
        byte[] y = new byte[8];
        assertMessage("stride must be >= 1, got 0", () -> Int8ChannelsLast.maxPool(x, 0, 1, 4, 4, 2, 2, 0, y, 0));
        assertMessage("window (size 5) is larger than the 4 x 4 plane",
                () -> Int8ChannelsLast.maxPool(x, 0, 1, 4, 4, 2, 5, 1, y, 0));
        assertMessage("y needs 8 bytes from offset 1, but the array has 8",
                () -> Int8ChannelsLast.maxPool(x, 0, 1, 4, 4, 2, 2, 2, y, 1));
        assertMessage("y [0, 8) overlaps x [0, 32) in the same array",
                () -> Int8ChannelsLast.maxPool(x, 0, 1, 4, 4, 2, 2, 2, x, 0));
    }
}
