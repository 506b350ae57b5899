package dev.isthmus.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API GEMM, in the BLIS layout: for each block of columns (NC) and of the shared
 * dimension (KC), pack op(B) into panels NR columns wide; for each block of rows (MC), pack op(A)
 * into panels MR rows tall (with A transposed, full panels are read in place instead); then a
 * register-blocked microkernel computes each MR x NR tile of C from one A panel and one B panel
 * and scales it by alpha as it stores.
 *
 * <p>The microkernel keeps MR x 2 accumulator vectors (12 of the 32 registers with AVX-512) plus
 * two B vectors and one broadcast of A. Packing pads edge panels with zeros, so the microkernel
 * always runs full tiles; edge tiles are stored through a small buffer.
 *
 * <p>Work is split statically over {@link Parallel}: along columns of C in whole NR panels, or
 * along rows in whole MR panels when C is tall. A thread computes each of its elements alone,
 * with the same K blocking whatever the thread count, so results do not depend on it.
 */
final class VectorGemm {
    private static final VectorSpecies<Float> S = Species.FLOAT;
    private static final int L = S.length();
    static final int MR = 6;
    static final int NR = 2 * L;
    static final int KC = 256;
    static final int MC = 16 * MR;
    static final int NC = 64 * NR;
    /** Up to this many rows of C with B as stored (or B narrower than a panel), {@link SkinnyGemm} is faster. */
    static final int SKINNY_ROWS = Integer.getInteger("isthmus.gemm.skinnyRows", 32);
    /** Below this many flops a product runs on the calling thread: waking the pool costs more. */
    private static final long PARALLEL_FLOPS = 1L << 22;

    /** Per-thread packing buffers, reused so that steady-state calls allocate nothing. */
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private static final class Workspace {
        final float[] a = new float[MC * KC];
        final float[] b = new float[KC * NC];
        final float[] tile = new float[MR * NR];
        /** The task a multi-threaded call hands to the pool: reused, so such calls allocate nothing either. */
        final Split split = new Split();
    }

    /**
     * One multi-threaded product's arguments and its static split: part p computes units
     * {@code [units * p / parts, units * (p + 1) / parts)}, units being column blocks of
     * {@code block} (few-row kernels) or MR/NR panels (packed kernel). Filled by the calling thread
     * before {@link Parallel#run}, which publishes it to the workers, and cleared after.
     */
    private static final class Split implements java.util.function.IntConsumer {
        boolean skinny;
        boolean byColumns;
        int units;
        int parts;
        int block;
        boolean transA;
        boolean transB;
        int m;
        int n;
        int k;
        float alpha;
        float[] a;
        int aOff;
        int lda;
        float[] b;
        int bOff;
        int ldb;
        PackedMatrix packed;
        float beta;
        float[] c;
        int cOff;
        int ldc;
        float[] bias;
        int biasOff;
        Activation f;

        @Override
        public void accept(int part) {
            int from = (int) ((long) units * part / parts);
            int to = (int) ((long) units * (part + 1) / parts);
            if (skinny) {
                skinny(transA, m, from * block, Math.min(n, to * block), k, alpha, a, aOff, lda, b, bOff, ldb, packed,
                        beta, c, cOff, ldc, bias, biasOff, f);
                return;
            }
            int m0 = byColumns ? 0 : from * MR;
            int m1 = byColumns ? m : Math.min(m, to * MR);
            int n0 = byColumns ? from * NR : 0;
            int n1 = byColumns ? Math.min(n, to * NR) : n;
            region(transA, transB, m0, m1, n0, n1, k, alpha, a, aOff, lda, b, bOff, ldb, packed, beta, c, cOff, ldc);
            epilogue(m0, m1, n0, n1, c, cOff, ldc, bias, biasOff, f);
        }

        void run() {
            try {
                Parallel.run(parts, this);
            } finally {
                a = null;
                b = null;
                packed = null;
                c = null;
                bias = null;
                f = null;
            }
        }
    }

    /** The calling thread's split task with this product's arguments. */
    private static Split split(boolean skinny, boolean byColumns, int units, int parts, int block, boolean transA,
                               boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                               float[] b, int bOff, int ldb, PackedMatrix packed, float beta, float[] c, int cOff,
                               int ldc, float[] bias, int biasOff, Activation f) {
        Split t = WORKSPACE.get().split;
        t.skinny = skinny;
        t.byColumns = byColumns;
        t.units = units;
        t.parts = parts;
        t.block = block;
        t.transA = transA;
        t.transB = transB;
        t.m = m;
        t.n = n;
        t.k = k;
        t.alpha = alpha;
        t.a = a;
        t.aOff = aOff;
        t.lda = lda;
        t.b = b;
        t.bOff = bOff;
        t.ldb = ldb;
        t.packed = packed;
        t.beta = beta;
        t.c = c;
        t.cOff = cOff;
        t.ldc = ldc;
        t.bias = bias;
        t.biasOff = biasOff;
        t.f = f;
        return t;
    }

