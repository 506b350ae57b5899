package dev.isthmus.nn.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFileTest {
    @TempDir
    Path dir;

    private static AtomicFile.Content bytes(byte[] b) {
        return ch -> {
            ByteBuffer buf = ByteBuffer.wrap(b);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        };
    }

    @Test
    void createsAndReplaces() throws IOException {
        Path f = dir.resolve("model.safetensors");
        AtomicFile.write(f, bytes(new byte[] {1, 2, 3}));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
        AtomicFile.write(f, bytes(new byte[] {9}));
        assertArrayEquals(new byte[] {9}, Files.readAllBytes(f));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("model.safetensors"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void failureMidWriteKeepsTheOldFileAndLeavesNoTemporaryFile() throws IOException {
        Path f = dir.resolve("model.safetensors");
        byte[] old = {4, 5, 6, 7};
        Files.write(f, old);
        IOException disk = new IOException("simulated: no space left on device");
        AtomicReference<List<String>> seen = new AtomicReference<>();
        IOException thrown = assertThrows(IOException.class, () -> AtomicFile.write(f, ch -> {
            ch.write(ByteBuffer.wrap(new byte[1000]));
            seen.set(RawFile.temporaryFiles(dir));
            throw disk;
        }));
        assertSame(disk, thrown);
        // the new content was going to a hidden file beside the target, not into it
        assertEquals(1, seen.get().size());
        assertTrue(seen.get().getFirst().startsWith(".model.safetensors."), seen.get().toString());
        assertArrayEquals(old, Files.readAllBytes(f));
        assertEquals(List.of(), RawFile.temporaryFiles(dir));
    }

    @Test
    void uncheckedFailureMidWriteAlsoCleansUp() throws IOException {
        Path f = dir.resolve("m.safetensors");
        Files.write(f, new byte[] {1});
        UncheckedIOException boom = new UncheckedIOException(new IOException("simulated"));
        assertSame(boom, assertThrows(UncheckedIOException.class, () -> AtomicFile.write(f, ch -> {
            ch.write(ByteBuffer.wrap(new byte[] {2, 2}));
            throw boom;
        })));
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(f));
        assertEquals(List.of(), RawFile.temporaryFiles(dir));
    }

    @Test
    void failedRenameLeavesTheTargetAndNoTemporaryFile() throws IOException {
        // a non-empty directory cannot be replaced by a file: the rename fails after a full write
        Path target = dir.resolve("occupied");
        Files.createDirectory(target);
        Files.write(target.resolve("inside"), new byte[] {42});
        assertThrows(IOException.class, () -> AtomicFile.write(target, bytes(new byte[] {1, 2})));
        assertTrue(Files.isDirectory(target));
        assertArrayEquals(new byte[] {42}, Files.readAllBytes(target.resolve("inside")));
        assertEquals(List.of(), RawFile.temporaryFiles(dir));
    }

    @Test
    void missingDirectoryIsNamed() {
        Path f = dir.resolve("no-such-dir").resolve("m.safetensors");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> AtomicFile.write(f, bytes(new byte[1])));
        assertTrue(e.getMessage().contains("m.safetensors") && e.getMessage().contains("no-such-dir"), e.getMessage());
    }
}
