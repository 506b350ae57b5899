package dev.isthmus.nn;

import dev.isthmus.blas.Blas;
import dev.isthmus.blas.Layout;
import dev.isthmus.blas.Transpose;
import dev.isthmus.kernels.Gemm;
import dev.isthmus.kernels.MatrixMultiply;

import java.util.Locale;
import java.util.logging.Logger;

/**
 * Which implementation runs a layer's matrix products. Every other operation (activations, pooling,
 * normalization, losses, optimizer updates) runs on the Vector API kernels either way.
 *
 * <ul>
 * <li>{@link #VECTOR}: the Vector API kernel ({@link Gemm}).
 * <li>{@link #BLAS}: OpenBLAS through {@link Blas}; when OpenBLAS did not load, the Vector API kernel,
 *     with one log line saying so.
 * <li>{@link #AUTO}: per product, by the crossover measured in bench/RESULTS.md 4.2: the Vector API
 *     kernel for products of at most 32 rows and at least 16 columns (1.3-2.0x OpenBLAS there, a
 *     batch-1 or small-batch layer), OpenBLAS otherwise (0.8-0.9x for the Vector API on
 *     large batches, 0.37x on a 10-wide output layer).
 * </ul>
 *
 * The default comes from the system property {@code isthmus.backend} ({@code vector}, {@code blas}
 * or {@code auto}), else AUTO.
 */
public enum Backend implements MatrixMultiply {
    VECTOR, BLAS, AUTO;

    /** System property naming the default backend. */
    public static final String PROPERTY = "isthmus.backend";

    /** Rows up to which AUTO prefers the Vector API kernel. */
    static final int AUTO_MAX_VECTOR_ROWS = 32;
    /** Columns below which AUTO prefers OpenBLAS. */
    static final int AUTO_MIN_VECTOR_COLUMNS = 16;

    private static final Logger LOG = Logger.getLogger(Backend.class.getName());

    /** The backend {@code isthmus.backend} names, or AUTO when it is unset. */
    public static Backend fromProperty() {
        String v = System.getProperty(PROPERTY);
        return v == null || v.isBlank() ? AUTO : parse(v);
    }

    /**
     * Parses {@code vector}, {@code blas} or {@code auto}, in any case.
     *
     * @throws IllegalArgumentException naming the value and the choices otherwise
     */
    public static Backend parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown backend '" + name + "': expected vector, blas or auto");
        }
    }

    /** True when OpenBLAS loaded, so that BLAS and AUTO can use it. */
    public static boolean blasAvailable() {
        return BlasState.AVAILABLE;
    }

    /** Whether this backend would run an m x n x k product on OpenBLAS. */
    public boolean usesBlas(int m, int n, int k) {
        return switch (this) {
            case VECTOR -> false;
            case BLAS -> BlasState.AVAILABLE;
            case AUTO -> BlasState.AVAILABLE && !(m <= AUTO_MAX_VECTOR_ROWS && n >= AUTO_MIN_VECTOR_COLUMNS);
        };
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc) {
        if (usesBlas(m, n, k)) {
            Blas.sgemm(Layout.ROW_MAJOR, transA ? Transpose.TRANS : Transpose.NO_TRANS,
                    transB ? Transpose.TRANS : Transpose.NO_TRANS, m, n, k, alpha, a, aOff, lda, b, bOff, ldb,
                    beta, c, cOff, ldc);
        } else {
            Gemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /** Loads OpenBLAS on first use of a BLAS product, and says once when it is missing. */
    private static final class BlasState {
        static final boolean AVAILABLE = Blas.available();

        static {
            if (!AVAILABLE) {
                LOG.warning("OpenBLAS is not available (" + Blas.unavailableReason().orElse("unknown reason")
                        + "): the BLAS and AUTO backends run the Vector API kernels");
            }
        }
    }
}
