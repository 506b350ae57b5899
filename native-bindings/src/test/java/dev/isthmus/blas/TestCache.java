package dev.isthmus.blas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Points this JVM's OpenBLAS cache at a private temporary folder, so that running the tests never
 * writes to (or repairs) the user's real cache in {@code ~/.cache/isthmus}.
 *
 * <p>{@link OpenBlasLibrary} reads {@value BundledOpenBlas#CACHE_PROPERTY} once, in its static
 * initializer, so every test class that touches {@link Blas} calls {@link #isolate()} from its own
 * static initializer, which runs before any of its tests.
 */
final class TestCache {
    private static Path root;

    private TestCache() {}

    static synchronized void isolate() {
        if (root != null || System.getProperty(BundledOpenBlas.CACHE_PROPERTY) != null) {
            return; // already isolated, or the person running the tests chose a cache themselves
        }
        try {
            root = Files.createTempDirectory("isthmus-test-cache-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.setProperty(BundledOpenBlas.CACHE_PROPERTY, root.toString());
        // The extracted library stays mapped until exit; unlinking it then is harmless on Linux.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(root)));
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a leftover temporary folder is harmless
        }
    }
}
