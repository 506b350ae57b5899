package dev.isthmus.blas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Extraction of the bundled OpenBLAS into a cache folder, and library discovery in fresh JVMs.
 * Every test uses its own temporary cache root; the user's cache is never touched.
 */
class BundledOpenBlasTest {
    private static final long CHILD_TIMEOUT_SECONDS = 60;

    /** The jar's bytes of each of the four files, read independently of the code under test. */
    private static final Map<String, byte[]> JAR = new LinkedHashMap<>();
    private static String folderName;

    @BeforeAll
    static void readJarEntries() throws IOException {
        assumeTrue(BundledOpenBlas.platformSupported(), "the bundled OpenBLAS is for linux-x86_64 only");
        for (String name : BundledOpenBlas.FILES) {
            try (InputStream in = BundledOpenBlasTest.class.getClassLoader()
                    .getResourceAsStream(BundledOpenBlas.RESOURCE_DIR + name)) {
                assertTrue(in != null, name + " is not on the test class path");
                JAR.put(name, in.readAllBytes());
            }
        }
        String version = BundledOpenBlas.version().orElseThrow(() -> new AssertionError("no bundled version"));
        assertTrue(version.matches("\\d+\\.\\d+\\.\\d+-\\d+\\.\\d+\\.\\d+"), version);
        folderName = "openblas-" + version + "-linux-x86_64";
    }

    // ------------------------------------------------------------------ helpers

    /** The cache root holds exactly one complete copy of the four files, and nothing else. */
    private static Path assertSingleCompleteCopy(Path root) throws IOException {
        List<String> entries;
        try (Stream<Path> list = Files.list(root)) {
            entries = list.map(p -> p.getFileName().toString()).sorted().toList();
        }
        // Temporary (".tmp-") and quarantined (".broken-") folders must all be gone.
        assertEquals(List.of(folderName), entries, "entries of the cache root " + root);
        Path dir = root.resolve(folderName);
        try (Stream<Path> list = Files.list(dir)) {
            assertEquals(BundledOpenBlas.FILES.stream().sorted().toList(),
                    list.map(p -> p.getFileName().toString()).sorted().toList(), "files in " + dir);
        }
        for (Map.Entry<String, byte[]> e : JAR.entrySet()) {
            Path file = dir.resolve(e.getKey());
            assertEquals(e.getValue().length, Files.size(file), "size of " + file);
        }
        return dir;
    }

