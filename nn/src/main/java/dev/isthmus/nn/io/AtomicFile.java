package dev.isthmus.nn.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file all at once: the new content goes to a temporary file beside it, is forced to
 * the disk, and is renamed over the target. A reader sees the old file or the new one, never half
 * of one; a crash or an exception leaves the old file as it was and no temporary file behind
 * (short of the process dying mid-write, which leaves a {@code .<name>.<random>.tmp} file).
 */
final class AtomicFile {
    private AtomicFile() {}

    /** Writes the whole content of the file to a channel positioned at 0. */
    @FunctionalInterface
    interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    static void write(Path target, Content content) throws IOException {
        Path file = target.toAbsolutePath();
        Path dir = file.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new NoSuchFileException(target.toString(), null, "its directory " + dir + " does not exist");
        }
        Path tmp = null;
        try {
            FileChannel channel = null;
            // a random name rather than createTempFile: that one would give the model file mode 600
            for (int attempt = 0; channel == null; attempt++) {
                tmp = dir.resolve("." + file.getFileName() + "."
                        + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
                try {
                    channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                } catch (FileAlreadyExistsException e) {
                    tmp = null;
                    if (attempt == 9) {
                        throw e;
                    }
                }
            }
            try (FileChannel ch = channel) {
                content.writeTo(ch);
                // without it a power cut after the rename could leave the new name on empty blocks
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Throwable t) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException cleanup) {
                    t.addSuppressed(cleanup);
                }
            }
            throw t;
        }
        syncDirectory(dir);
    }

    /** Makes the rename itself durable, where the platform lets a directory be opened. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Windows cannot open a directory: the replacement is still atomic, only less durable
        }
    }
}
