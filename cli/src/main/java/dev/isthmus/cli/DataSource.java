package dev.isthmus.cli;

import dev.isthmus.nn.data.Csv;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.data.FashionMnist;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * The data a command trains or evaluates on, resolved from {@code --data}, else the environment
 * variable {@code ISTHMUS_DATA}, else {@code fashion-mnist}:
 * <ul>
 * <li>{@code fashion-mnist}: the full set from {@link FashionMnist#DEFAULT_DIR} when installed, else
 *     the 6,000-image real sample bundled in this jar ({@link #sample()} is then true, and commands
 *     say so);
 * <li>a directory: Fashion-MNIST/MNIST-style IDX files ({@code train-images-idx3-ubyte[.gz]} ...);
 * <li>a {@code .csv} file: a header row, numeric features, the label in the column named
 *     {@code label} (or the last column); 20% of its rows, chosen by the seed, become the test set.
 * </ul>
 *
 * @param train       the training set
 * @param test        the test set
 * @param description where the data came from, for reports
 * @param sample      true when the bundled sample stood in for the full Fashion-MNIST
 * @param classNames  a name per class
 */
record DataSource(Dataset train, Dataset test, String description, boolean sample, List<String> classNames) {
    static final String ENV = "ISTHMUS_DATA";
    static final String FASHION_MNIST = "fashion-mnist";
    private static final String SAMPLE = "fashion-mnist-sample/";
    private static final String[] SAMPLE_FILES = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};

    /** The data named by the option, the environment, or the default, in that order. */
    static DataSource resolve(String option, long seed) throws IOException {
        String name = option != null ? option : System.getenv(ENV);
        return load(name == null || name.isBlank() ? FASHION_MNIST : name.trim(), seed);
    }

    static DataSource load(String name, long seed) throws IOException {
        return load(name, seed, FashionMnist.DEFAULT_DIR);
    }

    /** {@link #load(String, long)} with the installed Fashion-MNIST looked for in {@code installed}. */
    static DataSource load(String name, long seed, Path installed) throws IOException {
        if (name.equals(FASHION_MNIST)) {
            if (Files.isDirectory(installed)) {
                return idx(installed, "Fashion-MNIST from " + installed, false, true);
            }
            return idx(extractSample(), "the 6,000-image sample of Fashion-MNIST bundled with Isthmus (5,000 train, "
                    + "1,000 test; install the Debian package dataset-fashion-mnist for the full 70,000)", true, true);
        }
        Path path = Path.of(name);
        if (Files.isDirectory(path)) {
            return idx(path, "IDX files in " + path, false, false);
        }
        if (!Files.exists(path)) {
            throw new NoSuchFileException(name, null, "no such data file or directory (expected " + FASHION_MNIST
                    + ", a directory of IDX files, or a .csv file)");
        }
        if (!name.toLowerCase(Locale.ROOT).endsWith(".csv")) {
            throw new IllegalArgumentException("data " + name + ": expected " + FASHION_MNIST
                    + ", a directory of IDX files, or a .csv file");
        }
        Dataset all = csv(path);
        // split keeps its fraction for training
        Dataset.Split split = all.split(0.8, seed);
        return new DataSource(split.train(), split.validation(), "CSV " + path + " (80% train, 20% test by seed "
                + seed + ")", false, indexNames(all.classes()));
    }

    private static DataSource idx(Path dir, String description, boolean sample, boolean fashion) throws IOException {
        Dataset train = FashionMnist.load(dir, true);
        Dataset test = FashionMnist.load(dir, false);
        List<String> names = fashion ? FashionMnist.CLASS_NAMES : indexNames(train.classes());
        return new DataSource(train, test, description, sample, names);
    }

    /** A CSV file with a {@code label} column, or the label in the last column when there is none. */
    static Dataset csv(Path file) throws IOException {
        String header;
        try (var lines = Files.lines(file)) {
            header = lines.findFirst().orElseThrow(() -> new IllegalArgumentException("CSV " + file + " is empty"));
        }
        String[] columns = header.split(",", -1);
        for (String c : columns) {
            if (c.trim().equalsIgnoreCase("label")) {
                return Csv.read(file, c.trim());
            }
        }
        return Csv.read(file, columns.length - 1);
    }

    static List<String> indexNames(int classes) {
        String[] names = new String[classes];
        for (int i = 0; i < classes; i++) {
            names[i] = Integer.toString(i);
        }
        return List.of(names);
    }

    /** Copies the bundled sample into a fresh temporary directory (2.6 MB), removed when the JVM exits. */
    private static Path extractSample() throws IOException {
        Path dir = Files.createTempDirectory("isthmus-fashion-mnist-sample");
        dir.toFile().deleteOnExit();
        for (String f : SAMPLE_FILES) {
            try (InputStream in = DataSource.class.getResourceAsStream(SAMPLE + f)) {
                if (in == null) {
                    throw new NoSuchFileException(SAMPLE + f, null, "the bundled Fashion-MNIST sample is missing from the jar");
                }
                Path target = dir.resolve(f);
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                target.toFile().deleteOnExit();
            }
        }
        return dir;
    }
}
