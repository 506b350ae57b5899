package dev.isthmus.bench;

import dev.isthmus.blas.Blas;

/**
 * Pins OpenBLAS inside a JMH fork. The core type must be chosen before the library loads, so the
 * fork sets {@code isthmus.blas.coretype} first and then checks that OpenBLAS really uses it.
 */
final class BlasFork {
    private BlasFork() {}

    static void pin(String coretype, int threads) {
        System.setProperty("isthmus.blas.coretype", coretype);
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
