package dev.isthmus.blas;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The OpenBLAS library this process uses, found and loaded once.
 *
 * <p>Search order: the path in system property {@value #PATH_PROPERTY} or environment variable
 * {@value #PATH_ENV} (authoritative: if it fails, nothing else is tried, so a misconfiguration is
 * never hidden); the copy bundled on Maven Central ({@link BundledOpenBlas}); a system
 * {@code libopenblas.so.0} found by the dynamic loader. If nothing loads, {@link #symbols} is
 * {@code null}, {@link #failure} says why, and one warning is logged.
 */
final class OpenBlasLibrary {
    static final String PATH_PROPERTY = "isthmus.blas.path";
    static final String PATH_ENV = "ISTHMUS_BLAS";
    static final String CORETYPE_PROPERTY = "isthmus.blas.coretype";
    static final String THREADS_PROPERTY = "isthmus.threads";
    static final String SYSTEM_LIBRARY = "libopenblas.so.0";

    /** Every symbol the bindings call; a library lacking one is rejected at load. */
    static final List<String> REQUIRED_SYMBOLS = List.of(
            "cblas_sgemm", "cblas_sgemv", "cblas_saxpy", "cblas_sdot", "cblas_sscal", "cblas_snrm2",
            "cblas_somatcopy", "openblas_set_num_threads", "openblas_get_num_threads",
            "openblas_get_config", "openblas_get_corename");

    /** Where the loaded library came from. */
    enum Source { PROPERTY, ENVIRONMENT, BUNDLED, SYSTEM }

    private static final System.Logger LOG = System.getLogger("dev.isthmus.blas");

    static final SymbolLookup symbols;
    static final Path path;
    static final Source source;
    static final String failure;

    static {
        Attempt result = load();
        symbols = result.symbols;
        path = result.path;
        source = result.source;
        failure = result.failure;
        if (symbols == null) {
            LOG.log(System.Logger.Level.WARNING,
                    "OpenBLAS not loaded (" + failure + "); the Vector API kernels serve every operation");
        } else {
            LOG.log(System.Logger.Level.DEBUG, "OpenBLAS loaded from " + path + " (" + source + ")");
            applyThreadCount();
        }
    }

    /** One thread setting for the whole library: {@value #THREADS_PROPERTY} sizes OpenBLAS's pool too. */
    private static void applyThreadCount() {
        String threads = System.getProperty(THREADS_PROPERTY);
        if (threads == null || threads.isBlank()) {
            return;
        }
        int n;
        try {
            n = Integer.parseInt(threads.trim());
        } catch (NumberFormatException e) {
            n = 0;
        }
        if (n < 1) {
            LOG.log(System.Logger.Level.WARNING, THREADS_PROPERTY + "=" + threads
                    + " is not a positive whole number; OpenBLAS keeps its default thread count");
            return;
        }
        try {
            downcall("openblas_set_num_threads", FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT), false)
                    .invokeExact(n);
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_set_num_threads(" + n + ") failed", t);
        }
    }

    private record Attempt(SymbolLookup symbols, Path path, Source source, String failure) {
        static Attempt failed(String why) {
            return new Attempt(null, null, null, why);
        }
    }

    private OpenBlasLibrary() {}

    private static Attempt load() {
        pinCoreType();
        String property = System.getProperty(PATH_PROPERTY);
        if (property != null && !property.isBlank()) {
            return loadFile(Path.of(property), Source.PROPERTY, "system property " + PATH_PROPERTY);
        }
        String env = System.getenv(PATH_ENV);
        if (env != null && !env.isBlank()) {
            return loadFile(Path.of(env), Source.ENVIRONMENT, "environment variable " + PATH_ENV);
        }
        StringBuilder why = new StringBuilder();
        if (!BundledOpenBlas.platformSupported()) {
            why.append("the bundled OpenBLAS is for linux-x86_64, this is ")
                    .append(System.getProperty("os.name")).append('-').append(System.getProperty("os.arch"));
        } else if (BundledOpenBlas.version().isEmpty()) {
            why.append("org.bytedeco:openblas:linux-x86_64 is not on the class path");
        } else {
            try {
                Path extracted = BundledOpenBlas.extract(BundledOpenBlas.defaultCacheRoot());
                Attempt bundled = loadFile(extracted, Source.BUNDLED, "the bundled copy");
                if (bundled.symbols != null) {
                    return bundled;
                }
                why.append(bundled.failure);
            } catch (IOException | RuntimeException e) {
                why.append("extracting the bundled OpenBLAS into ")
                        .append(BundledOpenBlas.defaultCacheRoot()).append(" failed: ").append(e);
            }
        }
        try {
            SymbolLookup lookup = SymbolLookup.libraryLookup(SYSTEM_LIBRARY, Arena.global());
            String missing = missingSymbol(lookup);
            if (missing != null) {
                return Attempt.failed(why + "; the system " + SYSTEM_LIBRARY + " lacks " + missing);
            }
            return new Attempt(lookup, mappedPath().orElse(Path.of(SYSTEM_LIBRARY)), Source.SYSTEM, null);
        } catch (IllegalArgumentException e) {
            return Attempt.failed(why + "; no system " + SYSTEM_LIBRARY + " found by the dynamic loader");
        }
    }

    private static Attempt loadFile(Path file, Source source, String origin) {
        if (!Files.isRegularFile(file)) {
            return Attempt.failed(origin + " names " + file + ", which is not a file");
        }
        try {
            SymbolLookup lookup = SymbolLookup.libraryLookup(file, Arena.global());
            String missing = missingSymbol(lookup);
            if (missing != null) {
                return Attempt.failed(origin + " names " + file + ", which lacks the symbol " + missing);
            }
            return new Attempt(lookup, file.toAbsolutePath(), source, null);
        } catch (IllegalArgumentException e) {
            return Attempt.failed(origin + " names " + file + ", which the dynamic loader cannot load: "
                    + e.getMessage());
        }
    }

    private static String missingSymbol(SymbolLookup lookup) {
        for (String name : REQUIRED_SYMBOLS) {
            if (lookup.find(name).isEmpty()) {
                return name;
            }
        }
        return null;
    }

    /**
     * OpenBLAS reads {@code OPENBLAS_CORETYPE} once, when the library is loaded. The property lets a
     * JVM (a JMH fork, a test) choose the kernels without touching its parent's environment:
     * {@code setenv} changes this process's environment just before the load.
     */
    private static void pinCoreType() {
        String core = System.getProperty(CORETYPE_PROPERTY);
        if (core == null || core.isBlank()) {
            return;
        }
        Linker linker = Linker.nativeLinker();
        MethodHandle setenv = linker.downcallHandle(
                linker.defaultLookup().findOrThrow("setenv"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) setenv.invokeExact(arena.allocateFrom("OPENBLAS_CORETYPE"),
                    arena.allocateFrom(core.trim()), 1);
            if (rc != 0) {
                LOG.log(System.Logger.Level.WARNING, "setenv(OPENBLAS_CORETYPE) failed; " + CORETYPE_PROPERTY
                        + "=" + core + " has no effect");
            }
        } catch (Throwable t) {
            throw new IllegalStateException("cannot set OPENBLAS_CORETYPE from " + CORETYPE_PROPERTY, t);
        }
    }

    /** The file the dynamic loader mapped for OpenBLAS, read from {@code /proc/self/maps}. */
    private static Optional<Path> mappedPath() {
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.map(l -> l.substring(l.lastIndexOf(' ') + 1))
                    .filter(p -> p.contains("libopenblas"))
                    .findFirst()
                    .map(Path::of);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A downcall to {@code name}; only called once the library has loaded. */
    static MethodHandle downcall(String name, FunctionDescriptor descriptor, boolean critical) {
        MemorySegment address = symbols.findOrThrow(name);
        return critical
                ? Linker.nativeLinker().downcallHandle(address, descriptor, Linker.Option.critical(true))
                : Linker.nativeLinker().downcallHandle(address, descriptor);
    }
}
