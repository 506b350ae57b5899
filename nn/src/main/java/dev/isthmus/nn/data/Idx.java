package dev.isthmus.nn.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST, raw or gzip-compressed (recognised by
 * the {@code 1f 8b} gzip header, whatever the file name).
 *
 * <p>An IDX file is a big-endian magic number {@code 0x000008DD} (two zero bytes, the element type
 * {@code 0x08} = unsigned byte, then the number of dimensions DD), one big-endian int32 per
 * dimension, and the elements in row-major order. Only unsigned bytes are supported. A file whose
 * payload is shorter or longer than its dimensions say is rejected; the reader never allocates
 * more than the file can actually supply, so a corrupt header gives an {@link IOException}, not
 * an {@link OutOfMemoryError}.
 */
public final class Idx {
    /** The only element type supported: unsigned byte. */
    static final int UNSIGNED_BYTE = 0x08;
    // Arrays a little under Integer.MAX_VALUE are the most any JVM allocates.
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    private static final int FIRST_CHUNK = 1 << 20;

    private Idx() {}

    /** The contents of an unsigned-byte IDX file: its dimensions and its elements in row-major order. */
    public record UnsignedBytes(int[] dimensions, byte[] values) {
        /** The element at a flat row-major index, as 0..255. */
        public int get(int index) {
            return values[index] & 0xFF;
        }
    }

