package dev.isthmus.blas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The OpenBLAS that ships on Maven Central inside {@code org.bytedeco:openblas} (classifier
 * {@code linux-x86_64}), extracted once per version into a per-user cache.
 *
 * <p>The jar is used only as a carrier of {@code libopenblas.so.0} and the runtime libraries it
 * needs; its JNI side is never extracted. The library's RUNPATH is {@code $ORIGIN}, so putting the
 * four files in one folder is all the dynamic loader needs.
 *
 * <p>Extraction is atomic: files go to a private temporary folder that is renamed into place, so
 * a second JVM starting at the same time either sees no folder or a complete one; the loser of
 * the rename race deletes its copy and uses the winner's.
 */
final class BundledOpenBlas {
    static final String CACHE_PROPERTY = "isthmus.cache.dir";
    static final String RESOURCE_DIR = "org/bytedeco/openblas/linux-x86_64/";
    static final String LIBRARY = "libopenblas.so.0";
    static final List<String> FILES =
            List.of(LIBRARY, "libgfortran.so.5", "libquadmath.so.0", "libgcc_s.so.1");
    private static final String POM_PROPERTIES = "META-INF/maven/org.bytedeco/openblas/pom.properties";

    private BundledOpenBlas() {}

    /** True when this JVM runs where the bundled binaries can load. */
    static boolean platformSupported() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        return os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    /** The cache root: {@code isthmus.cache.dir}, else {@code $XDG_CACHE_HOME/isthmus}, else {@code ~/.cache/isthmus}. */
    static Path defaultCacheRoot() {
        String configured = System.getProperty(CACHE_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "isthmus");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "isthmus");
    }

    /** The bundled version (for example {@code 0.3.31-1.5.13}), or empty when the jar is not on the class path. */
    static Optional<String> version() {
        ClassLoader loader = BundledOpenBlas.class.getClassLoader();
        if (loader.getResource(RESOURCE_DIR + LIBRARY) == null) {
            return Optional.empty();
        }
        try (InputStream in = loader.getResourceAsStream(POM_PROPERTIES)) {
            if (in == null) {
                return Optional.of("unknown");
            }
            Properties p = new Properties();
            p.load(in);
            return Optional.of(p.getProperty("version", "unknown"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + POM_PROPERTIES + " from the class path", e);
        }
    }

    /**
     * Returns the path of {@code libopenblas.so.0} under {@code cacheRoot}, extracting the bundled
     * files first if no complete copy of this version is there.
     *
     * @throws IOException if the cache folder cannot be written or a resource cannot be read
     * @throws IllegalStateException if the bundled jar is not on the class path
     */
    static Path extract(Path cacheRoot) throws IOException {
        String version = version().orElseThrow(() -> new IllegalStateException(
                "org.bytedeco:openblas (classifier linux-x86_64) is not on the class path"));
        Path target = cacheRoot.resolve("openblas-" + version + "-linux-x86_64");
        if (Files.isDirectory(target)) {
            if (complete(target)) {
                return target.resolve(LIBRARY);
            }
            // A copy damaged after the fact (a file deleted or truncated by hand): move it out of
            // the way atomically, then extract afresh.
            Path broken = Files.createTempDirectory(cacheRoot, target.getFileName() + ".broken-");
            Files.delete(broken);
            try {
                Files.move(target, broken, StandardCopyOption.ATOMIC_MOVE);
                deleteTree(broken);
            } catch (java.nio.file.NoSuchFileException raced) {
                // another JVM already moved it
            }
        }
        Files.createDirectories(cacheRoot);
        Path tmp = Files.createTempDirectory(cacheRoot, target.getFileName() + ".tmp-");
        try {
            ClassLoader loader = BundledOpenBlas.class.getClassLoader();
            for (String name : FILES) {
                URL url = loader.getResource(RESOURCE_DIR + name);
                if (url == null) {
                    throw new IOException("the bundled OpenBLAS jar lacks " + RESOURCE_DIR + name);
                }
                try (InputStream in = url.openStream()) {
                    Files.copy(in, tmp.resolve(name));
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException lostRace) {
                // On Linux, rename(2) onto the winner's non-empty folder fails with ENOTEMPTY,
                // which NIO reports as a plain FileSystemException, not DirectoryNotEmptyException.
                if (!Files.isDirectory(target)) {
                    throw lostRace;
                }
                deleteTree(tmp);
            }
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
        if (!complete(target)) {
            throw new IOException("the OpenBLAS cache at " + target + " is incomplete after extraction");
        }
        return target.resolve(LIBRARY);
    }

    /** Every file present with the size of its jar entry. */
    private static boolean complete(Path dir) throws IOException {
        ClassLoader loader = BundledOpenBlas.class.getClassLoader();
        for (String name : FILES) {
            Path file = dir.resolve(name);
            URL url = loader.getResource(RESOURCE_DIR + name);
            if (url == null || !Files.isRegularFile(file)) {
                return false;
            }
            URLConnection connection = url.openConnection();
            long expected = connection.getContentLengthLong();
            if (expected >= 0 && Files.size(file) != expected) {
                return false;
            }
        }
        return true;
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a leftover temporary folder wastes space, nothing more
                }
            });
        } catch (IOException ignored) {
            // best effort, as above
        }
    }
}
