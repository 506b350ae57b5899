package dev.isthmus.nn.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads Fashion-MNIST (Zalando's 28x28 grey-scale clothing images, 60,000 for training and 10,000
 * for testing, 10 classes) from a directory holding its four original IDX files.
 *
 * <p>On Debian, {@code apt-get install dataset-fashion-mnist} puts them in {@link #DEFAULT_DIR}.
 */
public final class FashionMnist {
    /** Where the Debian package {@code dataset-fashion-mnist} installs the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The name of each class, indexed by label. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private FashionMnist() {}

    /**
     * The training set ({@code train-images-idx3-ubyte.gz}, {@code train-labels-idx1-ubyte.gz}) or
     * the test set ({@code t10k-...}) from {@code dir}, as examples of shape {@code [1, 28, 28]} with
     * pixels in [0, 1] and 10 classes. A decompressed copy without the {@code .gz} suffix is used when
     * the compressed one is absent.
     *
     * @throws NoSuchFileException naming the expected files when one is missing
     */
    public static Dataset load(Path dir, boolean train) throws IOException {
        if (dir == null) {
            throw new IllegalArgumentException("FashionMnist.load: dir is null");
        }
        String prefix = train ? "train" : "t10k";
        String images = prefix + "-images-idx3-ubyte.gz";
        String labels = prefix + "-labels-idx1-ubyte.gz";
        Path imagesFile = find(dir, images);
        Path labelsFile = find(dir, labels);
        if (imagesFile == null || labelsFile == null) {
            throw new NoSuchFileException(dir.toString(), null, "the Fashion-MNIST " + (train ? "training" : "test")
                    + " set needs " + images + " and " + labels + " (or the same without .gz) in this directory; missing: "
                    + (imagesFile == null ? images : "") + (imagesFile == null && labelsFile == null ? ", " : "")
                    + (labelsFile == null ? labels : "")
                    + " (on Debian: apt-get install dataset-fashion-mnist, into " + DEFAULT_DIR + ")");
        }
        return Idx.readImagesAndLabels(imagesFile, labelsFile, CLASS_NAMES.size());
    }

    private static Path find(Path dir, String gzName) {
        Path gz = dir.resolve(gzName);
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path raw = dir.resolve(gzName.substring(0, gzName.length() - ".gz".length()));
        return Files.isRegularFile(raw) ? raw : null;
    }
}