    private static void assertSameBytesAsJar(Path dir) throws IOException {
        for (Map.Entry<String, byte[]> e : JAR.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(dir.resolve(e.getKey())), "content of " + e.getKey());
        }
    }

    private record Stamp(FileTime modified, Object fileKey) {
        static Stamp of(Path file) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new Stamp(a.lastModifiedTime(), a.fileKey());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static Map<String, Stamp> stamps(Path dir) {
        Map<String, Stamp> stamps = new HashMap<>();
        for (String name : BundledOpenBlas.FILES) {
            stamps.put(name, Stamp.of(dir.resolve(name)));
        }
        return stamps;
    }

    // ------------------------------------------------------------------ extraction in this JVM

    @Test
    void extractsTheFourFilesOnceAndReusesThem(@TempDir Path temp) throws IOException {
        Path root = temp.resolve("not/yet/there");
        Path library = BundledOpenBlas.extract(root);

        assertEquals(root.resolve(folderName).resolve(BundledOpenBlas.LIBRARY), library);
        Path dir = assertSingleCompleteCopy(root);
        assertSameBytesAsJar(dir);

        Map<String, Stamp> before = stamps(dir);
        assertEquals(library, BundledOpenBlas.extract(root));
        // Same inode and same modification time: the files were neither rewritten nor replaced.
        assertEquals(before, stamps(dir));
        assertSingleCompleteCopy(root);
    }

    enum Damage { DELETE_GFORTRAN, TRUNCATE_GFORTRAN, TRUNCATE_OPENBLAS, EMPTY_FOLDER }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void repairsADamagedCopy(Damage damage, @TempDir Path root) throws IOException {
        Path library = BundledOpenBlas.extract(root);
        Path dir = library.getParent();
        Path gfortran = dir.resolve("libgfortran.so.5");
        switch (damage) {
            case DELETE_GFORTRAN -> Files.delete(gfortran);
            case TRUNCATE_GFORTRAN -> Files.write(gfortran, new byte[1000]);
            case TRUNCATE_OPENBLAS -> Files.write(library, new byte[] {0x7f, 'E', 'L', 'F'});
            case EMPTY_FOLDER -> {
                for (String name : BundledOpenBlas.FILES) {
                    Files.delete(dir.resolve(name));
                }
            }
        }

        assertEquals(library, BundledOpenBlas.extract(root));
        assertSameBytesAsJar(assertSingleCompleteCopy(root));
    }

    @Test
    void concurrentFirstRunsInOneJvmAgreeAndLeaveOneCopy(@TempDir Path root) throws Exception {
        int threads = 8;
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Callable<Path> task = () -> {
                    ready.countDown();
                    go.await();
                    return BundledOpenBlas.extract(root);
                };
                results.add(pool.submit(task));
            }
            assertTrue(ready.await(30, TimeUnit.SECONDS), "threads did not start");
            go.countDown();
            Path expected = root.resolve(folderName).resolve(BundledOpenBlas.LIBRARY);
            List<String> failures = new ArrayList<>();
            for (Future<Path> f : results) {
                try {
                    Path p = f.get(60, TimeUnit.SECONDS);
                    if (!expected.equals(p)) {
                        failures.add("returned " + p);
                    }
                } catch (ExecutionException e) {
                    failures.add(e.getCause().toString());
                }
            }
            assertEquals(List.of(), failures, "every thread must get " + expected);
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
        assertSameBytesAsJar(assertSingleCompleteCopy(root));
    }

    // ------------------------------------------------------------------ fresh JVMs

    private record Child(int exitCode, Map<String, String> values, String stdout, String stderr) {
        String get(String key) {
            return values.getOrDefault(key, "<missing " + key + ">");
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    /** Starts {@link BlasProbe} in a new JVM with the given cache root and extra flags. */
    private static Process startProbe(Path logs, String name, Path cacheRoot, List<String> flags, String... args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xmx64m");
        command.add("-D" + BundledOpenBlas.CACHE_PROPERTY + "=" + cacheRoot);
        command.addAll(flags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(BlasProbe.class.getName());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(logs.resolve(name + ".out").toFile())
                .redirectError(logs.resolve(name + ".err").toFile());
        // The library choice must come from the flags alone, not from whoever runs the build.
        builder.environment().remove("OPENBLAS_CORETYPE");
        builder.environment().remove(OpenBlasLibrary.PATH_ENV);
        return builder.start();
    }

    /** Waits for every process, killing all of them if any outlives the timeout. */
    private static List<Child> await(Path logs, Map<String, Process> processes) throws Exception {
        List<Child> children = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CHILD_TIMEOUT_SECONDS);
            for (Map.Entry<String, Process> e : processes.entrySet()) {
                long left = deadline - System.nanoTime();
                if (!e.getValue().waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                    fail("child JVM " + e.getKey() + " did not finish within " + CHILD_TIMEOUT_SECONDS + " s");
                }
                String out = Files.readString(logs.resolve(e.getKey() + ".out"));
                String err = Files.readString(logs.resolve(e.getKey() + ".err"));
                Map<String, String> values = new HashMap<>();
                out.lines().filter(l -> l.matches("[A-Za-z]+=.*")).forEach(l -> {
                    int eq = l.indexOf('=');
                    values.put(l.substring(0, eq), l.substring(eq + 1));
                });
                children.add(new Child(e.getValue().exitValue(), values, out, err));
            }
        } finally {
            for (Process p : processes.values()) {
                if (p.isAlive()) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
        return children;
    }

    private static Child runProbe(Path temp, Path cacheRoot, String... flags) throws Exception {
        Map<String, Process> one = Map.of("probe", startProbe(temp, "probe", cacheRoot, List.of(flags)));
        return await(temp, one).getFirst();
    }

    private static void assertWorkingBundled(Child c) {
        assertEquals(0, c.exitCode(), c::toString);
        assertEquals("true", c.get("available"), c::toString);
        assertEquals("bundled", c.get("source"), c::toString);
        assertEquals("70.0", c.get("sdot"), c::toString);
        assertFalse(c.get("core").isBlank(), c::toString);
    }

    @Test
    void twoJvmsStartingTogetherShareOneExtraction(@TempDir Path temp) throws Exception {
        Path root = temp.resolve("cache");
        // Both children wait for the same instant before touching Blas, so their extractions race.
        String startAt = Long.toString(System.currentTimeMillis() + 1000);
        Map<String, Process> processes = new LinkedHashMap<>();
        processes.put("first", startProbe(temp, "first", root, List.of(), startAt));
        processes.put("second", startProbe(temp, "second", root, List.of(), startAt));
        List<Child> children = await(temp, processes);

        for (Child c : children) {
            assertWorkingBundled(c);
            assertEquals(root.resolve(folderName).resolve(BundledOpenBlas.LIBRARY).toString(), c.get("path"),
                    c::toString);
        }
        assertEquals(children.get(0).get("core"), children.get(1).get("core"));
        assertSameBytesAsJar(assertSingleCompleteCopy(root));
    }

    @ParameterizedTest
    @CsvSource({"HASWELL, Haswell, avx2", "COOPERLAKE, Cooperlake, avx512_bf16"})
    void coreTypePropertyPinsTheKernels(String coreType, String coreName, String cpuFlag, @TempDir Path temp)
            throws Exception {
        assumeTrue(cpuHas(cpuFlag), "this CPU lacks " + cpuFlag + ", which " + coreName + " kernels need");
        Child c = runProbe(temp, temp.resolve("cache"), "-D" + OpenBlasLibrary.CORETYPE_PROPERTY + "=" + coreType);
        assertWorkingBundled(c);
        assertEquals(coreName, c.get("core"), c::toString);
    }

    private static boolean cpuHas(String flag) throws IOException {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        return Files.isReadable(cpuinfo) && Files.readAllLines(cpuinfo).stream()
                .filter(l -> l.startsWith("flags"))
                .anyMatch(l -> List.of(l.substring(l.indexOf(':') + 1).trim().split("\\s+")).contains(flag));
    }

    @Test
    void aMissingExplicitLibraryMakesBlasUnavailableWithoutFallingBack(@TempDir Path temp) throws Exception {
        Path root = temp.resolve("cache");
        String missing = "/nonexistent/libfoo.so";
        Child c = runProbe(temp, root, "-D" + OpenBlasLibrary.PATH_PROPERTY + "=" + missing);

        assertEquals(0, c.exitCode(), c::toString);
        assertEquals("false", c.get("available"), c::toString);
        assertTrue(c.get("reason").contains(missing), c::toString);
        assertEquals("", c.get("source"), c::toString);
        assertEquals("", c.get("path"), c::toString);
        assertEquals("IllegalStateException", c.get("coreError"), c::toString);
        assertEquals("IllegalStateException", c.get("sdotError"), c::toString);
        assertTrue(c.get("sdotMessage").contains(missing), c::toString);
        // The explicit path is authoritative: the bundled copy was not even extracted.
        assertFalse(Files.exists(root), "the bundled copy was extracted although " + missing + " was requested");
    }

    @Test
    void anExplicitLibraryIsUsedAsGiven(@TempDir Path temp) throws Exception {
        Path library = BundledOpenBlas.extract(temp.resolve("elsewhere"));
        Path root = temp.resolve("cache");
        Child c = runProbe(temp, root, "-D" + OpenBlasLibrary.PATH_PROPERTY + "=" + library);

        assertEquals(0, c.exitCode(), c::toString);
        assertEquals("true", c.get("available"), c::toString);
        assertEquals("property", c.get("source"), c::toString);
        assertEquals(library.toString(), c.get("path"), c::toString);
        assertEquals("70.0", c.get("sdot"), c::toString);
        assertFalse(Files.exists(root), "the bundled copy was extracted although a library was given");
    }

    @Test
    void anUnwritableCacheIsReportedNotThrown(@TempDir Path temp) throws Exception {
        // A regular file where the cache folder should be: extraction must fail cleanly.
        Path root = Files.writeString(temp.resolve("cache"), "not a folder");
        Child c = runProbe(temp, root);

        assertEquals(0, c.exitCode(), c::toString);
        if (c.get("available").equals("true")) {
            // A system libopenblas.so.0 is the documented fallback.
            assertEquals("system", c.get("source"), c::toString);
        } else {
            assertTrue(c.get("reason").contains(root.toString()), c::toString);
            assertEquals("IllegalStateException", c.get("sdotError"), c::toString);
        }
        assertEquals("not a folder", Files.readString(root));
    }
}