    private VectorGemm() {}

    /** Splits the product over at most {@code maxThreads} parts (tests vary it; callers pass the pool size). */
    static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc, int maxThreads) {
        sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc,
                null, 0, Activation.IDENTITY, maxThreads);
    }

    /** With the epilogue {@code C = f(C + bias)} applied by each part to what it computed. */
    static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc,
                      float[] bias, int biasOff, Activation f, int maxThreads) {
        product(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, null, beta, c, cOff, ldc,
                bias, biasOff, f, maxThreads);
    }

    /** With B pre-packed: {@code C = f(alpha * op(A) * B + beta * C + bias)}. */
    static void sgemm(boolean transA, int m, float alpha, float[] a, int aOff, int lda, PackedMatrix b,
                      float beta, float[] c, int cOff, int ldc,
                      float[] bias, int biasOff, Activation f, int maxThreads) {
        product(transA, false, m, b.columns(), b.rows(), alpha, a, aOff, lda, null, 0, 0, b, beta, c, cOff, ldc,
                bias, biasOff, f, maxThreads);
    }

    /**
     * Chooses the kernel (no packing for few rows or narrow B, else the packed one) and splits C
     * over the threads; B is {@code b} as stored, or {@code packed} when that is not null.
     */
    private static void product(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                float[] a, int aOff, int lda, float[] b, int bOff, int ldb, PackedMatrix packed,
                                float beta, float[] c, int cOff, int ldc,
                                float[] bias, int biasOff, Activation f, int maxThreads) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0) {
            scale(m, n, beta, c, cOff, ldc);
            epilogue(0, m, 0, n, c, cOff, ldc, bias, biasOff, f);
            return;
        }
        // Batch 1 runs on the caller's thread, as the design has it: no hand-off, and no task object
        // allocated per call. Larger products pay for the pool only when it is worth waking.
        int threads = m == 1 || 2L * m * n * k < PARALLEL_FLOPS ? 1 : maxThreads;
        if (!transB && (m <= SKINNY_ROWS || n < NR)) {
            // splits fall on whole blocks so each column's summation order is fixed
            int block = packed == null ? SkinnyGemm.ROW_BLOCK : NR;
            int units = (n + block - 1) / block;
            int parts = Math.min(threads, units);
            if (parts <= 1) {
                skinny(transA, m, 0, n, k, alpha, a, aOff, lda, b, bOff, ldb, packed, beta, c, cOff, ldc,
                        bias, biasOff, f);
                return;
            }
            split(true, false, units, parts, block, transA, false, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, packed,
                    beta, c, cOff, ldc, bias, biasOff, f).run();
            return;
        }
        boolean byColumns = n >= m || m < 2 * MR * threads;
        int units = byColumns ? (n + NR - 1) / NR : (m + MR - 1) / MR;
        int parts = Math.min(threads, units);
        if (parts <= 1) {
            region(transA, transB, 0, m, 0, n, k, alpha, a, aOff, lda, b, bOff, ldb, packed, beta, c, cOff, ldc);
            epilogue(0, m, 0, n, c, cOff, ldc, bias, biasOff, f);
            return;
        }
        split(false, byColumns, units, parts, 0, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, packed,
                beta, c, cOff, ldc, bias, biasOff, f).run();
    }

    /** Columns [n0, n1) by the kernels without A packing, then the epilogue on them. */
    private static void skinny(boolean transA, int m, int n0, int n1, int k, float alpha,
                               float[] a, int aOff, int lda, float[] b, int bOff, int ldb, PackedMatrix packed,
                               float beta, float[] c, int cOff, int ldc, float[] bias, int biasOff, Activation f) {
        if (packed == null) {
            SkinnyGemm.columns(transA, m, n0, n1, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            SkinnyGemm.panels(transA, m, n0, n1, alpha, a, aOff, lda, packed, beta, c, cOff, ldc);
        }
        epilogue(0, m, n0, n1, c, cOff, ldc, bias, biasOff, f);
    }

    /** {@code C = f(C + bias)} over rows [m0, m1) and columns [n0, n1); nothing when there is no epilogue. */
    private static void epilogue(int m0, int m1, int n0, int n1, float[] c, int cOff, int ldc,
                                 float[] bias, int biasOff, Activation f) {
        if (bias == null && f.kind() == Activation.Kind.IDENTITY) {
            return;
        }
        for (int i = m0; i < m1; i++) {
            Activations.biasThenActivation(c, cOff + i * ldc + n0, bias, biasOff + n0, n1 - n0, f);
        }
    }

    /** {@code C = beta * C} over the whole m x n window; beta == 0 writes zeros without reading. */
    private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0) {
                java.util.Arrays.fill(c, row, row + n, 0f);
            } else if (beta != 1) {
                for (int j = 0; j < n; j++) {
                    c[row + j] *= beta;
                }
            }
        }
    }

    /**
     * One thread's share: rows [m0, m1) and columns [n0, n1) of C. Column blocks follow the global
     * NC grid, so a share that starts inside one lines up with a {@link PackedMatrix}; B comes from
     * {@code packed} when given, else it is packed here.
     */
    private static void region(boolean transA, boolean transB, int m0, int m1, int n0, int n1, int k, float alpha,
                               float[] a, int aOff, int lda, float[] b, int bOff, int ldb, PackedMatrix packed,
                               float beta, float[] c, int cOff, int ldc) {
        Workspace ws = WORKSPACE.get();
        if (beta != 0 && beta != 1) {
            scale(m1 - m0, n1 - n0, beta, c, cOff + m0 * ldc + n0, ldc);
        }
        for (int jb = n0 / NC * NC; jb < n1; jb += NC) {
            int jc = Math.max(n0, jb);
            int nc = Math.min(n1, jb + NC) - jc;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float[] bp;
                int bBase;
                if (packed == null) {
                    packB(transB, b, bOff, ldb, pc, kc, jc, nc, ws.b, 0);
                    bp = ws.b;
                    bBase = 0;
                } else {
                    bp = packed.data;
                    bBase = packed.offset(jb, pc) + (jc - jb) / NR * kc * NR;
                }
                boolean overwrite = pc == 0 && beta == 0;
                for (int ic = m0; ic < m1; ic += MC) {
                    int mc = Math.min(MC, m1 - ic);
                    packA(transA, a, aOff, lda, ic, mc, pc, kc, ws.a);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int cols = Math.min(NR, nc - jr);
                        int bPanel = bBase + (jr / NR) * kc * NR;
                        for (int ir = 0; ir < mc; ir += MR) {
                            int rows = Math.min(MR, mc - ir);
                            // A transposed: a full panel's MR values for each p are contiguous in A
                            // itself, so the kernel reads them in place; other panels were packed.
                            boolean inPlace = transA && rows == MR;
                            float[] ap = inPlace ? a : ws.a;
                            int aIdx = inPlace ? aOff + pc * lda + ic + ir : (ir / MR) * kc * MR;
                            int aStride = inPlace ? lda : MR;
                            int cIdx = cOff + (ic + ir) * ldc + jc + jr;
                            if (rows == MR && cols == NR) {
                                kernel(ap, aIdx, aStride, bp, bPanel, kc, alpha, c, cIdx, ldc, overwrite);
                            } else {
                                java.util.Arrays.fill(ws.tile, 0f);
                                kernel(ap, aIdx, aStride, bp, bPanel, kc, alpha, ws.tile, 0, NR, true);
                                storeEdge(ws.tile, rows, cols, c, cIdx, ldc, overwrite);
                            }
                        }
                    }
                }
            }
        }
    }

    private static void storeEdge(float[] tile, int rows, int cols, float[] c, int cIdx, int ldc, boolean overwrite) {
        for (int r = 0; r < rows; r++) {
            int row = cIdx + r * ldc;
            for (int j = 0; j < cols; j++) {
                c[row + j] = overwrite ? tile[r * NR + j] : c[row + j] + tile[r * NR + j];
            }
        }
    }

    /**
     * Packs rows [ic, ic + mc) and columns [pc, pc + kc) of op(A) into panels of MR rows: panel r
     * holds, for each p, the MR values of column p (zeros past the last row). With A transposed,
     * only a ragged last panel is packed: the kernel reads full panels in place.
     */
    private static void packA(boolean transA, float[] a, int aOff, int lda, int ic, int mc, int pc, int kc,
                              float[] dst) {
        for (int ir = transA ? mc - mc % MR : 0; ir < mc; ir += MR) {
            int rows = Math.min(MR, mc - ir);
            int panel = (ir / MR) * kc * MR;
            if (transA) {
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (pc + p) * lda + ic + ir;
                    int d = panel + p * MR;
                    for (int r = 0; r < MR; r++) {
                        dst[d + r] = r < rows ? a[src + r] : 0f;
                    }
                }
            } else {
                for (int r = 0; r < MR; r++) {
                    if (r < rows) {
                        int src = aOff + (ic + ir + r) * lda + pc;
                        for (int p = 0; p < kc; p++) {
                            dst[panel + p * MR + r] = a[src + p];
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            dst[panel + p * MR + r] = 0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * Packs rows [pc, pc + kc) and columns [jc, jc + nc) of op(B) into panels of NR columns:
     * panel j holds, for each p, the NR values of row p (zeros past the last column).
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc,
                      float[] dst, int dstOff) {
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            int panel = dstOff + (jr / NR) * kc * NR;
            if (transB) {
                // B is stored n x k: a column of op(B) is contiguous. Four at a time give four
                // independent read streams and adjacent writes.
                int j = 0;
                for (; j + 4 <= cols; j += 4) {
                    int s0 = bOff + (jc + jr + j) * ldb + pc;
                    int s1 = s0 + ldb, s2 = s1 + ldb, s3 = s2 + ldb;
                    for (int p = 0, d = panel + j; p < kc; p++, d += NR) {
                        dst[d] = b[s0 + p];
                        dst[d + 1] = b[s1 + p];
                        dst[d + 2] = b[s2 + p];
                        dst[d + 3] = b[s3 + p];
                    }
                }
                for (; j < NR; j++) {
                    int src = bOff + (jc + jr + j) * ldb + pc;
                    for (int p = 0, d = panel + j; p < kc; p++, d += NR) {
                        dst[d] = j < cols ? b[src + p] : 0f;
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (pc + p) * ldb + jc + jr;
                    int d = panel + p * NR;
                    System.arraycopy(b, src, dst, d, cols);
                    if (cols < NR) {
                        java.util.Arrays.fill(dst, d + cols, d + NR, 0f);
                    }
                }
            }
        }
    }

    /**
     * The microkernel: the MR x NR tile at {@code c[cIdx]} (row stride {@code ldc}) gets, or adds,
     * alpha times the product of an A panel (MR values every {@code aStride} floats, kc times) and
     * a packed B panel (kc x NR).
     */
    private static void kernel(float[] ap, int aIdx, int aStride, float[] bp, int bIdx, int kc, float alpha,
                               float[] c, int cIdx, int ldc, boolean overwrite) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bIdx);
            FloatVector b1 = FloatVector.fromArray(S, bp, bIdx + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[aIdx]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[aIdx + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[aIdx + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[aIdx + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[aIdx + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[aIdx + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            aIdx += aStride;
            bIdx += NR;
        }
        c00 = c00.mul(alpha);
        c01 = c01.mul(alpha);
        c10 = c10.mul(alpha);
        c11 = c11.mul(alpha);
        c20 = c20.mul(alpha);
        c21 = c21.mul(alpha);
        c30 = c30.mul(alpha);
        c31 = c31.mul(alpha);
        c40 = c40.mul(alpha);
        c41 = c41.mul(alpha);
        c50 = c50.mul(alpha);
        c51 = c51.mul(alpha);
        // Stores are written out here rather than in a helper: a helper that fails to inline (the
        // loop above uses up C2's budget) makes every accumulator a heap-allocated box.
        int c1 = cIdx + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
        if (!overwrite) {
            c00 = c00.add(FloatVector.fromArray(S, c, cIdx));
            c01 = c01.add(FloatVector.fromArray(S, c, cIdx + L));
            c10 = c10.add(FloatVector.fromArray(S, c, c1));
            c11 = c11.add(FloatVector.fromArray(S, c, c1 + L));
            c20 = c20.add(FloatVector.fromArray(S, c, c2));
            c21 = c21.add(FloatVector.fromArray(S, c, c2 + L));
            c30 = c30.add(FloatVector.fromArray(S, c, c3));
            c31 = c31.add(FloatVector.fromArray(S, c, c3 + L));
            c40 = c40.add(FloatVector.fromArray(S, c, c4));
            c41 = c41.add(FloatVector.fromArray(S, c, c4 + L));
            c50 = c50.add(FloatVector.fromArray(S, c, c5));
            c51 = c51.add(FloatVector.fromArray(S, c, c5 + L));
        }
        c00.intoArray(c, cIdx);
        c01.intoArray(c, cIdx + L);
        c10.intoArray(c, c1);
        c11.intoArray(c, c1 + L);
        c20.intoArray(c, c2);
        c21.intoArray(c, c2 + L);
        c30.intoArray(c, c3);
        c31.intoArray(c, c3 + L);
        c40.intoArray(c, c4);
        c41.intoArray(c, c4 + L);
        c50.intoArray(c, c5);
        c51.intoArray(c, c5 + L);
    }
}
