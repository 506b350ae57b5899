package dev.isthmus.bench;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.isthmus.blas.Blas;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * Bare downcalls into the OpenBLAS that {@link Blas} loaded, with no checks and no splitting: the
 * baselines that measure what the binding itself costs.
 */
final class RawBlas {
    private static final FunctionDescriptor SGEMM = FunctionDescriptor.ofVoid(
            JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_FLOAT,
            ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT);
    private static final FunctionDescriptor SDOT =
            FunctionDescriptor.of(JAVA_FLOAT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT);

    private RawBlas() {}

    /** {@code cblas_sgemm}; critical calls take heap segments, plain ones only native memory. */
    static MethodHandle sgemm(boolean critical) {
        return handle("cblas_sgemm", SGEMM, critical);
    }

    /** {@code cblas_sdot} as a plain (non-critical) downcall. */
    static MethodHandle sdot() {
        return handle("cblas_sdot", SDOT, false);
    }

    private static MethodHandle handle(String name, FunctionDescriptor descriptor, boolean critical) {
        SymbolLookup lib = SymbolLookup.libraryLookup(Blas.libraryPath().orElseThrow(), Arena.global());
        return critical
                ? Linker.nativeLinker().downcallHandle(lib.findOrThrow(name), descriptor, Linker.Option.critical(true))
                : Linker.nativeLinker().downcallHandle(lib.findOrThrow(name), descriptor);
    }
}