    /** Reads one unsigned-byte IDX file, raw or gzip. */
    public static UnsignedBytes read(Path file) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("Idx.read: file is null");
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            try (InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw) {
                return read(file, in, gzip ? -1 : Files.size(file));
            } catch (ZipException | EOFException e) {
                if (gzip) {
                    throw new IOException(file + ": corrupt or truncated gzip stream: " + e.getMessage(), e);
                }
                throw e;
            }
        }
    }

    /**
     * Reads an images file ({@code [n, rows, columns]}) and a labels file ({@code [n]}) into a
     * dataset of {@code n} examples of shape {@code [1, rows, columns]}, pixels scaled from 0..255
     * to [0, 1]. The number of classes is 10 (the MNIST family), or the largest label + 1 if that
     * is larger (EMNIST letters, for example).
     */
    public static Dataset readImagesAndLabels(Path images, Path labels) throws IOException {
        return imagesAndLabels(images, labels, 0);
    }

    /**
     * As {@link #readImagesAndLabels(Path, Path)} with a given number of classes; a label outside
     * {@code [0, classes)} is an error.
     */
    public static Dataset readImagesAndLabels(Path images, Path labels, int classes) throws IOException {
        if (classes < 1) {
            throw new IllegalArgumentException("Idx.readImagesAndLabels: classes must be >= 1, got " + classes);
        }
        return imagesAndLabels(images, labels, classes);
    }

    /** {@code classes == 0} means: at least 10, or the largest label + 1. */
    private static Dataset imagesAndLabels(Path images, Path labels, int classes) throws IOException {
        UnsignedBytes x = read(images);
        UnsignedBytes y = read(labels);
        if (x.dimensions().length != 3) {
            throw new IOException(images + ": an images file needs 3 dimensions (count, rows, columns), got "
                    + Arrays.toString(x.dimensions()));
        }
        if (y.dimensions().length != 1) {
            throw new IOException(labels + ": a labels file needs 1 dimension (count), got "
                    + Arrays.toString(y.dimensions()));
        }
        int n = x.dimensions()[0];
        if (n != y.dimensions()[0]) {
            throw new IOException("image and label counts differ: " + images + " has " + n + " images but "
                    + labels + " has " + y.dimensions()[0] + " labels");
        }
        int[] label = new int[n];
        int maxLabel = -1;
        for (int i = 0; i < n; i++) {
            label[i] = y.get(i);
            maxLabel = Math.max(maxLabel, label[i]);
        }
        if (classes == 0) {
            classes = Math.max(10, maxLabel + 1);
        } else if (maxLabel >= classes) {
            throw new IOException(labels + ": label " + maxLabel + " is not in [0, " + classes + ")");
        }
        // a table keeps the scaling exact and identical for every pixel with the same byte
        float[] scale = new float[256];
        for (int b = 0; b < 256; b++) {
            scale[b] = b / 255f;
        }
        byte[] pixels = x.values();
        float[] features = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            features[i] = scale[pixels[i] & 0xFF];
        }
        int[] shape = {1, x.dimensions()[1], x.dimensions()[2]};
        return Dataset.owning(features, shape, label, classes);
    }

    /** {@code fileLength} is the file's size for a raw file, -1 for gzip (its payload size is unknown). */
    private static UnsignedBytes read(Path file, InputStream in, long fileLength) throws IOException {
        byte[] magic = in.readNBytes(4);
        if (magic.length < 4) {
            throw new IOException(file + ": not an IDX file: " + magic.length + " bytes, shorter than the 4-byte magic number");
        }
        int type = magic[2] & 0xFF;
        int rank = magic[3] & 0xFF;
        if (magic[0] != 0 || magic[1] != 0) {
            throw new IOException(file + ": not an IDX file: magic number is " + hex(magic)
                    + ", expected 0x000008DD (two zero bytes, element type, dimension count)");
        }
        if (type != UNSIGNED_BYTE) {
            throw new IOException(file + ": IDX element type 0x" + String.format("%02X", type) + " (" + typeName(type)
                    + ") is not supported; only 0x08 (unsigned byte) is");
        }
        if (rank == 0) {
            throw new IOException(file + ": IDX magic number " + hex(magic) + " declares 0 dimensions, need at least 1");
        }
        byte[] header = in.readNBytes(4 * rank);
        if (header.length < 4 * rank) {
            throw new IOException(file + ": the header declares " + rank + " dimensions (" + 4 * rank
                    + " bytes) but the file ends after " + header.length + " of them");
        }
        int[] dims = new int[rank];
        long expected = 1;
        for (int d = 0; d < rank; d++) {
            int i = 4 * d;
            dims[d] = (header[i] & 0xFF) << 24 | (header[i + 1] & 0xFF) << 16 | (header[i + 2] & 0xFF) << 8
                    | header[i + 3] & 0xFF;
            if (dims[d] <= 0) {
                throw new IOException(file + ": dimension " + d + " is " + dims[d] + ", must be positive");
            }
            // dimensions are < 2^31, so the product stays exact until it passes the limit
            expected *= dims[d];
            if (expected > MAX_ELEMENTS) {
                throw new IOException(file + ": the dimensions " + Arrays.toString(Arrays.copyOf(dims, d + 1))
                        + (d + 1 < rank ? "..." : "") + " claim more than " + MAX_ELEMENTS
                        + " bytes, more than one array can hold: the header is corrupt");
            }
        }
        byte[] values;
        if (fileLength >= 0) {
            // a raw file's length is known: check it before allocating anything
            long actual = fileLength - 4 - 4L * rank;
            if (actual != expected) {
                throw payloadMismatch(file, dims, expected, actual, "");
            }
            values = in.readNBytes((int) expected);
            if (values.length != expected) {
                throw payloadMismatch(file, dims, expected, values.length, "");
            }
        } else {
            // the decompressed length is not known in advance: grow with what actually arrives
            values = readGrowing(in, (int) expected);
            long actual = values.length;
            if (actual == expected) {
                actual += in.transferTo(OutputStream.nullOutputStream());
            }
            if (actual != expected) {
                throw payloadMismatch(file, dims, expected, actual, "decompressed ");
            }
        }
        return new UnsignedBytes(dims, values);
    }

    /** Up to {@code limit} bytes, never allocating more than about twice what the stream delivered. */
    private static byte[] readGrowing(InputStream in, int limit) throws IOException {
        byte[] buffer = new byte[Math.min(limit, FIRST_CHUNK)];
        int filled = 0;
        while (filled < limit) {
            if (filled == buffer.length) {
                buffer = Arrays.copyOf(buffer, (int) Math.min(limit, 2L * buffer.length));
            }
            int r = in.read(buffer, filled, buffer.length - filled);
            if (r < 0) {
                return Arrays.copyOf(buffer, filled);
            }
            filled += r;
        }
        return buffer;
    }

    private static IOException payloadMismatch(Path file, int[] dims, long expected, long actual, String kind) {
        String what = actual < expected ? "truncated" : "followed by " + (actual - expected) + " trailing bytes";
        return new IOException(file + ": the dimensions " + Arrays.toString(dims) + " need " + expected
                + " payload bytes but the " + kind + "payload has " + actual + ": the file is " + what);
    }

    private static String hex(byte[] magic) {
        return String.format("0x%02X%02X%02X%02X", magic[0], magic[1], magic[2], magic[3]);
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x09 -> "signed byte";
            case 0x0B -> "int16";
            case 0x0C -> "int32";
            case 0x0D -> "float32";
            case 0x0E -> "float64";
            default -> "unknown type";
        };
    }
}
