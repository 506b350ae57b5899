package dev.isthmus.nn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The safetensors container, float32 tensors only: an 8-byte little-endian header length, a JSON
 * header, the tensors' bytes. See the package documentation for the layout.
 *
 * <p>Reading is in two steps so that nothing large is allocated on the strength of an unchecked
 * number: {@link #readHeader} validates the header against the file's real size (every tensor inside
 * the data section, packed without gaps or overlaps); only then {@link #readFloats} fills arrays,
 * whose sizes the checked offsets bound by the file's length.
 */
final class SafeTensors {
    /** The largest header accepted, the limit of the reference implementation. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA = "__metadata__";
    static final String F32 = "F32";
    private static final int CHUNK = 1 << 20;

    private SafeTensors() {}

    static final String I8 = "I8";
    static final String I32 = "I32";

    /** A tensor to write: its data is a float[] (F32), byte[] (I8) or int[] (I32). */
    record Source(String name, int[] shape, Object data) {
        Source {
            if (!(data instanceof float[] || data instanceof byte[] || data instanceof int[])) {
                throw new IllegalArgumentException("tensor " + name + ": data must be a float[], byte[] or int[], got "
                        + (data == null ? "null" : data.getClass().getSimpleName()));
            }
        }

        /** A one-dimensional tensor of the whole array. */
        static Source flat(String name, Object data) {
            Source s = new Source(name, new int[1], data);
            return new Source(name, new int[] {s.length()}, data);
        }

        String dtype() {
            return data instanceof float[] ? F32 : data instanceof byte[] ? I8 : I32;
        }

        int length() {
            return data instanceof float[] f ? f.length : data instanceof byte[] b ? b.length : ((int[]) data).length;
        }
    }

    /** Bytes per element of a dtype Isthmus reads, 0 for any other. */
    static int elementBytes(String dtype) {
        return switch (dtype) {
            case F32, I32 -> 4;
            case I8 -> 1;
            default -> 0;
        };
    }

    /**
     * One tensor of a file's header.
     *
     * @param begin the offset of its first byte in the data section
     * @param end   the offset after its last byte
     */
    record Entry(String name, String dtype, long[] shape, long begin, long end) {
        /** The product of the dimensions, or -1 when it exceeds the data section anyway. */
        long elements() {
            long n = 1;
            for (long d : shape) {
                n = d == 0 ? 0 : (n > Long.MAX_VALUE / 4 / d ? -1 : n * d);
                if (n < 0) {
                    return -1;
                }
            }
            return n;
        }

        String shapeText() {
            return Arrays.toString(shape);
        }
    }

    /**
     * A file's validated header.
     *
     * @param metadata  the {@code __metadata__} strings, empty when the header has none
     * @param tensors   the tensors in data order
     * @param dataStart the file offset of the data section
     */
    record Header(Path file, Map<String, String> metadata, List<Entry> tensors, long dataStart) {}

    /** Looks at the metadata before the tensors are validated, to reject a foreign file by what it is. */
    @FunctionalInterface
    interface MetadataCheck {
        void check(Map<String, String> metadata, List<String> tensorNames) throws IOException;
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes the tensors, in the given order, with this metadata, replacing the file atomically.
     *
     * @throws IllegalArgumentException when two tensors share a name, a name is {@code __metadata__},
     *                                  or a shape does not hold its data
     */
    static void write(Path file, Map<String, String> metadata, List<Source> tensors) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put(METADATA, metadata);
        long offset = 0;
        for (Source t : tensors) {
            long elements = 1;
            for (int d : t.shape()) {
                elements *= d;
            }
            if (elements != t.length()) {
                throw new IllegalArgumentException("tensor " + t.name() + ": shape " + Arrays.toString(t.shape())
                        + " holds " + elements + " values but the data has " + t.length());
            }
            if (t.name().equals(METADATA) || header.containsKey(t.name())) {
                throw new IllegalArgumentException(t.name().equals(METADATA) ? "a tensor cannot be named " + METADATA
                        : "two tensors are named " + t.name());
            }
            Map<String, Object> info = new LinkedHashMap<>();
            long bytes = elementBytes(t.dtype()) * elements;
            info.put("dtype", t.dtype());
            info.put("shape", t.shape());
            info.put("data_offsets", List.of(offset, offset + bytes));
            header.put(t.name(), info);
            offset += bytes;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        // spaces up to a multiple of 8, so the data starts 8-aligned (the safetensors convention)
        int padded = json.length + (8 - json.length % 8) % 8;
        if (padded > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException(file + ": the header would be " + padded
                    + " bytes, more than the " + MAX_HEADER_BYTES + " readers accept");
        }
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        AtomicFile.write(file, ch -> {
            writeFully(ch, head);
            ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (Source t : tensors) {
                int size = elementBytes(t.dtype());
                for (int i = 0; i < t.length(); ) {
                    int n = Math.min(t.length() - i, CHUNK / size);
                    buf.clear();
                    // bulk copies keep every bit, NaN payloads included
                    switch (t.data()) {
                        case float[] f -> buf.asFloatBuffer().put(f, i, n);
                        case int[] v -> buf.asIntBuffer().put(v, i, n);
                        case byte[] b -> buf.put(b, i, n);
                        default -> throw new AssertionError(t.dtype());
                    }
                    buf.position(0).limit(size * n);
                    writeFully(ch, buf);
                    i += n;
                }
            }
        });
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    // ---------------------------------------------------------------- reading

    /**
     * Opens a file for reading. A directory opens on Linux and then fails its first read with a bare
     * "Is a directory" that names no path, so it is refused here by name.
     */
    static FileChannel openForReading(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new FileSystemException(file.toString(), null, "is a directory, expected a file");
        }
        return FileChannel.open(file, StandardOpenOption.READ);
    }

    /**
     * Reads and validates the header of an open file.
     *
     * @throws ModelFormatException naming the file when it is too short, the header length is beyond
     *                              the file or the limit, the header is not UTF-8 JSON of the
     *                              safetensors shape, metadata values are not strings, or the tensors
     *                              do not tile the data section exactly
     */
    static Header readHeader(Path file, FileChannel ch, MetadataCheck check) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new ModelFormatException(file + ": " + size + " bytes, too short for a safetensors file"
                    + " (it starts with an 8-byte header length)");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, lengthBytes, 0);
        long length = lengthBytes.flip().getLong();
        if (length < 0 || length > MAX_HEADER_BYTES) {
            throw new ModelFormatException(file + ": header length " + Long.toUnsignedString(length)
                    + " is over the " + MAX_HEADER_BYTES + "-byte limit: not a safetensors file, or a corrupt one");
        }
        if (length > size - 8) {
            throw new ModelFormatException(file + ": header length " + length + " but only " + (size - 8)
                    + " bytes follow the length: truncated or not a safetensors file");
        }
        ByteBuffer raw = ByteBuffer.allocate((int) length);
        readFully(file, ch, raw, 8);
        raw.flip();
        String text = utf8(file, raw);
        Object parsed = Json.parse(text, file + ": header");
        if (!(parsed instanceof Map<?, ?> top)) {
            throw new ModelFormatException(file + ": header is not a JSON object");
        }
        Map<String, String> metadata = metadata(file, top.get(METADATA));
        List<String> names = new ArrayList<>();
        for (Object k : top.keySet()) {
            if (!METADATA.equals(k)) {
                names.add((String) k);
            }
        }
        check.check(metadata, Collections.unmodifiableList(names));

        long dataStart = 8 + length;
        long dataLength = size - dataStart;
        List<Entry> tensors = new ArrayList<>(names.size());
        for (String name : names) {
            tensors.add(entry(file, name, top.get(name), dataLength));
        }
        tensors.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : tensors) {
            if (e.begin() < expected) {
                throw new ModelFormatException(file + ": tensor " + e.name() + " (data_offsets [" + e.begin() + ", "
                        + e.end() + "]) overlaps tensor " + previous.name() + " (data_offsets [" + previous.begin()
                        + ", " + previous.end() + "])");
            }
            if (e.begin() > expected) {
                throw new ModelFormatException(file + ": bytes " + expected + " to " + e.begin()
                        + " of the data section belong to no tensor (tensor " + e.name() + " starts at " + e.begin()
                        + "): tensors must be packed without gaps");
            }
            expected = e.end();
            previous = e;
        }
        if (expected != dataLength) {
            throw new ModelFormatException(file + ": the tensors end at byte " + expected + " of the data section but "
                    + dataLength + " bytes follow the header: the last " + (dataLength - expected)
                    + " belong to no tensor");
        }
        return new Header(file, metadata, List.copyOf(tensors), dataStart);
    }

    /**
     * Requires every tensor to be float32.
     *
     * @throws ModelFormatException naming the first tensor of another dtype
     */
    static void requireFloat32(Header header) throws ModelFormatException {
        for (Entry e : header.tensors()) {
            if (!F32.equals(e.dtype())) {
                throw new ModelFormatException(header.file() + ": tensor " + e.name() + " has dtype " + e.dtype()
                        + ": Isthmus reads F32 tensors only");
            }
        }
    }

    /**
     * Fills {@code dest} with a float32 tensor's values.
     *
     * @throws IllegalArgumentException when dest's length is not the tensor's element count
     * @throws ModelFormatException     when the file ends before the tensor (it shrank since the header was read)
     */
    static void readFloats(FileChannel ch, Header header, Entry e, float[] dest) throws IOException {
        read(ch, header, e, F32, dest, dest.length);
    }

    /** Reads a tensor of any dtype Isthmus reads into a new array of its type (float[], byte[] or int[]). */
    static Object readArray(FileChannel ch, Header header, Entry e) throws IOException {
        // the header check bounds every tensor by the file's real size, so this allocation is safe
        if (e.elements() > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(header.file() + ": tensor " + e.name() + " has " + e.elements()
                    + " elements, more than an array holds");
        }
        int n = (int) e.elements();
        Object dest = switch (e.dtype()) {
            case F32 -> new float[n];
            case I32 -> new int[n];
            case I8 -> new byte[n];
            default -> throw new ModelFormatException(header.file() + ": tensor " + e.name() + " has dtype "
                    + e.dtype() + ": Isthmus reads F32, I32 and I8 tensors");
        };
        read(ch, header, e, e.dtype(), dest, n);
        return dest;
    }

    private static void read(FileChannel ch, Header header, Entry e, String dtype, Object dest, int length)
            throws IOException {
        if (!dtype.equals(e.dtype()) || e.elements() != length) {
            throw new IllegalArgumentException("tensor " + e.name() + " of dtype " + e.dtype() + " and shape "
                    + e.shapeText() + " does not fit a " + dtype + " array of " + length);
        }
        int size = elementBytes(dtype);
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, (long) size * length)).order(ByteOrder.LITTLE_ENDIAN);
        long position = header.dataStart() + e.begin();
        for (int i = 0; i < length; ) {
            int n = Math.min(length - i, buf.capacity() / size);
            buf.clear().limit(size * n);
            readFully(header.file(), ch, buf, position);
            buf.flip();
            switch (dest) {
                case float[] f -> buf.asFloatBuffer().get(f, i, n);
                case int[] v -> buf.asIntBuffer().get(v, i, n);
                case byte[] b -> buf.get(b, i, n);
                default -> throw new AssertionError(dtype);
            }
            position += (long) size * n;
            i += n;
        }
    }

    private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, position);
            if (n < 0) {
                throw new ModelFormatException(file + ": the file ends at byte " + position + ", before the "
                        + buf.remaining() + " more bytes its header announces");
            }
            position += n;
        }
    }

    private static String utf8(Path file, ByteBuffer raw) throws ModelFormatException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer out = CharBuffer.allocate(raw.remaining());
        CoderResult r = decoder.decode(raw, out, true);
        if (r.isError()) {
            throw new ModelFormatException(file + ": header is not valid UTF-8 at byte " + (8 + raw.position())
                    + " of the file");
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    private static Map<String, String> metadata(Path file, Object value) throws ModelFormatException {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> m)) {
            throw new ModelFormatException(file + ": " + METADATA + " must be an object of strings, got " + value);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new ModelFormatException(file + ": " + METADATA + " value of \"" + e.getKey()
                        + "\" must be a string, got " + Json.brief(e.getValue()));
            }
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static Entry entry(Path file, String name, Object value, long dataLength) throws ModelFormatException {
        String where = file + ": tensor " + name;
        if (!(value instanceof Map<?, ?> m)) {
            throw new ModelFormatException(where + ": expected an object with dtype, shape and data_offsets, got "
                    + Json.brief(value));
        }
        Set<Object> unknown = new HashSet<>(m.keySet());
        unknown.removeAll(Set.of("dtype", "shape", "data_offsets"));
        if (!unknown.isEmpty()) {
            throw new ModelFormatException(where + ": unknown keys " + unknown + ": expected dtype, shape and data_offsets");
        }
        if (!(m.get("dtype") instanceof String dtype)) {
            throw new ModelFormatException(where + ": dtype must be a string such as \"F32\", got "
                    + Json.brief(m.get("dtype")));
        }
        long[] shape = naturals(where, "shape", m.get("shape"), -1);
        long[] offsets = naturals(where, "data_offsets", m.get("data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw new ModelFormatException(where + ": data_offsets [" + begin + ", " + end + "] end before they begin");
        }
        if (end > dataLength) {
            throw new ModelFormatException(where + ": data_offsets [" + begin + ", " + end + "] reach past the "
                    + dataLength + "-byte data section: the file is truncated or the offsets are wrong");
        }
        Entry e = new Entry(name, dtype, shape, begin, end);
        int size = elementBytes(dtype);
        if (size > 0) {
            long elements = e.elements();
            if (elements < 0 || size * elements != end - begin) {
                throw new ModelFormatException(where + ": " + dtype + " of shape " + e.shapeText() + " needs "
                        + (elements < 0 ? "more than the file's" : Long.toString(size * elements))
                        + " bytes but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
            }
        }
        return e;
    }

    /** A JSON array of non-negative integers, of this length unless it is -1. */
    private static long[] naturals(String where, String key, Object value, int length) throws ModelFormatException {
        if (value instanceof List<?> list && (length < 0 || list.size() == length)) {
            long[] out = new long[list.size()];
            for (int i = 0; i < out.length; i++) {
                Long v = list.get(i) instanceof Json.Numeral n ? n.toLong() : null;
                if (v == null || v < 0) {
                    throw new ModelFormatException(where + ": " + key + " must hold integers >= 0, got "
                            + Json.brief(value));
                }
                out[i] = v;
            }
            return out;
        }
        throw new ModelFormatException(where + ": " + key + " must be an array of "
                + (length < 0 ? "" : length + " ") + "integers >= 0, got " + Json.brief(value));
    }
}
