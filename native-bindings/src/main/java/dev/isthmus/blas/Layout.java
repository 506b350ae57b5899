package dev.isthmus.blas;

/** Storage order of a matrix argument; {@link #ROW_MAJOR} is what every Isthmus tensor uses. */
public enum Layout {
    ROW_MAJOR(101),
    COL_MAJOR(102);

    /** The value of the matching {@code CBLAS_ORDER} constant. */
    final int cblas;

    Layout(int cblas) {
        this.cblas = cblas;
    }
}
