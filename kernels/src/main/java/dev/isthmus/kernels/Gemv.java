package dev.isthmus.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix-vector product, the batch-1 case of a dense layer:
 * {@code y = alpha * op(A) * x + beta * y} with A row-major m x n (leading dimension lda), x and y
 * contiguous (as in BLAS, {@code alpha == 0} reads neither A nor x). At batch 1 the cost is
 * reading A once, so both forms stream it row by row:
 * <ul>
 *   <li>{@code trans = false}: y has m elements, each the dot product of a row of A with x
 *       (weights stored out x in);</li>
 *   <li>{@code trans = true}: y has n elements, the rows of A weighted by x and summed (weights
 *       stored in x out), which is {@link Gemm} with one row.</li>
 * </ul>
 * It runs on the caller's thread, as batch-1 inference should: no hand-off to the pool and no
 * allocation per call. Each element is computed in a fixed order.
 */
public final class Gemv {
    private static final VectorSpecies<Float> S = Species.FLOAT;
    private static final int L = S.length();

    private Gemv() {}

    /**
     * Computes {@code y = alpha * op(A) * x + beta * y}; {@code beta == 0} overwrites y without
     * reading it.
     *
     * @throws IllegalArgumentException on a negative size, a short array, a leading dimension
     *                                  below n, or y overlapping A or x
     */
    public static void sgemv(boolean trans, int m, int n, float alpha, float[] a, int aOff, int lda,
                             float[] x, int xOff, float beta, float[] y, int yOff) {
        product(trans, m, n, alpha, a, aOff, lda, x, xOff, beta, y, yOff, null, 0, Activation.IDENTITY);
    }

    /**
     * The batch-1 layer with a fused epilogue: {@code y = f(alpha * op(A) * x + beta * y + bias)},
     * with {@code bias} (one float per element of y, or null) and f applied by the thread that
     * computed each element.
     */
    public static void sgemv(boolean trans, int m, int n, float alpha, float[] a, int aOff, int lda,
                             float[] x, int xOff, float beta, float[] y, int yOff,
                             float[] bias, int biasOff, Activation activation) {
        Gemm.checkEpilogue("sgemv", trans ? n : m, bias, biasOff, activation);
        if (bias != null) {
            Check.disjoint("sgemv", "y", y, yOff, trans ? n : m, "bias", bias, biasOff, trans ? n : m);
        }
        product(trans, m, n, alpha, a, aOff, lda, x, xOff, beta, y, yOff, bias, biasOff, activation);
    }

    private static void product(boolean trans, int m, int n, float alpha, float[] a, int aOff, int lda,
                                float[] x, int xOff, float beta, float[] y, int yOff,
                                float[] bias, int biasOff, Activation f) {
        Check.size("sgemv", "m", m);
        Check.size("sgemv", "n", n);
        Check.matrix("sgemv", "A", m, n, a, aOff, lda);
        int xLen = trans ? m : n;
        int yLen = trans ? n : m;
        Check.vector("sgemv", "x", xLen, x, xOff);
        Check.vector("sgemv", "y", yLen, y, yOff);
        Check.disjoint("sgemv", "y", y, yOff, yLen, "A", a, aOff, Check.span(m, n, lda));
        Check.disjoint("sgemv", "y", y, yOff, yLen, "x", x, xOff, xLen);
        if (trans) {
            // y^T = x^T A: one row of C = op(A) * B with B = A as stored
            VectorGemm.sgemm(false, false, 1, n, m, alpha, x, xOff, Math.max(1, m), a, aOff, lda, beta, y, yOff,
                    Math.max(1, n), bias, biasOff, f, 1);
            return;
        }
        if (m == 0) {
            return;
        }
        if (n == 0 || alpha == 0) {
            for (int i = 0; i < m; i++) {
                y[yOff + i] = beta == 0 ? 0f : beta * y[yOff + i];
            }
            Activations.biasThenActivation(y, yOff, bias, biasOff, m, f);
            return;
        }
        rows(0, m, n, alpha, a, aOff, lda, x, xOff, beta, y, yOff);
        Activations.biasThenActivation(y, yOff, bias, biasOff, m, f);
    }

    private static void rows(int i0, int i1, int n, float alpha, float[] a, int aOff, int lda,
                             float[] x, int xOff, float beta, float[] y, int yOff) {
        int i = i0;
        for (; i + 4 <= i1; i += 4) {
            fourDots(n, alpha, a, aOff + i * lda, lda, x, xOff, beta, y, yOff + i);
        }
        for (; i < i1; i++) {
            float dot = dot(n, a, aOff + i * lda, x, xOff);
            y[yOff + i] = beta == 0 ? alpha * dot : alpha * dot + beta * y[yOff + i];
        }
    }

