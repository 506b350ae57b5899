package dev.isthmus.blas;

import java.nio.file.Path;

/**
 * Entry point of the child JVMs started by {@link BundledOpenBlasTest}: reports what {@link Blas}
 * sees in a fresh process, one {@code key=value} per line, and exits 0 unless something other
 * than the expected {@link IllegalStateException} of a missing library goes wrong.
 *
 * <p>Optional argument: a {@link System#currentTimeMillis()} instant to wait for before the first
 * use of {@link Blas}, so that JVMs started together also load the library together.
 */
public final class BlasProbe {
    private BlasProbe() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0) {
            long wait = Long.parseLong(args[0]) - System.currentTimeMillis();
            if (wait > 0) {
                Thread.sleep(wait);
            }
        }
        System.out.println("available=" + Blas.available());
        System.out.println("reason=" + Blas.unavailableReason().orElse(""));
        System.out.println("source=" + Blas.librarySource().orElse(""));
        System.out.println("path=" + Blas.libraryPath().map(Path::toString).orElse(""));
        float[] x = {1, 2, 3, 4};
        float[] y = {5, 6, 7, 8};
        try {
            System.out.println("core=" + Blas.coreName());
        } catch (IllegalStateException e) {
            System.out.println("coreError=" + e.getClass().getSimpleName());
        }
        try {
            System.out.println("sdot=" + Blas.sdot(4, x, 0, 1, y, 0, 1));
        } catch (IllegalStateException e) {
            System.out.println("sdotError=" + e.getClass().getSimpleName());
            System.out.println("sdotMessage=" + e.getMessage());
        }
    }
}
