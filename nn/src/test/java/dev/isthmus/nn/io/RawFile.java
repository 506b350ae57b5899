package dev.isthmus.nn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * A safetensors file taken apart by hand for tests: its header text and data bytes, put back
 * together without any of the code under test, so tests can build files that code would never write.
 */
record RawFile(String header, byte[] data) {
    /** Splits a file's bytes at the header length the first 8 bytes give. */
    static RawFile of(byte[] file) {
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(file, 8, (int) n, StandardCharsets.UTF_8);
        return new RawFile(header, Arrays.copyOfRange(file, 8 + (int) n, file.length));
    }

    static RawFile read(Path file) throws IOException {
        return of(Files.readAllBytes(file));
    }

    /** The file's bytes: the header's UTF-8 length, the header, the data (no padding added). */
    byte[] bytes() {
        return pack(header.getBytes(StandardCharsets.UTF_8), data);
    }

    static byte[] pack(byte[] header, byte[] data) {
        return ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).put(data).array();
    }

    /** The same file with the first occurrence of {@code from} in the header replaced (which must exist). */
    RawFile replace(String from, String to) {
        int at = header.indexOf(from);
        if (at < 0) {
            throw new AssertionError("header has no " + from + ": " + header);
        }
        return new RawFile(header.substring(0, at) + to + header.substring(at + from.length()), data);
    }

    RawFile withData(byte[] newData) {
        return new RawFile(header, newData);
    }

    Path write(Path file) throws IOException {
        return Files.write(file, bytes());
    }

    /** Little-endian float32 bytes of these values. */
    static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putInt(Float.floatToRawIntBits(v));
        }
        return b.array();
    }

    /** Names of the hidden temporary files a save may leave in a directory. */
    static List<String> temporaryFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
        }
    }
}