    /** Four rows of A against x: eight accumulators, so neither loads nor FMA latency bind. */
    private static void fourDots(int n, float alpha, float[] a, int r0, int lda, float[] x, int xOff,
                                 float beta, float[] y, int yIdx) {
        int r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda;
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
        FloatVector s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
        FloatVector t0 = FloatVector.zero(S), t1 = FloatVector.zero(S);
        FloatVector t2 = FloatVector.zero(S), t3 = FloatVector.zero(S);
        int j = 0;
        for (; j + 2 * L <= n; j += 2 * L) {
            FloatVector xv = FloatVector.fromArray(S, x, xOff + j);
            FloatVector xw = FloatVector.fromArray(S, x, xOff + j + L);
            s0 = FloatVector.fromArray(S, a, r0 + j).fma(xv, s0);
            s1 = FloatVector.fromArray(S, a, r1 + j).fma(xv, s1);
            s2 = FloatVector.fromArray(S, a, r2 + j).fma(xv, s2);
            s3 = FloatVector.fromArray(S, a, r3 + j).fma(xv, s3);
            t0 = FloatVector.fromArray(S, a, r0 + j + L).fma(xw, t0);
            t1 = FloatVector.fromArray(S, a, r1 + j + L).fma(xw, t1);
            t2 = FloatVector.fromArray(S, a, r2 + j + L).fma(xw, t2);
            t3 = FloatVector.fromArray(S, a, r3 + j + L).fma(xw, t3);
        }
        if (j + L <= n) {
            FloatVector xv = FloatVector.fromArray(S, x, xOff + j);
            s0 = FloatVector.fromArray(S, a, r0 + j).fma(xv, s0);
            s1 = FloatVector.fromArray(S, a, r1 + j).fma(xv, s1);
            s2 = FloatVector.fromArray(S, a, r2 + j).fma(xv, s2);
            s3 = FloatVector.fromArray(S, a, r3 + j).fma(xv, s3);
            j += L;
        }
        // the fixed tree of Lanes, written inline: no vector crosses a call
        s0 = s0.add(t0);
        s1 = s1.add(t1);
        s2 = s2.add(t2);
        s3 = s3.add(t3);
        if (L >= 16) {
            s0 = s0.add(s0.rearrange(Lanes.BY_8));
            s1 = s1.add(s1.rearrange(Lanes.BY_8));
            s2 = s2.add(s2.rearrange(Lanes.BY_8));
            s3 = s3.add(s3.rearrange(Lanes.BY_8));
        }
        if (L >= 8) {
            s0 = s0.add(s0.rearrange(Lanes.BY_4));
            s1 = s1.add(s1.rearrange(Lanes.BY_4));
            s2 = s2.add(s2.rearrange(Lanes.BY_4));
            s3 = s3.add(s3.rearrange(Lanes.BY_4));
        }
        s0 = s0.add(s0.rearrange(Lanes.BY_2));
        s1 = s1.add(s1.rearrange(Lanes.BY_2));
        s2 = s2.add(s2.rearrange(Lanes.BY_2));
        s3 = s3.add(s3.rearrange(Lanes.BY_2));
        float d0 = s0.add(s0.rearrange(Lanes.BY_1)).lane(0);
        float d1 = s1.add(s1.rearrange(Lanes.BY_1)).lane(0);
        float d2 = s2.add(s2.rearrange(Lanes.BY_1)).lane(0);
        float d3 = s3.add(s3.rearrange(Lanes.BY_1)).lane(0);
        // scalar tail
        for (; j < n; j++) {
            float xj = x[xOff + j];
            d0 = Math.fma(a[r0 + j], xj, d0);
            d1 = Math.fma(a[r1 + j], xj, d1);
            d2 = Math.fma(a[r2 + j], xj, d2);
            d3 = Math.fma(a[r3 + j], xj, d3);
        }
        if (beta == 0) {
            y[yIdx] = alpha * d0;
            y[yIdx + 1] = alpha * d1;
            y[yIdx + 2] = alpha * d2;
            y[yIdx + 3] = alpha * d3;
        } else {
            y[yIdx] = alpha * d0 + beta * y[yIdx];
            y[yIdx + 1] = alpha * d1 + beta * y[yIdx + 1];
            y[yIdx + 2] = alpha * d2 + beta * y[yIdx + 2];
            y[yIdx + 3] = alpha * d3 + beta * y[yIdx + 3];
        }
    }

    /** One row of A against x, the same arithmetic as one row of {@link #fourDots}. */
    private static float dot(int n, float[] a, int r0, float[] x, int xOff) {
        FloatVector s0 = FloatVector.zero(S), t0 = FloatVector.zero(S);
        int j = 0;
        for (; j + 2 * L <= n; j += 2 * L) {
            s0 = FloatVector.fromArray(S, a, r0 + j).fma(FloatVector.fromArray(S, x, xOff + j), s0);
            t0 = FloatVector.fromArray(S, a, r0 + j + L).fma(FloatVector.fromArray(S, x, xOff + j + L), t0);
        }
        if (j + L <= n) {
            s0 = FloatVector.fromArray(S, a, r0 + j).fma(FloatVector.fromArray(S, x, xOff + j), s0);
            j += L;
        }
        s0 = s0.add(t0);
        if (L >= 16) {
            s0 = s0.add(s0.rearrange(Lanes.BY_8));
        }
        if (L >= 8) {
            s0 = s0.add(s0.rearrange(Lanes.BY_4));
        }
        s0 = s0.add(s0.rearrange(Lanes.BY_2));
        float d = s0.add(s0.rearrange(Lanes.BY_1)).lane(0);
        // scalar tail
        for (; j < n; j++) {
            d = Math.fma(a[r0 + j], x[xOff + j], d);
        }
        return d;
    }
}
