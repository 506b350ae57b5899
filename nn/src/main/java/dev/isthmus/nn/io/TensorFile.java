package dev.isthmus.nn.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file of named one-dimensional float32, int8 and int32 arrays with string metadata, for formats
 * other packages define on top (the inference plan's). The metadata must name the file's
 * {@code format} and a {@code format_version}; {@link #read} refuses any other format, a newer
 * version, and every damage {@link ModelFile} refuses, before it allocates the arrays.
 */
public final class TensorFile {
    private TensorFile() {}

    /**
     * The contents of a file.
     *
     * @param version the file's format_version
     * @param tensors the float32 arrays by name, in file order
     * @param bytes   the int8 arrays by name, in file order
     * @param ints    the int32 arrays by name, in file order
     */
    public record Contents(Path file, Map<String, String> metadata, int version, Map<String, float[]> tensors,
                           Map<String, byte[]> bytes, Map<String, int[]> ints) {}

    /**
     * Writes the arrays (in map order) with the metadata plus {@code format} and
     * {@code format_version}, replacing the file atomically (temporary file, fsync, rename).
     */
    public static void write(Path file, String format, int version, Map<String, String> metadata,
                             Map<String, float[]> tensors) throws IOException {
        write(file, format, version, metadata, tensors, Map.of(), Map.of());
    }

    /**
     * As {@link #write(Path, String, int, Map, Map)}, with int8 ({@code I8}) and int32 ({@code I32})
     * arrays after the float32 ones; names must differ across the three maps.
     */
    public static void write(Path file, String format, int version, Map<String, String> metadata,
                             Map<String, float[]> tensors, Map<String, byte[]> bytes, Map<String, int[]> ints)
            throws IOException {
        if (file == null || format == null || metadata == null || tensors == null || bytes == null || ints == null
                || version < 1) {
            throw new IllegalArgumentException("TensorFile.write: file, format, metadata and tensors must not be null "
                    + "and the version must be >= 1");
        }
        Map<String, String> m = new LinkedHashMap<>();
        m.put(ModelFile.FORMAT, format);
        m.put(ModelFile.FORMAT_VERSION, Integer.toString(version));
        m.putAll(metadata);
        List<SafeTensors.Source> sources = new ArrayList<>(tensors.size() + bytes.size() + ints.size());
        for (Map<String, ?> group : List.of(tensors, bytes, ints)) {
            for (Map.Entry<String, ?> e : group.entrySet()) {
                sources.add(SafeTensors.Source.flat(e.getKey(), e.getValue()));
            }
        }
        SafeTensors.write(file, m, sources);
    }

    /**
     * Reads a file written by {@link #write} in this format.
     *
     * @param maxVersion the newest format_version the caller understands
     * @throws ModelFormatException when the file is not safetensors, is damaged, has another format or
     *                              a newer version, or holds a tensor that is not F32, I8 or I32, naming which
     */
    public static Contents read(Path file, String format, int maxVersion) throws IOException {
        if (file == null || format == null) {
            throw new IllegalArgumentException("TensorFile.read: file and format must not be null");
        }
        try (FileChannel ch = SafeTensors.openForReading(file)) {
            SafeTensors.Header h = SafeTensors.readHeader(file, ch, (metadata, names) -> version(file, metadata, format,
                    maxVersion));
            for (SafeTensors.Entry e : h.tensors()) {
                if (SafeTensors.elementBytes(e.dtype()) == 0) {
                    throw new ModelFormatException(file + ": tensor " + e.name() + " has dtype " + e.dtype()
                            + ": Isthmus reads F32, I8 and I32 tensors");
                }
            }
            Map<String, float[]> tensors = new LinkedHashMap<>();
            Map<String, byte[]> bytes = new LinkedHashMap<>();
            Map<String, int[]> ints = new LinkedHashMap<>();
            for (SafeTensors.Entry e : h.tensors()) {
                switch (SafeTensors.readArray(ch, h, e)) {
                    case float[] f -> tensors.put(e.name(), f);
                    case byte[] b -> bytes.put(e.name(), b);
                    case int[] v -> ints.put(e.name(), v);
                    default -> throw new AssertionError(e.dtype());
                }
            }
            return new Contents(file, h.metadata(), version(file, h.metadata(), format, maxVersion), tensors, bytes,
                    ints);
        }
    }

    private static int version(Path file, Map<String, String> metadata, String format, int maxVersion)
            throws ModelFormatException {
        String f = metadata.get(ModelFile.FORMAT);
        if (!format.equals(f)) {
            throw new ModelFormatException(file + ": not a file of format \"" + format + "\": its __metadata__ format is "
                    + (f == null ? "missing" : "\"" + f + "\""));
        }
        String v = metadata.get(ModelFile.FORMAT_VERSION);
        if (v == null || !v.matches("[1-9][0-9]{0,8}")) {
            throw new ModelFormatException(file + ": __metadata__ format_version must be a positive integer, got "
                    + (v == null ? "none" : "\"" + v + "\""));
        }
        int version = Integer.parseInt(v);
        if (version > maxVersion) {
            throw new ModelFormatException(file + ": format_version " + version + " of \"" + format
                    + "\" is newer than this Isthmus reads (" + maxVersion + "): load it with a newer Isthmus");
        }
        return version;
    }
}
