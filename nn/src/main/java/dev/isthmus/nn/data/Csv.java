package dev.isthmus.nn.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a classification dataset from a CSV file of numbers: a header row of column names, then
 * one example per line, one column holding the integer class label and every other column a
 * feature (examples of shape {@code [columns - 1]}, in file order).
 *
 * <p>Cells are trimmed of spaces; blank lines are skipped; quoting is not supported (header names
 * may be wrapped in double quotes, which are removed). A feature is a decimal number such as
 * {@code -1.5e3}, finite as a float; a label is a non-negative integer ({@code 3} or {@code 3.0}).
 * The number of classes is the largest label + 1. Every error names the line and column.
 */
public final class Csv {
    private Csv() {}

    /** Reads a comma-separated file whose label is the column named {@code labelColumn}. */
    public static Dataset read(Path file, String labelColumn) throws IOException {
        return read(file, labelColumn, ',');
    }

    /** Reads a file separated by {@code delimiter} whose label is the column named {@code labelColumn}. */
    public static Dataset read(Path file, String labelColumn, char delimiter) throws IOException {
        if (labelColumn == null) {
            throw new IllegalArgumentException("Csv.read: labelColumn is null");
        }
        return read(file, labelColumn, -1, delimiter);
    }

    /** Reads a comma-separated file whose label is column {@code labelColumn} (0-based). */
    public static Dataset read(Path file, int labelColumn) throws IOException {
        return read(file, labelColumn, ',');
    }

    /** Reads a file separated by {@code delimiter} whose label is column {@code labelColumn} (0-based). */
    public static Dataset read(Path file, int labelColumn, char delimiter) throws IOException {
        if (labelColumn < 0) {
            throw new IllegalArgumentException("Csv.read: label column index must be >= 0, got " + labelColumn);
        }
        return read(file, null, labelColumn, delimiter);
    }

    private static Dataset read(Path file, String labelName, int labelIndex, char delimiter) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("Csv.read: file is null");
        }
        if (delimiter == '"' || delimiter == '.' || delimiter == '-' || delimiter == '+' || delimiter == '\n'
                || delimiter == '\r' || Character.isLetterOrDigit(delimiter)) {
            throw new IllegalArgumentException("Csv.read: '" + delimiter + "' cannot separate numeric cells");
        }
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line = in.readLine();
            int lineNumber = 1;
            while (line != null && line.isBlank()) {
                line = in.readLine();
                lineNumber++;
            }
            if (line == null) {
                throw new IOException(file + ": the file is empty; expected a header row of column names");
            }
            if (line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            String[] header = split(line, delimiter);
            for (int c = 0; c < header.length; c++) {
                String h = header[c];
                header[c] = h.length() >= 2 && h.startsWith("\"") && h.endsWith("\"") ? h.substring(1, h.length() - 1) : h;
            }
            int label = labelColumn(file, header, labelName, labelIndex);
            if (header.length < 2) {
                throw new IOException(file + ": line " + lineNumber + ": the header has " + header.length
                        + " column; need the label column and at least one feature column");
            }
            int featureSize = header.length - 1;
            FloatList features = new FloatList();
            IntList labels = new IntList();
            while ((line = in.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = split(line, delimiter);
                if (cells.length != header.length) {
                    throw new IOException(file + ": line " + lineNumber + ": " + cells.length + " columns, but the header has "
                            + header.length);
                }
                for (int c = 0; c < cells.length; c++) {
                    if (c == label) {
                        labels.add(parseLabel(file, lineNumber, c, header[c], cells[c]));
                    } else {
                        features.add(parseFeature(file, lineNumber, c, header[c], cells[c]));
                    }
                }
            }
            if (labels.size == 0) {
                throw new IOException(file + ": the file has a header but no data rows");
            }
            int classes = 0;
            for (int i = 0; i < labels.size; i++) {
                classes = Math.max(classes, labels.values[i] + 1);
            }
            return Dataset.owning(features.toArray(), new int[] {featureSize}, labels.toArray(), classes);
        }
    }

    private static int labelColumn(Path file, String[] header, String labelName, int labelIndex) throws IOException {
        if (labelName == null) {
            if (labelIndex >= header.length) {
                throw new IOException(file + ": label column index " + labelIndex + " is out of range: the header has "
                        + header.length + " columns " + Arrays.toString(header));
            }
            return labelIndex;
        }
        int found = -1;
        for (int c = 0; c < header.length; c++) {
            if (header[c].equals(labelName)) {
                if (found >= 0) {
                    throw new IOException(file + ": label column '" + labelName + "' is ambiguous: it is both column "
                            + found + " and column " + c);
                }
                found = c;
            }
        }
        if (found < 0) {
            throw new IOException(file + ": unknown label column '" + labelName + "'; the header has "
                    + Arrays.toString(header));
        }
        return found;
    }

    private static float parseFeature(Path file, int line, int column, String name, String cell) throws IOException {
        // Float.parseFloat also takes "NaN", "Infinity", hex and a trailing 'f': not numbers in a CSV
        float value = isDecimal(cell) ? Float.parseFloat(cell) : Float.NaN;
        if (Float.isNaN(value)) {
            throw new IOException(cellName(file, line, column, name) + ": '" + cell + "' is not a number");
        }
        if (Float.isInfinite(value)) {
            throw new IOException(cellName(file, line, column, name) + ": '" + cell + "' is outside the float range");
        }
        return value;
    }

    private static int parseLabel(Path file, int line, int column, String name, String cell) throws IOException {
        double value = isDecimal(cell) ? Double.parseDouble(cell) : Double.NaN;
        if (!(value >= 0 && value <= Integer.MAX_VALUE - 1 && value == Math.rint(value))) {
            throw new IOException(cellName(file, line, column, name) + ": label '" + cell
                    + "' is not a non-negative integer class index");
        }
        return (int) value;
    }

    private static String cellName(Path file, int line, int column, String name) {
        return file + ": line " + line + ", column " + (column + 1) + " ('" + name + "')";
    }

    /** Digits with an optional sign, point and exponent; parseDouble then rejects malformed orders. */
    private static boolean isDecimal(String s) {
        if (s.isEmpty()) {
            return false;
        }
        boolean digit = false;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch >= '0' && ch <= '9') {
                digit = true;
            } else if (ch != '.' && ch != '-' && ch != '+' && ch != 'e' && ch != 'E') {
                return false;
            }
        }
        if (!digit) {
            return false;
        }
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String[] split(String line, char delimiter) {
        List<String> cells = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= line.length(); i++) {
            if (i == line.length() || line.charAt(i) == delimiter) {
                cells.add(line.substring(start, i).strip());
                start = i + 1;
            }
        }
        return cells.toArray(String[]::new);
    }

    private static final class FloatList {
        float[] values = new float[1024];
        int size;

        void add(float v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, Math.multiplyExact(values.length, 2));
            }
            values[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }

    private static final class IntList {
        int[] values = new int[256];
        int size;

        void add(int v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, Math.multiplyExact(values.length, 2));
            }
            values[size++] = v;
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
