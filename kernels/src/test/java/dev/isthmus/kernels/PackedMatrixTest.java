package dev.isthmus.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PackedMatrixTest {

    /** m from 1 (one-row panel kernel) through 3 and 32 (four-row) to 97 (packed path); n across NC. */
    static Stream<Arguments> shapes() {
        int[][] mnk = {{1, 256, 784}, {1, 10, 128}, {3, 33, 17}, {4, 1021, 300}, {32, 130, 257}, {97, 70, 600},
                       {64, 2100, 40}, {7, 2049, 513}};
        List<Arguments> out = new ArrayList<>();
        for (int[] s : mnk) {
            for (int t = 0; t < 4; t++) {
                out.add(Arguments.of(s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0));
            }
        }
        return out.stream();
    }

    private static float[] random(int length, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextDouble(-1, 1);
        }
        return v;
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("shapes")
    void packedProductMatchesTheReference(int m, int n, int k, boolean ta, boolean tb) {
        int lda = (ta ? m : k) + 1;
        int ldb = (tb ? k : n) + 2;
        float[] a = random(3 + (ta ? k : m) * lda, m);
        float[] b = random(5 + (tb ? n : k) * ldb, n);
        float[] bias = random(n, 7);
        PackedMatrix packed = PackedMatrix.pack(tb, k, n, b, 5, ldb);
        assertEquals(k, packed.rows());
        assertEquals(n, packed.columns());
        java.util.Arrays.fill(b, Float.NaN); // the packed copy must not depend on the source any more
        float[] bCopy = random(5 + (tb ? n : k) * ldb, n);
        int ldc = n + 1;
        float[] ref = random(m * ldc, 9);
        float[] got = ref.clone();
        ScalarGemm.sgemm(ta, tb, m, n, k, 0.75f, a, 3, lda, bCopy, 5, ldb, 0.5f, ref, 0, ldc);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                ref[i * ldc + j] = ScalarActivations.value(Activation.RELU, ref[i * ldc + j] + bias[j]);
            }
        }
        Gemm.sgemm(ta, m, 0.75f, a, 3, lda, packed, 0.5f, got, 0, ldc, bias, 0, Activation.RELU);
        float tolerance = 4e-7f * (k + 2) * 2;
        for (int i = 0; i < got.length; i++) {
            assertEquals(ref[i], got[i], (i % ldc) < n ? tolerance : 0f, "C at " + i);
        }
    }

    @Test
    void packedAndUnpackedPathsAgreeAcrossThreadCounts() {
        int m = 200;
        int n = 300;
        int k = 260;
        float[] a = random(m * k, 1);
        float[] b = random(k * n, 2);
        PackedMatrix packed = PackedMatrix.pack(false, k, n, b, 0, n);
        float[] one = new float[m * n];
        float[] two = new float[m * n];
        VectorGemm.sgemm(false, m, 1f, a, 0, k, packed, 0f, one, 0, n, null, 0, Activation.IDENTITY, 1);
        VectorGemm.sgemm(false, m, 1f, a, 0, k, packed, 0f, two, 0, n, null, 0, Activation.IDENTITY, 2);
        assertArrayEquals(one, two);
        float[] unpacked = new float[m * n];
        VectorGemm.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, unpacked, 0, n, 2);
        assertArrayEquals(unpacked, two, "the packed path must run the same arithmetic as packing per call");
    }

    @Test
    void badArgumentsNameTheValues() {
        var e = assertThrows(IllegalArgumentException.class, () -> PackedMatrix.pack(false, 3, 4, new float[11], 0, 4));
        assertTrue(e.getMessage().contains("11"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PackedMatrix.pack(true, -1, 4, new float[11], 0, 4));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        PackedMatrix p = PackedMatrix.pack(false, 3, 4, new float[12], 0, 4);
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, 2, 1f, new float[5], 0, 3, p, 0f, new float[8], 0, 4, null, 0, Activation.IDENTITY));
        assertTrue(e.getMessage().contains("A"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, 2, 1f, new float[6], 0, 3, null, 0f, new float[8], 0, 4, null, 0, Activation.IDENTITY));
        assertTrue(e.getMessage().contains("null"), e.getMessage());
    }
}
