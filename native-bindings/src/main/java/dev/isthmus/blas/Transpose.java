package dev.isthmus.blas;

/** Whether a BLAS routine reads a matrix argument as stored or transposed. */
public enum Transpose {
    NO_TRANS(111),
    TRANS(112);

    /** The value of the matching {@code CBLAS_TRANSPOSE} constant. */
    final int cblas;

    Transpose(int cblas) {
        this.cblas = cblas;
    }
}
