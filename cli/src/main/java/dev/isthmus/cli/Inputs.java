package dev.isthmus.cli;

import dev.isthmus.nn.Shape;
import dev.isthmus.nn.data.Idx;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Unlabelled examples to predict, read from an IDX images file (raw or gzip), a CSV file of feature
 * rows (a header row; a column named {@code label} is ignored) or a PNG/JPEG image (made grey-scale
 * and resized to the model's image size, pixels scaled to [0, 1] like the IDX readers do).
 *
 * @param values    the examples' features, row-major
 * @param rows      how many examples
 * @param rowShape  the shape of one example
 */
record Inputs(float[] values, int rows, int[] rowShape) {

    /**
     * Reads {@code file}; {@code modelInput} gives the size an image is resized to.
     *
     * @throws NoSuchFileException when the file does not exist
     * @throws IOException         naming the file, line or value when it cannot be read
     */
    static Inputs read(Path file, Shape modelInput) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such input file");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return csv(file);
        }
        if (name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg")) {
            return image(file, modelInput);
        }
        return idx(file);
    }

    private static Inputs idx(Path file) throws IOException {
        Idx.UnsignedBytes x = Idx.read(file);
        int[] dims = x.dimensions();
        if (dims.length != 3 && dims.length != 2) {
            throw new IOException(file + ": expected an IDX images file (count, rows, columns) or rows of "
                    + "features (count, features), got dimensions " + Arrays.toString(dims));
        }
        float[] v = new float[x.values().length];
        for (int i = 0; i < v.length; i++) {
            v[i] = x.get(i) / 255f;
        }
        int[] shape = dims.length == 3 ? new int[] {1, dims[1], dims[2]} : new int[] {dims[1]};
        return new Inputs(v, dims[0], shape);
    }

    private static Inputs csv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        if (lines.isEmpty()) {
            throw new IOException(file + ": empty CSV file; expected a header row and rows of features");
        }
        String[] header = lines.getFirst().split(",", -1);
        int label = -1;
        for (int c = 0; c < header.length; c++) {
            if (header[c].trim().equalsIgnoreCase("label")) {
                label = c;
            }
        }
        int features = header.length - (label >= 0 ? 1 : 0);
        List<float[]> rows = new ArrayList<>();
        for (int l = 1; l < lines.size(); l++) {
            String line = lines.get(l);
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            if (cells.length != header.length) {
                throw new IOException(file + ": line " + (l + 1) + " has " + cells.length + " columns, the header "
                        + header.length);
            }
            float[] row = new float[features];
            for (int c = 0, j = 0; c < cells.length; c++) {
                if (c == label) {
                    continue;
                }
                try {
                    row[j] = Float.parseFloat(cells[c].trim());
                } catch (NumberFormatException e) {
                    throw new IOException(file + ": line " + (l + 1) + ", column " + header[c].trim() + ": '"
                            + cells[c].trim() + "' is not a number");
                }
                if (!Float.isFinite(row[j])) {
                    throw new IOException(file + ": line " + (l + 1) + ", column " + header[c].trim() + ": "
                            + cells[c].trim() + " is not finite");
                }
                j++;
            }
            rows.add(row);
        }
        float[] v = new float[rows.size() * features];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, v, i * features, features);
        }
        return new Inputs(v, rows.size(), new int[] {features});
    }

    private static Inputs image(Path file, Shape modelInput) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage source = ImageIO.read(file.toFile());
        if (source == null) {
            throw new IOException(file + ": not a PNG or JPEG image this JDK can decode");
        }
        // an image model's own size; a flat model keeps the picture's size, and the feature count decides
        int height = modelInput.rank() == 3 ? modelInput.dim(1) : source.getHeight();
        int width = modelInput.rank() == 3 ? modelInput.dim(2) : source.getWidth();
        BufferedImage grey = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = grey.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(source, 0, 0, width, height, null);
        g.dispose();
        float[] v = new float[width * height];
        grey.getRaster().getSamples(0, 0, width, height, 0, v);
        for (int i = 0; i < v.length; i++) {
            v[i] /= 255f;
        }
        return new Inputs(v, 1, new int[] {1, height, width});
    }
}
