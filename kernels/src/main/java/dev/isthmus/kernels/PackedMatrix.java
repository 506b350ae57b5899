package dev.isthmus.kernels;

/**
 * The B operand of a GEMM, {@code op(B)} (k x n), packed once for the Vector API kernels: for
 * weights that multiply many inputs, so no call pays for packing or transposing them again.
 *
 * <p>The layout is the one the GEMM builds per call: column blocks of {@code NC} columns, each cut
 * into blocks of {@code KC} rows, each of those a run of panels {@code NR} columns wide (the last
 * zero-padded), row after row. The copy is independent of the source array: later changes to it
 * are not seen. Immutable and safe to share between threads.
 */
public final class PackedMatrix {
    private final int k;
    private final int n;
    final float[] data;

    private PackedMatrix(int k, int n, float[] data) {
        this.k = k;
        this.n = n;
        this.data = data;
    }

    /**
     * Packs {@code op(B)}: B is k x n row-major at {@code bOff} with leading dimension {@code ldb},
     * or n x k when {@code transB} (for example dense weights stored out x in).
     *
     * @throws IllegalArgumentException on a negative size, a short array or a small leading dimension
     */
    public static PackedMatrix pack(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        Check.size("pack", "k", k);
        Check.size("pack", "n", n);
        Check.matrix("pack", "B", transB ? n : k, transB ? k : n, b, bOff, ldb);
        long size = 0;
        for (int jc = 0; jc < n; jc += VectorGemm.NC) {
            size += (long) padded(Math.min(VectorGemm.NC, n - jc)) * k;
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("pack: a packed " + k + "x" + n + " matrix needs " + size
                    + " floats, more than a Java array holds");
        }
        float[] data = new float[(int) size];
        PackedMatrix packed = new PackedMatrix(k, n, data);
        for (int jc = 0; jc < n; jc += VectorGemm.NC) {
            int nc = Math.min(VectorGemm.NC, n - jc);
            for (int pc = 0; pc < k; pc += VectorGemm.KC) {
                int kc = Math.min(VectorGemm.KC, k - pc);
                VectorGemm.packB(transB, b, bOff, ldb, pc, kc, jc, nc, data, packed.offset(jc, pc));
            }
        }
        return packed;
    }

    /** Rows of op(B): the shared dimension k of the product. */
    public int rows() {
        return k;
    }

    /** Columns of op(B): the columns n of C. */
    public int columns() {
        return n;
    }

    /** Where the block of columns from {@code jc} and rows from {@code pc} starts in {@link #data}. */
    int offset(int jc, int pc) {
        // every column block before jc is NC wide, a multiple of NR, so it holds NC * k floats
        return jc * k + pc * padded(Math.min(VectorGemm.NC, n - jc));
    }

    private static int padded(int columns) {
        return (columns + VectorGemm.NR - 1) / VectorGemm.NR * VectorGemm.NR;
    }
}
