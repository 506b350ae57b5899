package dev.isthmus.nn.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file of named one-dimensional float32 arrays with string metadata, for formats
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
     * @param tensors the arrays by name, in file order
     */
    public record Contents(Path file, Map<String, String> metadata, int version, Map<String, float[]> tensors) {}

    /**
     * Writes the arrays (in map order) with the metadata plus {@code format} and
     * {@code format_version}, replacing the file atomically (temporary file, fsync, rename).
     */
    public static void write(Path file, String format, int version, Map<String, String> metadata,
                             Map<String, float[]> tensors) throws IOException {
        if (file == null || format == null || metadata == null || tensors == null || version < 1) {
            throw new IllegalArgumentException("TensorFile.write: file, format, metadata and tensors must not be null "
                    + "and the version must be >= 1");
        }
        Map<String, String> m = new LinkedHashMap<>();
        m.put(ModelFile.FORMAT, format);
        m.put(ModelFile.FORMAT_VERSION, Integer.toString(version));
        m.putAll(metadata);
        List<SafeTensors.Source> sources = new ArrayList<>(tensors.size());
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            sources.add(new SafeTensors.Source(e.getKey(), new int[] {e.getValue().length}, e.getValue()));
        }
        SafeTensors.write(file, m, sources);
    }

    /**
     * Reads a file written by {@link #write} in this format.
     *
     * @param maxVersion the newest format_version the caller understands
     * @throws ModelFormatException when the file is not safetensors, is damaged, has another format or
     *                              a newer version, or holds a tensor that is not float32, naming which
     */
    public static Contents read(Path file, String format, int maxVersion) throws IOException {
        if (file == null || format == null) {
            throw new IllegalArgumentException("TensorFile.read: file and format must not be null");
        }
        try (FileChannel ch = SafeTensors.openForReading(file)) {
            SafeTensors.Header h = SafeTensors.readHeader(file, ch, (metadata, names) -> version(file, metadata, format,
                    maxVersion));
            SafeTensors.requireFloat32(h);
            Map<String, float[]> tensors = new LinkedHashMap<>();
            for (SafeTensors.Entry e : h.tensors()) {
                // the header check bounds every tensor by the file's real size, so this allocation is safe
                if (e.elements() > Integer.MAX_VALUE - 8) {
                    throw new ModelFormatException(file + ": tensor " + e.name() + " has " + e.elements()
                            + " elements, more than an array holds");
                }
                float[] data = new float[(int) e.elements()];
                SafeTensors.readFloats(ch, h, e, data);
                tensors.put(e.name(), data);
            }
            return new Contents(file, h.metadata(), version(file, h.metadata(), format, maxVersion), tensors);
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
