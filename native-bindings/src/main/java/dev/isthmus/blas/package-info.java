/**
 * OpenBLAS bound through the FFM API. {@link dev.isthmus.blas.Blas} is the only entry point: it
 * finds and loads the library once, and every call checks its shapes against the arrays before
 * any native code runs.
 */
package dev.isthmus.blas;
