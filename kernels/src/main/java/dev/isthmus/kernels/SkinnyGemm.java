package dev.isthmus.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM for a few rows of C with B read as stored (row-major k x n), without packing: batch-1 to
 * batch-32 inference and narrow outputs, where packing B would cost more than the product. Each
 * output row is a sum of rows of B weighted by one row of A, so B streams through once per group
 * of rows, a whole cache line at a time; at batch 1 this is the memory-bound GEMV {@code y = x B}.
 *
 * <p>Rows go up to four at a time (a single leftover row has its own kernel); columns in blocks of
 * four vectors ({@link #BLOCK}), then one vector at a time, where p is summed in interleaved chains
 * so that FMA latency does not serialise the loop. Callers split columns only at multiples of
 * {@link #BLOCK}, so a column's block, and with it its summation order, does not depend on the
 * thread count.
 *
 * <p>Each block is a small method of its own, and none uses masks. A method that C1 fails to
 * compile ("out of virtual registers in LIR generator": one big method, or masked vector code)
 * stays at tier 2, never reaches C2, and runs about 50 times slower with every vector boxed.
 */
final class SkinnyGemm {
    private static final VectorSpecies<Float> S = Species.FLOAT;
    private static final int L = S.length();
    /** Columns of one full block of the multi-row kernel. */
    static final int BLOCK = 4 * L;
    /**
     * Columns of one full block of the one-row kernel: sixteen accumulators, so that at batch 1
     * each row of B streams through in runs of a kilobyte. Parallel splits fall on multiples of it
     * (a multiple of {@link #BLOCK} too), so no column's kernel depends on the thread count.
     */
    static final int ROW_BLOCK = 16 * L;
    /** Per-thread lanes of a partial block of columns: up to four rows of one panel. */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[4 * VectorGemm.NR]);
    /** From this many elements of B (2 MiB, the size of L2), one row streams each row of B whole. */
    private static final long STREAM_ELEMENTS = 1L << 19;
    /** Per-thread row of sums for {@link #oneRowStreaming}, grown to the widest B seen. */
    private static final ThreadLocal<float[]> ROW_SUMS = ThreadLocal.withInitial(() -> new float[ROW_BLOCK]);
    /** Per-thread sums of one wide one-row block. */
    private static final ThreadLocal<float[]> WIDE_SCRATCH = ThreadLocal.withInitial(() -> new float[16 * L]);

    private SkinnyGemm() {}

    /** Columns [n0, n1) of {@code C = alpha * op(A) * B + beta * C}; checked by the caller, k >= 1. */
    static void columns(boolean transA, int m, int n0, int n1, int k, float alpha,
                        float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                        float beta, float[] c, int cOff, int ldc) {
        // A's element (i, p) is at a[aOff + i * rowStride + p * pStride]
        int rowStride = transA ? 1 : lda;
        int pStride = transA ? lda : 1;
        for (int i = 0; i < m; i += 4) {
            int rows = Math.min(4, m - i);
            int a0 = aOff + i * rowStride;
            int c0 = cOff + i * ldc;
            if (rows == 1) {
                int j = n0;
                if ((long) k * (n1 - n0) >= STREAM_ELEMENTS) {
                    j = oneRowStreaming(a, a0, pStride, n0, n1, k, alpha, b, bOff, ldb, beta, c, c0);
                }
                for (; j + ROW_BLOCK <= n1; j += ROW_BLOCK) {
                    oneRowWideBlock(a, a0, pStride, j, k, alpha, b, bOff, ldb, beta, c, c0);
                }
                for (; j + BLOCK <= n1; j += BLOCK) {
                    oneRowBlock(a, a0, pStride, j, k, alpha, b, bOff, ldb, beta, c, c0);
                }
                for (; j < n1; j += L) {
                    oneRowVector(a, a0, pStride, j, n1, k, alpha, b, bOff, ldb, beta, c, c0);
                }
            } else {
                // With two or three rows, the missing ones re-read the last real row of A and are
                // never stored: B is the traffic that matters here, not the FMAs.
                int a1 = a0 + rowStride;
                int a2 = rows > 2 ? a1 + rowStride : a1;
                int a3 = rows > 3 ? a2 + rowStride : a2;
                int j = n0;
                for (; j + BLOCK <= n1; j += BLOCK) {
                    fourRowsBlock(rows, a, a0, a1, a2, a3, pStride, j, k, alpha, b, bOff, ldb, beta, c, c0, ldc);
                }
                for (; j < n1; j += L) {
                    fourRowsVector(rows, a, a0, a1, a2, a3, pStride, j, n1, k, alpha, b, bOff, ldb, beta, c, c0, ldc);
                }
            }
        }
    }

    /** Four rows of A (their starts a0..a3) times B, columns [j, j + BLOCK). */
    private static void fourRowsBlock(int rows, float[] a, int a0, int a1, int a2, int a3, int pStride, int j,
                                      int k, float alpha, float[] b, int bOff, int ldb, float beta,
                                      float[] c, int c0, int ldc) {
        FloatVector s00 = FloatVector.zero(S), s01 = FloatVector.zero(S);
        FloatVector s02 = FloatVector.zero(S), s03 = FloatVector.zero(S);
        FloatVector s10 = FloatVector.zero(S), s11 = FloatVector.zero(S);
        FloatVector s12 = FloatVector.zero(S), s13 = FloatVector.zero(S);
        FloatVector s20 = FloatVector.zero(S), s21 = FloatVector.zero(S);
        FloatVector s22 = FloatVector.zero(S), s23 = FloatVector.zero(S);
        FloatVector s30 = FloatVector.zero(S), s31 = FloatVector.zero(S);
        FloatVector s32 = FloatVector.zero(S), s33 = FloatVector.zero(S);
        int bi = bOff + j;
        int ap = 0;
        for (int p = 0; p < k; p++, bi += ldb, ap += pStride) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bi + 3 * L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ap]);
            s00 = x.fma(b0, s00);
            s01 = x.fma(b1, s01);
            s02 = x.fma(b2, s02);
            s03 = x.fma(b3, s03);
            x = FloatVector.broadcast(S, a[a1 + ap]);
            s10 = x.fma(b0, s10);
            s11 = x.fma(b1, s11);
            s12 = x.fma(b2, s12);
            s13 = x.fma(b3, s13);
            x = FloatVector.broadcast(S, a[a2 + ap]);
            s20 = x.fma(b0, s20);
            s21 = x.fma(b1, s21);
            s22 = x.fma(b2, s22);
            s23 = x.fma(b3, s23);
            x = FloatVector.broadcast(S, a[a3 + ap]);
            s30 = x.fma(b0, s30);
            s31 = x.fma(b1, s31);
            s32 = x.fma(b2, s32);
            s33 = x.fma(b3, s33);
        }
        // Stores are written out here: vectors handed to a helper that fails to inline get boxed.
        int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        if (beta == 0) {
            s00.mul(alpha).intoArray(c, c0 + j);
            s01.mul(alpha).intoArray(c, c0 + j + L);
            s02.mul(alpha).intoArray(c, c0 + j + 2 * L);
            s03.mul(alpha).intoArray(c, c0 + j + 3 * L);
            s10.mul(alpha).intoArray(c, c1 + j);
            s11.mul(alpha).intoArray(c, c1 + j + L);
            s12.mul(alpha).intoArray(c, c1 + j + 2 * L);
            s13.mul(alpha).intoArray(c, c1 + j + 3 * L);
            if (rows > 2) {
                s20.mul(alpha).intoArray(c, c2 + j);
                s21.mul(alpha).intoArray(c, c2 + j + L);
                s22.mul(alpha).intoArray(c, c2 + j + 2 * L);
                s23.mul(alpha).intoArray(c, c2 + j + 3 * L);
            }
            if (rows > 3) {
                s30.mul(alpha).intoArray(c, c3 + j);
                s31.mul(alpha).intoArray(c, c3 + j + L);
                s32.mul(alpha).intoArray(c, c3 + j + 2 * L);
                s33.mul(alpha).intoArray(c, c3 + j + 3 * L);
            }
        } else {
            s00.mul(alpha).add(FloatVector.fromArray(S, c, c0 + j).mul(beta)).intoArray(c, c0 + j);
            s01.mul(alpha).add(FloatVector.fromArray(S, c, c0 + j + L).mul(beta)).intoArray(c, c0 + j + L);
            s02.mul(alpha).add(FloatVector.fromArray(S, c, c0 + j + 2 * L).mul(beta)).intoArray(c, c0 + j + 2 * L);
            s03.mul(alpha).add(FloatVector.fromArray(S, c, c0 + j + 3 * L).mul(beta)).intoArray(c, c0 + j + 3 * L);
            s10.mul(alpha).add(FloatVector.fromArray(S, c, c1 + j).mul(beta)).intoArray(c, c1 + j);
            s11.mul(alpha).add(FloatVector.fromArray(S, c, c1 + j + L).mul(beta)).intoArray(c, c1 + j + L);
            s12.mul(alpha).add(FloatVector.fromArray(S, c, c1 + j + 2 * L).mul(beta)).intoArray(c, c1 + j + 2 * L);
            s13.mul(alpha).add(FloatVector.fromArray(S, c, c1 + j + 3 * L).mul(beta)).intoArray(c, c1 + j + 3 * L);
            if (rows > 2) {
                s20.mul(alpha).add(FloatVector.fromArray(S, c, c2 + j).mul(beta)).intoArray(c, c2 + j);
                s21.mul(alpha).add(FloatVector.fromArray(S, c, c2 + j + L).mul(beta)).intoArray(c, c2 + j + L);
                s22.mul(alpha).add(FloatVector.fromArray(S, c, c2 + j + 2 * L).mul(beta)).intoArray(c, c2 + j + 2 * L);
                s23.mul(alpha).add(FloatVector.fromArray(S, c, c2 + j + 3 * L).mul(beta)).intoArray(c, c2 + j + 3 * L);
            }
            if (rows > 3) {
                s30.mul(alpha).add(FloatVector.fromArray(S, c, c3 + j).mul(beta)).intoArray(c, c3 + j);
                s31.mul(alpha).add(FloatVector.fromArray(S, c, c3 + j + L).mul(beta)).intoArray(c, c3 + j + L);
                s32.mul(alpha).add(FloatVector.fromArray(S, c, c3 + j + 2 * L).mul(beta)).intoArray(c, c3 + j + 2 * L);
                s33.mul(alpha).add(FloatVector.fromArray(S, c, c3 + j + 3 * L).mul(beta)).intoArray(c, c3 + j + 3 * L);
            }
        }
    }

    /**
     * Four rows of A times B, columns [j, min(j + L, n1)), without masks: C1 cannot compile masked
     * vector code of this size, and a method it fails on never reaches C2. Full vectors are loaded
     * for every p where one fits in B (lanes past n1 are computed and thrown away); the last p,
     * where a full vector would run past the end of B, are added in scalar; even and odd p run in
     * separate chains so that FMA latency does not serialise the loop.
     */
    private static void fourRowsVector(int rows, float[] a, int a0, int a1, int a2, int a3, int pStride, int j,
                                       int n1, int k, float alpha, float[] b, int bOff, int ldb, float beta,
                                       float[] c, int c0, int ldc) {
        int pVector = vectorRows(bOff + (long) (k - 1) * ldb + n1, bOff + j, ldb, k);
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
        FloatVector s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
        FloatVector t0 = FloatVector.zero(S), t1 = FloatVector.zero(S);
        FloatVector t2 = FloatVector.zero(S), t3 = FloatVector.zero(S);
        int bi = bOff + j;
        int ap = 0;
        int p = 0;
        for (; p + 1 < pVector; p += 2, bi += 2 * ldb, ap += 2 * pStride) {
            FloatVector bv = FloatVector.fromArray(S, b, bi);
            FloatVector bw = FloatVector.fromArray(S, b, bi + ldb);
            s0 = FloatVector.broadcast(S, a[a0 + ap]).fma(bv, s0);
            s1 = FloatVector.broadcast(S, a[a1 + ap]).fma(bv, s1);
            s2 = FloatVector.broadcast(S, a[a2 + ap]).fma(bv, s2);
            s3 = FloatVector.broadcast(S, a[a3 + ap]).fma(bv, s3);
            t0 = FloatVector.broadcast(S, a[a0 + ap + pStride]).fma(bw, t0);
            t1 = FloatVector.broadcast(S, a[a1 + ap + pStride]).fma(bw, t1);
            t2 = FloatVector.broadcast(S, a[a2 + ap + pStride]).fma(bw, t2);
            t3 = FloatVector.broadcast(S, a[a3 + ap + pStride]).fma(bw, t3);
        }
        if (p < pVector) {
            FloatVector bv = FloatVector.fromArray(S, b, bi);
            s0 = FloatVector.broadcast(S, a[a0 + ap]).fma(bv, s0);
            s1 = FloatVector.broadcast(S, a[a1 + ap]).fma(bv, s1);
            s2 = FloatVector.broadcast(S, a[a2 + ap]).fma(bv, s2);
            s3 = FloatVector.broadcast(S, a[a3 + ap]).fma(bv, s3);
            p++;
        }
        float[] sums = SCRATCH.get();
        s0.add(t0).intoArray(sums, 0);
        s1.add(t1).intoArray(sums, L);
        s2.add(t2).intoArray(sums, 2 * L);
        s3.add(t3).intoArray(sums, 3 * L);
        int width = Math.min(L, n1 - j);
        finishLanes(sums, 0, width, a, a0, pStride, p, k, alpha, b, bOff + j, ldb, beta, c, c0 + j);
        finishLanes(sums, L, width, a, a1, pStride, p, k, alpha, b, bOff + j, ldb, beta, c, c0 + ldc + j);
        if (rows > 2) {
            finishLanes(sums, 2 * L, width, a, a2, pStride, p, k, alpha, b, bOff + j, ldb, beta, c, c0 + 2 * ldc + j);
        }
        if (rows > 3) {
            finishLanes(sums, 3 * L, width, a, a3, pStride, p, k, alpha, b, bOff + j, ldb, beta, c, c0 + 3 * ldc + j);
        }
    }

    /** One row of A times B, columns [j, min(j + L, n1)), without masks (see {@link #fourRowsVector}). */
    private static void oneRowVector(float[] a, int a0, int pStride, int j, int n1, int k, float alpha,
                                     float[] b, int bOff, int ldb, float beta, float[] c, int c0) {
        int pVector = vectorRows(bOff + (long) (k - 1) * ldb + n1, bOff + j, ldb, k);
        FloatVector s = FloatVector.zero(S), t = FloatVector.zero(S);
        FloatVector u = FloatVector.zero(S), v = FloatVector.zero(S);
        int bi = bOff + j;
        int ap = a0;
        int p = 0;
        for (; p + 3 < pVector; p += 4, bi += 4 * ldb, ap += 4 * pStride) {
            s = FloatVector.broadcast(S, a[ap]).fma(FloatVector.fromArray(S, b, bi), s);
            t = FloatVector.broadcast(S, a[ap + pStride]).fma(FloatVector.fromArray(S, b, bi + ldb), t);
            u = FloatVector.broadcast(S, a[ap + 2 * pStride]).fma(FloatVector.fromArray(S, b, bi + 2 * ldb), u);
            v = FloatVector.broadcast(S, a[ap + 3 * pStride]).fma(FloatVector.fromArray(S, b, bi + 3 * ldb), v);
        }
        for (; p < pVector; p++, bi += ldb, ap += pStride) {
            s = FloatVector.broadcast(S, a[ap]).fma(FloatVector.fromArray(S, b, bi), s);
        }
        float[] sums = SCRATCH.get();
        s.add(t).add(u.add(v)).intoArray(sums, 0);
        finishLanes(sums, 0, Math.min(L, n1 - j), a, a0, pStride, p, k, alpha, b, bOff + j, ldb, beta, c, c0 + j);
    }

    /**
     * How many rows p of B, from 0, have a full vector at {@code start + p * ldb} before {@code end},
     * the end of the matrix itself. Not the end of the array: the same matrix in a longer buffer
     * must round the same way.
     */
    private static int vectorRows(long end, int start, int ldb, int k) {
        long room = end - start - L;
        return room < 0 ? 0 : (int) Math.min(k, room / ldb + 1);
    }

    /**
     * Finishes {@code width} lanes of one row: adds the terms for p in [p, k) in scalar (rows of
     * B too close to its end for a full vector), then {@code c = alpha * sum + beta * c}.
     */
    private static void finishLanes(float[] sums, int at, int width, float[] a, int aRow, int pStride, int p, int k,
                                    float alpha, float[] b, int bCol, int ldb, float beta, float[] c, int cIdx) {
        for (int q = 0; q < width; q++) {
            float sum = sums[at + q];
            for (int pp = p; pp < k; pp++) {
                sum = Math.fma(a[aRow + pp * pStride], b[bCol + pp * ldb + q], sum);
            }
            float out = alpha * sum;
            c[cIdx + q] = beta == 0 ? out : out + beta * c[cIdx + q];
        }
    }

    /**
     * One row of A times a B beyond L2, whole blocks of [n0, n1): each row of B streams through in
     * one run, into a row of sums held in L1. In runs of a kilobyte, every row of a B this large
     * starts a new page and the hardware prefetcher loses the stream. Each sum is the same chain of
     * FMAs over p as in {@link #oneRowWideBlock}, so the two give the same bits. Returns where the
     * blocks end.
     */
    private static int oneRowStreaming(float[] a, int a0, int pStride, int n0, int n1, int k, float alpha,
                                       float[] b, int bOff, int ldb, float beta, float[] c, int c0) {
        int end = n0 + (n1 - n0) / ROW_BLOCK * ROW_BLOCK;
        int width = end - n0;
        float[] sums = ROW_SUMS.get();
        if (sums.length < width) {
            sums = new float[width];
            ROW_SUMS.set(sums);
        }
        java.util.Arrays.fill(sums, 0, width, 0f);
        for (int p = 0, bi = bOff + n0, ap = a0; p < k; p++, bi += ldb, ap += pStride) {
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            for (int q = 0; q < width; q += L) {
                x.fma(FloatVector.fromArray(S, b, bi + q), FloatVector.fromArray(S, sums, q)).intoArray(sums, q);
            }
        }
        for (int q = 0; q < width; q += L) {
            FloatVector out = FloatVector.fromArray(S, sums, q).mul(alpha);
            if (beta != 0) {
                out = out.add(FloatVector.fromArray(S, c, c0 + n0 + q).mul(beta));
            }
            out.intoArray(c, c0 + n0 + q);
        }
        return end;
    }

    /** One row of A times B, columns [j, j + ROW_BLOCK): sixteen vectors of one row of B per p. */
    private static void oneRowWideBlock(float[] a, int a0, int pStride, int j, int k, float alpha,
                                        float[] b, int bOff, int ldb, float beta, float[] c, int c0) {
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S);
        FloatVector s3 = FloatVector.zero(S), s4 = FloatVector.zero(S), s5 = FloatVector.zero(S);
        FloatVector s6 = FloatVector.zero(S), s7 = FloatVector.zero(S), s8 = FloatVector.zero(S);
        FloatVector s9 = FloatVector.zero(S), s10 = FloatVector.zero(S), s11 = FloatVector.zero(S);
        FloatVector s12 = FloatVector.zero(S), s13 = FloatVector.zero(S), s14 = FloatVector.zero(S);
        FloatVector s15 = FloatVector.zero(S);
        int bi = bOff + j;
        int ap = a0;
        for (int p = 0; p < k; p++, bi += ldb, ap += pStride) {
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            s0 = x.fma(FloatVector.fromArray(S, b, bi), s0);
            s1 = x.fma(FloatVector.fromArray(S, b, bi + L), s1);
            s2 = x.fma(FloatVector.fromArray(S, b, bi + 2 * L), s2);
            s3 = x.fma(FloatVector.fromArray(S, b, bi + 3 * L), s3);
            s4 = x.fma(FloatVector.fromArray(S, b, bi + 4 * L), s4);
            s5 = x.fma(FloatVector.fromArray(S, b, bi + 5 * L), s5);
            s6 = x.fma(FloatVector.fromArray(S, b, bi + 6 * L), s6);
            s7 = x.fma(FloatVector.fromArray(S, b, bi + 7 * L), s7);
            s8 = x.fma(FloatVector.fromArray(S, b, bi + 8 * L), s8);
            s9 = x.fma(FloatVector.fromArray(S, b, bi + 9 * L), s9);
            s10 = x.fma(FloatVector.fromArray(S, b, bi + 10 * L), s10);
            s11 = x.fma(FloatVector.fromArray(S, b, bi + 11 * L), s11);
            s12 = x.fma(FloatVector.fromArray(S, b, bi + 12 * L), s12);
            s13 = x.fma(FloatVector.fromArray(S, b, bi + 13 * L), s13);
            s14 = x.fma(FloatVector.fromArray(S, b, bi + 14 * L), s14);
            s15 = x.fma(FloatVector.fromArray(S, b, bi + 15 * L), s15);
        }
        // through the scratch lanes: sixteen vectors of stores written out would not fit C1
        float[] sums = WIDE_SCRATCH.get();
        s0.intoArray(sums, 0);
        s1.intoArray(sums, L);
        s2.intoArray(sums, 2 * L);
        s3.intoArray(sums, 3 * L);
        s4.intoArray(sums, 4 * L);
        s5.intoArray(sums, 5 * L);
        s6.intoArray(sums, 6 * L);
        s7.intoArray(sums, 7 * L);
        s8.intoArray(sums, 8 * L);
        s9.intoArray(sums, 9 * L);
        s10.intoArray(sums, 10 * L);
        s11.intoArray(sums, 11 * L);
        s12.intoArray(sums, 12 * L);
        s13.intoArray(sums, 13 * L);
        s14.intoArray(sums, 14 * L);
        s15.intoArray(sums, 15 * L);
        for (int q = 0; q < ROW_BLOCK; q += L) {
            FloatVector out = FloatVector.fromArray(S, sums, q).mul(alpha);
            if (beta != 0) {
                out = out.add(FloatVector.fromArray(S, c, c0 + j + q).mul(beta));
            }
            out.intoArray(c, c0 + j + q);
        }
    }

    /** One row of A times B, columns [j, j + BLOCK). */
    private static void oneRowBlock(float[] a, int a0, int pStride, int j, int k, float alpha,
                                    float[] b, int bOff, int ldb, float beta, float[] c, int c0) {
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
        FloatVector s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
        int bi = bOff + j;
        int ap = a0;
        for (int p = 0; p < k; p++, bi += ldb, ap += pStride) {
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            s0 = x.fma(FloatVector.fromArray(S, b, bi), s0);
            s1 = x.fma(FloatVector.fromArray(S, b, bi + L), s1);
            s2 = x.fma(FloatVector.fromArray(S, b, bi + 2 * L), s2);
            s3 = x.fma(FloatVector.fromArray(S, b, bi + 3 * L), s3);
        }
        s0 = s0.mul(alpha);
        s1 = s1.mul(alpha);
        s2 = s2.mul(alpha);
        s3 = s3.mul(alpha);
        if (beta != 0) {
            s0 = s0.add(FloatVector.fromArray(S, c, c0 + j).mul(beta));
            s1 = s1.add(FloatVector.fromArray(S, c, c0 + j + L).mul(beta));
            s2 = s2.add(FloatVector.fromArray(S, c, c0 + j + 2 * L).mul(beta));
            s3 = s3.add(FloatVector.fromArray(S, c, c0 + j + 3 * L).mul(beta));
        }
        s0.intoArray(c, c0 + j);
        s1.intoArray(c, c0 + j + L);
        s2.intoArray(c, c0 + j + 2 * L);
        s3.intoArray(c, c0 + j + 3 * L);
    }

    /**
     * Columns [n0, n1) of {@code C = alpha * op(A) * B + beta * C} with B pre-packed; n0 is a
     * multiple of the panel width. Panels are contiguous, so each p reads two adjacent vectors.
     */
    static void panels(boolean transA, int m, int n0, int n1, float alpha, float[] a, int aOff, int lda,
                       PackedMatrix b, float beta, float[] c, int cOff, int ldc) {
        int rowStride = transA ? 1 : lda;
        int pStride = transA ? lda : 1;
        for (int i = 0; i < m; i += 4) {
            int rows = Math.min(4, m - i);
            int a0 = aOff + i * rowStride;
            int a1 = rows > 1 ? a0 + rowStride : a0;
            int a2 = rows > 2 ? a1 + rowStride : a1;
            int a3 = rows > 3 ? a2 + rowStride : a2;
            for (int j = n0; j < n1; j += VectorGemm.NR) {
                if (rows == 1) {
                    onePanelRow(a, a0, pStride, b, j, n1, alpha, beta, c, cOff + i * ldc);
                } else {
                    fourPanelRows(rows, a, a0, a1, a2, a3, pStride, b, j, n1, alpha, beta, c, cOff + i * ldc, ldc);
                }
            }
        }
    }

    /** Up to four rows of A times the panel of B at column j (two vectors wide). */
    private static void fourPanelRows(int rows, float[] a, int a0, int a1, int a2, int a3, int pStride,
                                      PackedMatrix b, int j, int n1, float alpha, float beta,
                                      float[] c, int c0, int ldc) {
        float[] data = b.data;
        int k = b.rows();
        int jb = j / VectorGemm.NC * VectorGemm.NC;
        FloatVector s00 = FloatVector.zero(S), s01 = FloatVector.zero(S);
        FloatVector s10 = FloatVector.zero(S), s11 = FloatVector.zero(S);
        FloatVector s20 = FloatVector.zero(S), s21 = FloatVector.zero(S);
        FloatVector s30 = FloatVector.zero(S), s31 = FloatVector.zero(S);
        for (int pc = 0; pc < k; pc += VectorGemm.KC) {
            int kc = Math.min(VectorGemm.KC, k - pc);
            int bi = b.offset(jb, pc) + (j - jb) / VectorGemm.NR * kc * VectorGemm.NR;
            int ap = pc * pStride;
            for (int p = 0; p < kc; p++, bi += VectorGemm.NR, ap += pStride) {
                FloatVector b0 = FloatVector.fromArray(S, data, bi);
                FloatVector b1 = FloatVector.fromArray(S, data, bi + L);
                FloatVector x = FloatVector.broadcast(S, a[a0 + ap]);
                s00 = x.fma(b0, s00);
                s01 = x.fma(b1, s01);
                x = FloatVector.broadcast(S, a[a1 + ap]);
                s10 = x.fma(b0, s10);
                s11 = x.fma(b1, s11);
                x = FloatVector.broadcast(S, a[a2 + ap]);
                s20 = x.fma(b0, s20);
                s21 = x.fma(b1, s21);
                x = FloatVector.broadcast(S, a[a3 + ap]);
                s30 = x.fma(b0, s30);
                s31 = x.fma(b1, s31);
            }
        }
        // through the scratch lanes, then only the real rows and columns are written
        float[] sums = SCRATCH.get();
        int nr = VectorGemm.NR;
        s00.intoArray(sums, 0);
        s01.intoArray(sums, L);
        s10.intoArray(sums, nr);
        s11.intoArray(sums, nr + L);
        s20.intoArray(sums, 2 * nr);
        s21.intoArray(sums, 2 * nr + L);
        s30.intoArray(sums, 3 * nr);
        s31.intoArray(sums, 3 * nr + L);
        storeRows(sums, rows, Math.min(nr, n1 - j), alpha, beta, c, c0 + j, ldc);
    }

    /** One row of A times the panel of B at column j, even and odd p in separate chains. */
    private static void onePanelRow(float[] a, int a0, int pStride, PackedMatrix b, int j, int n1,
                                    float alpha, float beta, float[] c, int c0) {
        float[] data = b.data;
        int k = b.rows();
        int jb = j / VectorGemm.NC * VectorGemm.NC;
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
        FloatVector t0 = FloatVector.zero(S), t1 = FloatVector.zero(S);
        for (int pc = 0; pc < k; pc += VectorGemm.KC) {
            int kc = Math.min(VectorGemm.KC, k - pc);
            int bi = b.offset(jb, pc) + (j - jb) / VectorGemm.NR * kc * VectorGemm.NR;
            int ap = a0 + pc * pStride;
            int p = 0;
            for (; p + 1 < kc; p += 2, bi += 2 * VectorGemm.NR, ap += 2 * pStride) {
                FloatVector x = FloatVector.broadcast(S, a[ap]);
                s0 = x.fma(FloatVector.fromArray(S, data, bi), s0);
                s1 = x.fma(FloatVector.fromArray(S, data, bi + L), s1);
                FloatVector y = FloatVector.broadcast(S, a[ap + pStride]);
                t0 = y.fma(FloatVector.fromArray(S, data, bi + VectorGemm.NR), t0);
                t1 = y.fma(FloatVector.fromArray(S, data, bi + VectorGemm.NR + L), t1);
            }
            if (p < kc) {
                FloatVector x = FloatVector.broadcast(S, a[ap]);
                s0 = x.fma(FloatVector.fromArray(S, data, bi), s0);
                s1 = x.fma(FloatVector.fromArray(S, data, bi + L), s1);
            }
        }
        float[] sums = SCRATCH.get();
        s0.add(t0).intoArray(sums, 0);
        s1.add(t1).intoArray(sums, L);
        storeRows(sums, 1, Math.min(VectorGemm.NR, n1 - j), alpha, beta, c, c0 + j, 0);
    }

    /** {@code c = alpha * sum + beta * c} for {@code rows} rows of {@code cols} sums (row stride NR in sums). */
    private static void storeRows(float[] sums, int rows, int cols, float alpha, float beta,
                                  float[] c, int cIdx, int ldc) {
        for (int r = 0; r < rows; r++) {
            int row = cIdx + r * ldc;
            int at = r * VectorGemm.NR;
            for (int q = 0; q < cols; q++) {
                float out = alpha * sums[at + q];
                c[row + q] = beta == 0 ? out : out + beta * c[row + q];
            }
        }
    }
}
