package dev.isthmus.bench;

import dev.isthmus.blas.Blas;
import dev.isthmus.kernels.Parallel;

/**
 * Pins a JMH fork's OpenBLAS core type and both thread counts (OpenBLAS's and Isthmus's pool).
 * Both are read once, when their classes load, so the fork sets the properties first and then
 * checks that they took effect: a fork that reused an already-loaded library fails loudly.
 */
final class ForkSetup {
    private ForkSetup() {}

    static void pin(String coretype, int threads) {
        System.setProperty("isthmus.blas.coretype", coretype);
        System.setProperty("isthmus.threads", Integer.toString(threads));
        if (Parallel.threads() != threads) {
            throw new IllegalStateException("asked for " + threads + " threads but the pool has " + Parallel.threads()
                    + ": it started before the pin (run with forks, -f 1 or more)");
        }
        if (!Blas.available()) {
            throw new IllegalStateException("OpenBLAS is not available: " + Blas.unavailableReason().orElse("?"));
        }
        String core = Blas.coreName();
        if (!core.equalsIgnoreCase(coretype)) {
            throw new IllegalStateException("asked for OpenBLAS core " + coretype + " but it runs " + core
                    + ": it was loaded before the pin (run with forks, -f 1 or more) or the CPU lacks that core");
        }
        Blas.setThreads(threads);
        System.out.println("# OpenBLAS core " + core + ", " + Blas.threads() + " thread(s), " + Blas.libraryPath().orElseThrow());
    }
}
