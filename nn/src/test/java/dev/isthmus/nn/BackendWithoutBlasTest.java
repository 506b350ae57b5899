package dev.isthmus.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.optim.Adam;
import dev.isthmus.nn.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without OpenBLAS everything still runs: in a fresh JVM whose {@code isthmus.blas.path} names a
 * missing file (so OpenBLAS cannot load and there is no fallback to the bundled copy), a CNN built
 * with the BLAS and AUTO backends trains, and ends with weights bit-identical to the same model on
 * VECTOR, because all three then run the Vector API kernels.
 */
class BackendWithoutBlasTest {
    private static final long CHILD_TIMEOUT_SECONDS = 120;
    private static final int SAMPLES = 16;
    private static final int CLASSES = 5;
    private static final int STEPS = 8;

    @Test
    void blasAndAutoTrainOnTheVectorKernelsWhenOpenBlasIsMissing(@TempDir Path temp) throws Exception {
        Path missing = temp.resolve("no-such-dir").resolve("libopenblas.so");
        assertFalse(Files.exists(missing));

        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-modules=jdk.incubator.vector");
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xss4m");
        command.add("-Disthmus.blas.path=" + missing);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Child.class.getName());
        Path out = temp.resolve("child.out");
        Path err = temp.resolve("child.err");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        // Only the property decides which library loads, not whoever runs the build.
        builder.environment().remove("ISTHMUS_BLAS");
        builder.environment().remove("OPENBLAS_CORETYPE");

        Process process = builder.start();
        try {
            if (!process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                fail("child JVM did not finish within " + CHILD_TIMEOUT_SECONDS + " s");
            }
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        String stdout = Files.readString(out);
        String stderr = Files.readString(err);
        String report = "exit " + process.exitValue() + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;

        assertEquals(0, process.exitValue(), report);
        assertTrue(stdout.lines().anyMatch("OK"::equals), report);
        String both = stdout + stderr;
        // Backend's one-time java.util.logging warning, with the loader's reason naming the path.
        assertTrue(both.contains("OpenBLAS is not available ("), report);
        assertTrue(both.contains("the BLAS and AUTO backends run the Vector API kernels"), report);
        assertTrue(both.contains(missing.toString()), report);
    }

    /** Runs in the child JVM; exits 1 with a message on the first failed check, prints OK otherwise. */
    public static final class Child {
        public static void main(String[] args) {
            try {
                run();
            } catch (Throwable t) {
                System.out.println("FAILED: " + t);
                t.printStackTrace(System.out);
                System.out.flush();
                System.exit(1);
            }
            System.out.println("OK");
            System.out.flush();
            System.exit(0);
        }

        private static void check(boolean condition, String message) {
            if (!condition) {
                throw new AssertionError(message);
            }
        }

        private static void run() {
            check(!Backend.blasAvailable(), "Backend.blasAvailable() is true although isthmus.blas.path="
                    + System.getProperty("isthmus.blas.path") + " does not exist");
            for (Backend b : Backend.values()) {
                check(!b.usesBlas(64, 64, 64) && !b.usesBlas(1, 5, 64),
                        b + " would run a product on OpenBLAS although it is not available");
            }

            SplittableRandom random = new SplittableRandom(11);
            float[] features = new float[SAMPLES * 8 * 8];
            for (int i = 0; i < features.length; i++) {
                features[i] = (float) random.nextGaussian();
            }
            int[] labels = new int[SAMPLES];
            for (int i = 0; i < SAMPLES; i++) {
                labels[i] = random.nextInt(CLASSES);
            }

            Trained vector = train(Backend.VECTOR, features, labels);
            for (Backend backend : List.of(Backend.BLAS, Backend.AUTO)) {
                Trained t = train(backend, features, labels);
                check(Arrays.equals(lossBits(t.losses), lossBits(vector.losses)),
                        backend + " losses " + Arrays.toString(t.losses) + " differ from VECTOR's "
                                + Arrays.toString(vector.losses));
                check(t.params.size() == vector.params.size(), backend + " has " + t.params.size()
                        + " parameters, VECTOR " + vector.params.size());
                for (int p = 0; p < t.params.size(); p++) {
                    float[] a = t.params.get(p).value();
                    float[] v = vector.params.get(p).value();
                    check(a.length == v.length, backend + " parameter " + t.params.get(p).name() + " has "
                            + a.length + " values, VECTOR " + v.length);
                    for (int i = 0; i < a.length; i++) {
                        check(Float.floatToRawIntBits(a[i]) == Float.floatToRawIntBits(v[i]),
                                backend + " parameter " + t.params.get(p).name() + "[" + i + "] = " + a[i]
                                        + " but VECTOR has " + v[i]);
                    }
                }
                System.out.println(backend + " losses " + Arrays.toString(t.losses));
            }
        }

        private record Trained(double[] losses, List<Parameter> params) {
        }

        private static Trained train(Backend backend, float[] features, int[] labels) {
            Sequential model = Sequential.builder(1, 8, 8).seed(3).backend(backend)
                    .conv2d(4, 3, 1, 1).batchNorm().relu().maxPool2d(2).dense(CLASSES).build();
            Trainer trainer = Trainer.builder(model, new SparseCategoricalCrossEntropy(),
                    new Adam(model.parameters(), 1e-2)).threads(2).build();
            double[] losses = new double[STEPS];
            for (int s = 0; s < STEPS; s++) {
                losses[s] = trainer.step(features, labels, SAMPLES);
                check(Double.isFinite(losses[s]), backend + " loss at step " + s + " is " + losses[s]);
            }
            check(losses[STEPS - 1] < losses[0], backend + " loss did not decrease: " + Arrays.toString(losses));
            return new Trained(losses, model.parameters());
        }

        private static long[] lossBits(double[] losses) {
            return Arrays.stream(losses).mapToLong(Double::doubleToRawLongBits).toArray();
        }
    }
}
