package dev.isthmus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/** Runs a command line in-process, and makes the small data sets the command tests train on. */
record CommandRun(int code, String out, String err) {
    static CommandRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Isthmus.run(new PrintWriter(out), new PrintWriter(err), args);
        return new CommandRun(code, out.toString(), err.toString());
    }

    CommandRun ok() {
        assertEquals(0, code, "exit code; stderr:\n" + err + "\nstdout:\n" + out);
        return this;
    }

    /** Fails unless the command exited with this code and one stderr line naming each of the words. */
    CommandRun fails(int expected, String... words) {
        assertEquals(expected, code, "exit code; stderr:\n" + err + "\nstdout:\n" + out);
        for (String w : words) {
            assertTrue(err.contains(w), "'" + w + "' missing in stderr:\n" + err);
        }
        assertTrue(err.startsWith("isthmus: ") && err.strip().lines().count() == 1, "not one line:\n" + err);
        return this;
    }

    /**
     * A CSV of {@code rows} examples with 4 features in 3 well separated clusters, the label last,
     * which a small model learns in a few epochs.
     */
    static Path clusters(Path dir, int rows) throws IOException {
        SplittableRandom rng = new SplittableRandom(7);
        StringBuilder b = new StringBuilder("a,b,c,d,label\n");
        for (int i = 0; i < rows; i++) {
            int label = i % 3;
            for (int j = 0; j < 4; j++) {
                double center = j == label ? 4 : 0;
                b.append(String.format(Locale.ROOT, "%.4f,", center + rng.nextGaussian()));
            }
            b.append(label).append('\n');
        }
        Path file = dir.resolve("clusters.csv");
        Files.writeString(file, b);
        return file;
    }

    /** The bundled 6,000-image Fashion-MNIST sample as an IDX directory, so tests never load the full set. */
    static Path sampleDir(Path dir) throws IOException {
        Path sample = Files.createDirectories(dir.resolve("sample"));
        for (String f : new String[] {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
            try (InputStream in = DataSource.class.getResourceAsStream("fashion-mnist-sample/" + f)) {
                Files.copy(in, sample.resolve(f));
            }
        }
        return sample;
    }

    /** The value of a top-level number in JSON text written by {@link Json}. */
    static double number(String json, String key) throws IOException {
        Object root = dev.isthmus.nn.io.Json.parse(json, "output");
        assertTrue(root instanceof java.util.Map<?, ?> m && m.get(key) instanceof dev.isthmus.nn.io.Json.Numeral,
                key + " missing in\n" + json);
        return ((dev.isthmus.nn.io.Json.Numeral) ((java.util.Map<?, ?>) root).get(key)).toDouble();
    }
}
