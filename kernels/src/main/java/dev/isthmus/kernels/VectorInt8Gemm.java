package dev.isthmus.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels behind {@link Int8Gemm}. There is no int8 dot-product instruction in the
 * Vector API, so the weights widen to float ({@code B2F}: one sign-extension and one conversion)
 * and accumulate with FMA. That is exact: every product is an integer of at most 2^14 in magnitude,
 * so a sum of up to {@link #CHUNK} of them is an integer below 2^24 and every partial sum is a float
 * without rounding. Chunks of p are converted to int and added in int, so the int32 result equals
 * the scalar one for every k, width and split. (Measured on AVX-512 against widening to short
 * with a short multiply, then either converting both halves to int or adding pairs of products
 * of a pair-interleaved B through shifts: the float route was as fast or faster and keeps B
 * row-major.)
 *
 * <p>A single row of A (batch 1) keeps its float sums in registers over a chunk of p: blocks of
 * sixteen, eight, four and one vectors of columns, each row of B read in runs of up to 16 * L
 * bytes. Sums in an L1 array instead (a load and a store per vector per p) made int8 slower than
 * fp32 at batch 1.
 *
 * <p>Several rows of A go four at a time (fewer at the end, the missing rows multiplied by zero); each p
 * streams one row of B through once, a whole column tile of up to {@link #COLS} columns, into four
 * rows of float sums kept in L1. Reading B in long sequential runs matters once B leaves L1: a
 * column-blocked walk that jumps n bytes per p ran several times slower at n = 1024.
 *
 * <p>Threads split the columns in whole tiles of {@link #SPLIT} columns; nothing about a column's
 * result depends on its part, and the sums are exact anyway.
 */
final class VectorInt8Gemm {
    private static final VectorSpecies<Float> F = Species.FLOAT;
    private static final VectorSpecies<Integer> I = Species.INT;
    private static final VectorSpecies<Byte> BF = Species.BYTE_FOR_FLOAT;
    private static final int L = F.length();
    /** Float vectors one byte load widens to (2 only with 128-bit vectors). */
    private static final int PARTS = BF.length() / L;
    private static final int BL = BF.length();
    /** Rows of p summed in float before the sums move to int: 1024 * 2^14 = 2^24. */
    static final int CHUNK = 1024;
    /** Columns of one tile: four rows of float sums and int sums take 32 KB. */
    static final int COLS = 1024;
    /** Columns a parallel part takes at least. */
    private static final int SPLIT = 64;
    /** Below this many multiply-adds a product stays on the calling thread. */
    private static final long PARALLEL_MACS = 1L << 20;
    /** Adding and subtracting it rounds a float of magnitude below 2^22 to an integer, half to even. */
    private static final float ROUNDER = 0x1.8p23f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private static final class Workspace {
        final float[] sums = new float[4 * COLS];
        final int[] acc = new int[4 * COLS];
        /** One chunk of a row of A as floats, for the one-row kernels. */
        final float[] aFloat = new float[CHUNK];
        final Split split = new Split();
    }

    /** A multi-threaded call's arguments, reused per calling thread so calls allocate nothing. */
    private static final class Split implements java.util.function.IntConsumer {
        int parts;
        int units;
        int m;
        byte[] a;
        int aOff;
        int lda;
        Int8Matrix b;
        int[] offset;
        float[] multiplier;
        int outZeroPoint;
        boolean relu;
        byte[] c;
        float[] rowScale;
        int rowScaleOff;
        float[] colScale;
        float[] bias;
        float[] cf;
        int cOff;
        int ldc;

        @Override
        public void accept(int part) {
            int n0 = (int) ((long) units * part / parts) * SPLIT;
            int n1 = Math.min(b.n(), (int) ((long) units * (part + 1) / parts) * SPLIT);
            columns(m, a, aOff, lda, b, n0, n1, offset, multiplier, outZeroPoint, relu, c,
                    rowScale, rowScaleOff, colScale, bias, cf, cOff, ldc);
        }

        void run() {
            try {
                Parallel.run(parts, this);
            } finally {
                a = null;
                b = null;
                offset = null;
                multiplier = null;
                c = null;
                rowScale = null;
                colScale = null;
                bias = null;
                cf = null;
            }
        }
    }

    private VectorInt8Gemm() {}

    /** The product with either epilogue: int8 into c when it is not null, else float into cf. */
    static void gemm(int m, byte[] a, int aOff, int lda, Int8Matrix b, int[] offset, float[] multiplier,
                     int outZeroPoint, boolean relu, byte[] c, float[] rowScale, int rowScaleOff, float[] colScale,
                     float[] bias, float[] cf, int cOff, int ldc, int threads) {
        int n = b.n();
        int units = (n + SPLIT - 1) / SPLIT;
        int parts = (long) m * n * b.k() < PARALLEL_MACS ? 1 : Math.min(threads, units);
        if (parts <= 1) {
            columns(m, a, aOff, lda, b, 0, n, offset, multiplier, outZeroPoint, relu, c,
                    rowScale, rowScaleOff, colScale, bias, cf, cOff, ldc);
            return;
        }
        Split t = WORKSPACE.get().split;
        t.parts = parts;
        t.units = units;
        t.m = m;
        t.a = a;
        t.aOff = aOff;
        t.lda = lda;
        t.b = b;
        t.offset = offset;
        t.multiplier = multiplier;
        t.outZeroPoint = outZeroPoint;
        t.relu = relu;
        t.c = c;
        t.rowScale = rowScale;
        t.rowScaleOff = rowScaleOff;
        t.colScale = colScale;
        t.bias = bias;
        t.cf = cf;
        t.cOff = cOff;
        t.ldc = ldc;
        t.run();
    }

    /**
     * Rows of A per pass over a tile of B. Where one byte load widens to one float vector, every row
     * runs the one-row kernel whose sums stay in registers: streaming B once per row measured faster
     * than the four-row kernel, whose sums go through L1 (Int8GemmBenchmark, 784:1024 at m = 4: 200 us
     * four rows at a time against 4 x 30 us row by row).
     */
    private static final int ROWS_PER_PASS = PARTS == 1 ? 1 : 4;

    /** Columns [n0, n1) of the product, tile by tile, {@link #ROWS_PER_PASS} rows at a time. */
    private static void columns(int m, byte[] a, int aOff, int lda, Int8Matrix b, int n0, int n1, int[] offset,
                                float[] multiplier, int outZeroPoint, boolean relu, byte[] c,
                                float[] rowScale, int rowScaleOff, float[] colScale, float[] bias, float[] cf,
                                int cOff, int ldc) {
        Workspace w = WORKSPACE.get();
        for (int j0 = n0; j0 < n1; j0 += COLS) {
            int width = Math.min(COLS, n1 - j0);
            for (int i = 0; i < m; i += ROWS_PER_PASS) {
                int rows = Math.min(ROWS_PER_PASS, m - i);
                sums(rows, a, aOff + i * lda, lda, b, j0, width, w.sums, w.acc, w.aFloat);
                for (int r = 0; r < rows; r++) {
                    int cRow = cOff + (i + r) * ldc + j0;
                    if (c != null) {
                        requantize(w.acc, r * COLS, width, offset, multiplier, j0, outZeroPoint, relu, c, cRow);
                    } else {
                        dequantize(w.acc, r * COLS, width, offset, rowScale[rowScaleOff + i + r], colScale, bias,
                                j0, relu, cf, cRow);
                    }
                }
            }
        }
    }

    /**
     * The int sums of {@code rows} rows of A (from aRow, stride lda) times columns
     * [j0, j0 + width) of B, into {@code acc[r * COLS + q]}.
     */
    private static void sums(int rows, byte[] a, int aRow, int lda, Int8Matrix b, int j0, int width,
                             float[] sums, int[] acc, float[] aFloat) {
        int k = b.k();
        int n = b.n();
        byte[] data = b.data;
        int vectorWidth = width / BL * BL;
        // only the lanes this call reads: clearing the whole workspace cost more than a small product
        for (int r = 0; r < rows; r++) {
            java.util.Arrays.fill(acc, r * COLS, r * COLS + vectorWidth, 0);
        }
        for (int p0 = 0; p0 < k; p0 += CHUNK) {
            int p1 = Math.min(k, p0 + CHUNK);
            if (vectorWidth > 0 && rows == 1 && PARTS == 1) {
                for (int p = p0; p < p1; p++) {
                    aFloat[p - p0] = a[aRow + p];
                }
                oneRowRegisters(aFloat, p1 - p0, data, p0 * n + j0, n, vectorWidth, sums);
                addAsInts(sums, acc, 0, vectorWidth);
            } else if (vectorWidth > 0) {
                for (int r = 0; r < rows; r++) {
                    java.util.Arrays.fill(sums, r * COLS, r * COLS + vectorWidth, 0f);
                }
                if (rows == 1) {
                    oneRowChunk(a, aRow, p0, p1, data, n, j0, vectorWidth, sums);
                } else {
                    int a1 = aRow + lda;
                    int a2 = rows > 2 ? a1 + lda : -1;
                    int a3 = rows > 3 ? a2 + lda : -1;
                    fourRowsChunk(a, aRow, a1, a2, a3, p0, p1, data, n, j0, vectorWidth, sums);
                }
                for (int r = 0; r < rows; r++) {
                    addAsInts(sums, acc, r * COLS, vectorWidth);
                }
            }
        }
        // scalar tail: columns past the last whole byte vector
        for (int r = 0; r < rows; r++) {
            for (int q = vectorWidth; q < width; q++) {
                int s = 0;
                for (int p = 0, bi = j0 + q, ai = aRow + r * lda; p < k; p++, bi += n, ai++) {
                    s += a[ai] * data[bi];
                }
                acc[r * COLS + q] = s;
            }
        }
    }

    private static void addAsInts(float[] sums, int[] acc, int at, int width) {
        for (int q = at; q < at + width; q += L) {
            IntVector.fromArray(I, acc, q)
                    .add(FloatVector.fromArray(F, sums, q).convertShape(VectorOperators.F2I, I, 0))
                    .intoArray(acc, q);
        }
    }

    /**
     * One row of A over one chunk (its floats aF[0, len)), B's rows from bStart (stride n), columns
     * [0, width) of the tile into sums[0, width) (overwritten). The sums stay in registers across the chunk: blocks of
     * sixteen vectors, then eight, four and one, each a small method of its own (C1 fails on one big
     * method, see {@link SkinnyGemm}). Only with one float vector per byte load ({@code PARTS == 1}).
     */
    private static void oneRowRegisters(float[] aF, int len, byte[] data, int bStart, int n, int width, float[] sums) {
        int q = 0;
        for (; q + 16 * L <= width; q += 16 * L) {
            oneRow16(aF, len, data, bStart + q, n, sums, q);
        }
        for (; q + 8 * L <= width; q += 8 * L) {
            oneRow8(aF, len, data, bStart + q, n, sums, q);
        }
        for (; q + 4 * L <= width; q += 4 * L) {
            oneRow4(aF, len, data, bStart + q, n, sums, q);
        }
        for (; q < width; q += L) {
            oneRow1(aF, len, data, bStart + q, n, sums, q);
        }
    }

    /** Sixteen vectors of columns: each row of B streams through in a run of 16 * L bytes. */
    private static void oneRow16(float[] aF, int len, byte[] data, int bi, int n, float[] sums, int at) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
        FloatVector s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
        FloatVector s4 = FloatVector.zero(F), s5 = FloatVector.zero(F);
        FloatVector s6 = FloatVector.zero(F), s7 = FloatVector.zero(F);
        FloatVector s8 = FloatVector.zero(F), s9 = FloatVector.zero(F);
        FloatVector s10 = FloatVector.zero(F), s11 = FloatVector.zero(F);
        FloatVector s12 = FloatVector.zero(F), s13 = FloatVector.zero(F);
        FloatVector s14 = FloatVector.zero(F), s15 = FloatVector.zero(F);
        for (int p = 0; p < len; p++, bi += n) {
            FloatVector x = FloatVector.broadcast(F, aF[p]);
            s0 = ((FloatVector) ByteVector.fromArray(BF, data, bi)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s0);
            s1 = ((FloatVector) ByteVector.fromArray(BF, data, bi + L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s1);
            s2 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 2 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s2);
            s3 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 3 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s3);
            s4 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 4 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s4);
            s5 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 5 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s5);
            s6 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 6 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s6);
            s7 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 7 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s7);
            s8 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 8 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s8);
            s9 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 9 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s9);
            s10 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 10 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s10);
            s11 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 11 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s11);
            s12 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 12 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s12);
            s13 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 13 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s13);
            s14 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 14 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s14);
            s15 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 15 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s15);
        }
        s0.intoArray(sums, at);
        s1.intoArray(sums, at + L);
        s2.intoArray(sums, at + 2 * L);
        s3.intoArray(sums, at + 3 * L);
        s4.intoArray(sums, at + 4 * L);
        s5.intoArray(sums, at + 5 * L);
        s6.intoArray(sums, at + 6 * L);
        s7.intoArray(sums, at + 7 * L);
        s8.intoArray(sums, at + 8 * L);
        s9.intoArray(sums, at + 9 * L);
        s10.intoArray(sums, at + 10 * L);
        s11.intoArray(sums, at + 11 * L);
        s12.intoArray(sums, at + 12 * L);
        s13.intoArray(sums, at + 13 * L);
        s14.intoArray(sums, at + 14 * L);
        s15.intoArray(sums, at + 15 * L);
    }

    private static void oneRow8(float[] aF, int len, byte[] data, int bi, int n, float[] sums, int at) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
        FloatVector s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
        FloatVector s4 = FloatVector.zero(F), s5 = FloatVector.zero(F);
        FloatVector s6 = FloatVector.zero(F), s7 = FloatVector.zero(F);
        for (int p = 0; p < len; p++, bi += n) {
            FloatVector x = FloatVector.broadcast(F, aF[p]);
            s0 = ((FloatVector) ByteVector.fromArray(BF, data, bi)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s0);
            s1 = ((FloatVector) ByteVector.fromArray(BF, data, bi + L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s1);
            s2 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 2 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s2);
            s3 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 3 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s3);
            s4 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 4 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s4);
            s5 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 5 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s5);
            s6 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 6 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s6);
            s7 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 7 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s7);
        }
        s0.intoArray(sums, at);
        s1.intoArray(sums, at + L);
        s2.intoArray(sums, at + 2 * L);
        s3.intoArray(sums, at + 3 * L);
        s4.intoArray(sums, at + 4 * L);
        s5.intoArray(sums, at + 5 * L);
        s6.intoArray(sums, at + 6 * L);
        s7.intoArray(sums, at + 7 * L);
    }

    private static void oneRow4(float[] aF, int len, byte[] data, int bi, int n, float[] sums, int at) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
        FloatVector s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
        for (int p = 0; p < len; p++, bi += n) {
            FloatVector x = FloatVector.broadcast(F, aF[p]);
            s0 = ((FloatVector) ByteVector.fromArray(BF, data, bi)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s0);
            s1 = ((FloatVector) ByteVector.fromArray(BF, data, bi + L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s1);
            s2 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 2 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s2);
            s3 = ((FloatVector) ByteVector.fromArray(BF, data, bi + 3 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(x, s3);
        }
        s0.intoArray(sums, at);
        s1.intoArray(sums, at + L);
        s2.intoArray(sums, at + 2 * L);
        s3.intoArray(sums, at + 3 * L);
    }

    /** One vector of columns, p in two interleaved chains so FMA latency does not serialise it. */
    private static void oneRow1(float[] aF, int len, byte[] data, int bi, int n, float[] sums, int at) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
        int p = 0;
        for (; p + 1 < len; p += 2, bi += 2 * n) {
            s0 = ((FloatVector) ByteVector.fromArray(BF, data, bi)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.broadcast(F, aF[p]), s0);
            s1 = ((FloatVector) ByteVector.fromArray(BF, data, bi + n)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.broadcast(F, aF[p + 1]), s1);
        }
        if (p < len) {
            s0 = ((FloatVector) ByteVector.fromArray(BF, data, bi)
                    .convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.broadcast(F, aF[p]), s0);
        }
        s0.add(s1).intoArray(sums, at);
    }

    /** One row of A: each row of B in [p0, p1) streams through once into sums[0, width). */
    private static void oneRowChunk(byte[] a, int aRow, int p0, int p1, byte[] data, int n, int j0, int width,
                                    float[] sums) {
        for (int p = p0; p < p1; p++) {
            FloatVector x = FloatVector.broadcast(F, a[aRow + p]);
            int bi = p * n + j0;
            for (int q = 0; q < width; q += BL) {
                ByteVector bytes = ByteVector.fromArray(BF, data, bi + q);
                for (int part = 0; part < PARTS; part++) {
                    FloatVector w = (FloatVector) bytes.convertShape(VectorOperators.B2F, F, part);
                    int s = q + part * L;
                    w.fma(x, FloatVector.fromArray(F, sums, s)).intoArray(sums, s);
                }
            }
        }
    }

    /** Two to four rows of A (a missing row's start is -1: it multiplies by zero into sums never read); B widens once. */
    private static void fourRowsChunk(byte[] a, int a0, int a1, int a2, int a3, int p0, int p1, byte[] data, int n,
                                      int j0, int width, float[] sums) {
        for (int p = p0; p < p1; p++) {
            FloatVector x0 = FloatVector.broadcast(F, a[a0 + p]);
            FloatVector x1 = FloatVector.broadcast(F, a[a1 + p]);
            FloatVector x2 = FloatVector.broadcast(F, a2 < 0 ? 0 : a[a2 + p]);
            FloatVector x3 = FloatVector.broadcast(F, a3 < 0 ? 0 : a[a3 + p]);
            int bi = p * n + j0;
            for (int q = 0; q < width; q += BL) {
                ByteVector bytes = ByteVector.fromArray(BF, data, bi + q);
                for (int part = 0; part < PARTS; part++) {
                    FloatVector w = (FloatVector) bytes.convertShape(VectorOperators.B2F, F, part);
                    int s = q + part * L;
                    w.fma(x0, FloatVector.fromArray(F, sums, s)).intoArray(sums, s);
                    w.fma(x1, FloatVector.fromArray(F, sums, COLS + s)).intoArray(sums, COLS + s);
                    w.fma(x2, FloatVector.fromArray(F, sums, 2 * COLS + s)).intoArray(sums, 2 * COLS + s);
                    w.fma(x3, FloatVector.fromArray(F, sums, 3 * COLS + s)).intoArray(sums, 3 * COLS + s);
                }
            }
        }
    }

    /**
     * The requantizing epilogue of one row: acc[at + q] is column j0 + q; writes c[cRow + q]. The
     * vector lanes compute the scalar formula's operations: the int add, the int-to-float
     * conversion, one multiply, the two compare-and-selects, then rounding by adding and
     * subtracting 1.5 * 2^23 (exact below 2^22, far above the clamped range) read off as int bits.
     */
    private static void requantize(int[] acc, int at, int width, int[] offset, float[] multiplier, int j0,
                                   int outZeroPoint, boolean relu, byte[] c, int cRow) {
        float hi = 127 - outZeroPoint;
        float lo = (relu ? Math.max(outZeroPoint, -128) : -128) - outZeroPoint;
        int vectorWidth = width / L * L;
        for (int q = 0; q < vectorWidth; q += L) {
            IntVector t = IntVector.fromArray(I, acc, at + q);
            if (offset != null) {
                t = t.add(IntVector.fromArray(I, offset, j0 + q));
            }
            FloatVector v = ((FloatVector) t.convertShape(VectorOperators.I2F, F, 0))
                    .mul(FloatVector.fromArray(F, multiplier, j0 + q));
            v = v.blend(lo, v.compare(VectorOperators.GE, lo).not());
            v = v.blend(hi, v.compare(VectorOperators.GT, hi));
            v.add(ROUNDER).reinterpretAsInts().sub(ROUNDER_BITS - outZeroPoint).intoArray(acc, at + q);
        }
        for (int q = 0; q < vectorWidth; q++) {
            c[cRow + q] = (byte) acc[at + q];
        }
        // scalar tail
        for (int q = vectorWidth; q < width; q++) {
            int t = acc[at + q] + (offset == null ? 0 : offset[j0 + q]);
            float v = (float) t * multiplier[j0 + q];
            v = v >= lo ? v : lo;
            v = v <= hi ? v : hi;
            c[cRow + q] = (byte) ((int) Math.rint(v) + outZeroPoint);
        }
    }

    /** The dequantizing epilogue of one row (scale is the row's scale); the scalar formula lane by lane. */
    private static void dequantize(int[] acc, int at, int width, int[] offset, float rowScale, float[] colScale,
                                   float[] bias, int j0, boolean relu, float[] c, int cRow) {
        int vectorWidth = width / L * L;
        for (int q = 0; q < vectorWidth; q += L) {
            IntVector t = IntVector.fromArray(I, acc, at + q);
            if (offset != null) {
                t = t.add(IntVector.fromArray(I, offset, j0 + q));
            }
            FloatVector tf = (FloatVector) t.convertShape(VectorOperators.I2F, F, 0);
            FloatVector s = FloatVector.broadcast(F, rowScale).mul(FloatVector.fromArray(F, colScale, j0 + q));
            FloatVector y = bias == null ? tf.mul(s) : tf.fma(s, FloatVector.fromArray(F, bias, j0 + q));
            if (relu) {
                // y <= 0 ? 0 : y is Math.max(y, 0f): NaN fails the test and stays, -0.0 becomes 0.0
                y = y.blend(0f, y.compare(VectorOperators.LE, 0f));
            }
            y.intoArray(c, cRow + q);
        }
        // scalar tail
        for (int q = vectorWidth; q < width; q++) {
            int t = acc[at + q] + (offset == null ? 0 : offset[j0 + q]);
            float s = rowScale * colScale[j0 + q];
            float y = bias == null ? (float) t * s : Math.fma((float) t, s, bias[j0 + q]);
            c[cRow + q] = relu ? Math.max(y, 0f) : y;
        }
    }
}
