package dev.isthmus.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class DropoutTest {
    static final int[] SIZES = {0, 1, 3, 13, 17, 31, 207, 1021, 4098};
    static final float[] PROBABILITIES = {0f, 0.1f, 0.5f, 0.9f};
    static final long[] FIRST_INDICES = {0, 12_345, 1L << 40};
    static final long SEED = 0x5EEDL;

    static Stream<Arguments> maskCases() {
        Stream.Builder<Arguments> cases = Stream.builder();
        for (int n : SIZES) {
            for (float p : PROBABILITIES) {
                for (long first : FIRST_INDICES) {
                    cases.add(Arguments.of(n, p, first));
                }
            }
        }
        return cases.build();
    }

    static float[] mask(long seed, long stream, float p, int n) {
        float[] mask = new float[n];
        Dropout.mask(seed, stream, 0, p, mask, 0, n);
        return mask;
    }

    @ParameterizedTest(name = "n={0} p={1} firstIndex={2}")
    @MethodSource("maskCases")
    void vectorMaskEqualsReferenceExactlyAndLeavesTheRestAlone(int n, float p, long firstIndex) {
        float[] ref = new float[n + 7];
        float[] got = new float[n + 7];
        Arrays.fill(ref, 42f);
        Arrays.fill(got, 42f);
        ScalarDropout.mask(SEED, 3, firstIndex, p, ref, 2, n);
        Dropout.mask(SEED, 3, firstIndex, p, got, 2, n);
        // Arrays.equals on float[] compares bit patterns: exact, not within a tolerance
        assertArrayEquals(ref, got);
        float scale = (float) (1 / (1 - (double) p));
        for (int i = 0; i < got.length; i++) {
            if (i < 2 || i >= n + 2) {
                assertEquals(42f, got[i], "outside the range at " + i);
            } else {
                assertTrue(got[i] == 0f || got[i] == scale, "mask[" + i + "] = " + got[i]);
            }
        }
    }

    @Test
    void sameSeedAndStreamGiveTheSameMaskAndOthersDiffer() {
        int n = 10_000;
        float[] a = mask(SEED, 7, 0.5f, n);
        assertArrayEquals(a, mask(SEED, 7, 0.5f, n));
        // two independent masks with p = 0.5 differ in half the places; 4 standard deviations is 0.02
        for (float[] other : new float[][] {mask(SEED, 8, 0.5f, n), mask(SEED + 1, 7, 0.5f, n),
                                            mask(SEED, -7, 0.5f, n), mask(7, SEED, 0.5f, n)}) {
            int differing = 0;
            for (int i = 0; i < n; i++) {
                differing += a[i] != other[i] ? 1 : 0;
            }
            assertEquals(0.5, differing / (double) n, 0.02, "fraction of differing elements");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 13, 1000})
    void chunksGiveTheSameMaskAsOneCall(int chunk) {
        int n = 4099;
        long first = 777;
        float[] whole = new float[n + 3];
        Dropout.mask(SEED, 11, first, 0.3f, whole, 3, n);
        float[] pieces = new float[n + 3];
        for (int start = 0; start < n; start += chunk) {
            Dropout.mask(SEED, 11, first + start, 0.3f, pieces, 3 + start, Math.min(chunk, n - start));
        }
        assertArrayEquals(whole, pieces);
        // the mask of an element does not depend on where in the array it is written
        float[] shifted = new float[n];
        Dropout.mask(SEED, 11, first, 0.3f, shifted, 0, n);
        assertArrayEquals(Arrays.copyOfRange(whole, 3, n + 3), shifted);
    }

    @Test
    void theSameMaskWhenThePoolSplitsTheWork() {
        int n = 100_003;
        float[] whole = new float[n];
        Dropout.mask(SEED, 5, 0, 0.25f, whole, 0, n);
        float[] split = new float[n];
        int parts = 7;
        Parallel.run(parts, part -> {
            int from = (int) ((long) n * part / parts);
            int to = (int) ((long) n * (part + 1) / parts);
            Dropout.mask(SEED, 5, from, 0.25f, split, from, to - from);
        });
        assertArrayEquals(whole, split);
    }

    @ParameterizedTest
    @ValueSource(floats = {0.1f, 0.5f, 0.9f})
    void keptFractionAndPairsAreWithinFourStandardDeviations(float p) {
        int n = 1_000_000;
        float[] mask = mask(SEED, 1, p, n);
        int kept = 0;
        int bothKept = 0;
        for (int i = 0; i < n; i++) {
            kept += mask[i] != 0 ? 1 : 0;
            bothKept += i > 0 && mask[i] != 0 && mask[i - 1] != 0 ? 1 : 0;
        }
        double q = 1 - p;
        assertEquals(q, kept / (double) n, 4 * Math.sqrt(p * q / n), "kept fraction");
        // neighbours (which the vector kernel hashes in different long vectors) are independent: both are
        // kept with probability q^2; overlapping pairs share an element, which adds the covariance term
        double variance = q * q * (1 - q * q) + 2 * (q * q * q - q * q * q * q);
        assertEquals(q * q, bothKept / (double) (n - 1), 4 * Math.sqrt(variance / n), "pairs kept");
    }

    @Test
    void zeroProbabilityKeepsEverythingAtScaleOne() {
        float[] mask = mask(SEED, 0, 0f, 1021);
        for (float m : mask) {
            assertEquals(1f, m, 0f);
        }
    }

    static Stream<Arguments> sizes() {
        return Arrays.stream(SIZES).mapToObj(Arguments::of);
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void applyAndBackwardMatchReference(int n) {
        SplittableRandom r = new SplittableRandom(n);
        float[] x = new float[n + 4];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextInt(10) == 0 ? Float.NaN : (float) r.nextDouble(-1e4, 1e4);
        }
        float[] mask = new float[n + 1];
        Dropout.mask(SEED, n, 0, 0.5f, mask, 1, n);
        float[] ref = new float[n + 2];
        float[] got = new float[n + 2];
        ScalarDropout.apply(x, 4, mask, 1, ref, 2, n);
        Dropout.apply(x, 4, mask, 1, got, 2, n);
        assertArrayEquals(ref, got);
        ScalarDropout.backward(x, 3, mask, 1, ref, 1, n);
        Dropout.backward(x, 3, mask, 1, got, 1, n);
        assertArrayEquals(ref, got);
        for (int i = 0; i < n; i++) {
            assertEquals(x[3 + i] * mask[1 + i], got[1 + i], 0f, "dx[" + i + "]");
        }
    }

    @Test
    void nanStaysNanWhereTheMaskIsZeroAndInPlaceWorks() {
        int n = 2 * Species.FLOAT.length() + 3;
        float[] mask = new float[n];
        float[] x = new float[n];
        Arrays.fill(x, Float.NaN);
        Dropout.apply(x, 0, mask, 0, x, 0, n);
        for (float v : x) {
            assertTrue(Float.isNaN(v));
        }
        float[] dy = new float[n];
        Arrays.fill(dy, 2f);
        Arrays.fill(mask, 1.25f);
        Dropout.backward(dy, 0, mask, 0, dy, 0, n);
        for (float v : dy) {
            assertEquals(2.5f, v, 0f);
        }
    }

    static void assertRejects(String expectedInMessage, Executable call) {
        var e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expectedInMessage), e.getMessage());
    }

    @Test
    void badArgumentsNameTheValue() {
        float[] a = new float[10];
        assertRejects("p must be in [0, 1), got 1.0", () -> Dropout.mask(1, 2, 0, 1f, a, 0, 10));
        assertRejects("got -0.1", () -> ScalarDropout.mask(1, 2, 0, -0.1f, a, 0, 10));
        assertRejects("got NaN", () -> Dropout.mask(1, 2, 0, Float.NaN, a, 0, 10));
        assertRejects("got -1", () -> Dropout.mask(1, 2, -1, 0.5f, a, 0, 10));
        assertRejects("got " + (Long.MAX_VALUE - 5), () -> Dropout.mask(1, 2, Long.MAX_VALUE - 5, 0.5f, a, 0, 10));
        assertRejects("mask is null", () -> Dropout.mask(1, 2, 0, 0.5f, null, 0, 10));
        assertRejects("mask needs 10 floats from offset 3", () -> Dropout.mask(1, 2, 0, 0.5f, a, 3, 10));
        assertRejects("n must be >= 0, got -2", () -> Dropout.mask(1, 2, 0, 0.5f, a, 0, -2));
        assertRejects("y [0, 5) partly overlaps x [2, 7)", () -> Dropout.apply(a, 2, new float[5], 0, a, 0, 5));
        assertRejects("dx [0, 5) partly overlaps mask [1, 6)", () -> Dropout.backward(new float[5], 0, a, 1, a, 0, 5));
        assertRejects("dropout backward: dy is null", () -> ScalarDropout.backward(null, 0, a, 0, a, 0, 5));
        assertFalse(Arrays.equals(mask(1, 2, 0.5f, 64), mask(2, 1, 0.5f, 64)), "seed and stream are not symmetric");
    }
}
