package dev.isthmus.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxTest {
    @TempDir
    Path dir;

    /** An IDX file built byte by byte, independently of the reader. */
    static byte[] idx(int type, int[] dims, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload.length); // big-endian by default
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(payload).array();
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    Path write(String name, byte[] contents, boolean gzip) throws IOException {
        return Files.write(dir.resolve(name), gzip ? gzip(contents) : contents);
    }

    IOException failure(byte[] contents, boolean gzip) throws IOException {
        Path file = write("bad" + (gzip ? ".gz" : ""), contents, gzip);
        return assertThrows(IOException.class, () -> Idx.read(file));
    }

    static void assertMessage(Throwable e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + e.getMessage() + "' lacks '" + part + "'");
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void readsBackExactly(boolean gzip) throws IOException {
        int[] dims = {3, 5, 7};
        byte[] payload = randomBytes(3 * 5 * 7, 11);
        Idx.UnsignedBytes read = Idx.read(write("images", idx(0x08, dims, payload), gzip));
        assertArrayEquals(dims, read.dimensions());
        assertArrayEquals(payload, read.values());
        assertEquals(payload[4] & 0xFF, read.get(4));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void readsOneDimensionalLabels(boolean gzip) throws IOException {
        byte[] labels = {0, 9, 3, (byte) 255};
        Idx.UnsignedBytes read = Idx.read(write("labels", idx(0x08, new int[] {4}, labels), gzip));
        assertArrayEquals(new int[] {4}, read.dimensions());
        assertEquals(255, read.get(3));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void imagesAndLabelsBecomeAScaledDataset(boolean gzip) throws IOException {
        byte[] pixels = {0, (byte) 255, 51, 102, 0, 0, 1, 2, 3, 4, 5, (byte) 128};
        Path images = write("i", idx(0x08, new int[] {2, 2, 3}, pixels), gzip);
        Path labels = write("l", idx(0x08, new int[] {2}, new byte[] {7, 2}), gzip);
        Dataset d = Idx.readImagesAndLabels(images, labels);
        assertEquals(2, d.size());
        assertArrayEquals(new int[] {1, 2, 3}, d.featureShape());
        assertEquals(10, d.classes());
        assertArrayEquals(new int[] {7, 2}, d.labels());
        float[] f = d.features();
        for (int i = 0; i < pixels.length; i++) {
            assertEquals((pixels[i] & 0xFF) / 255f, f[i]);
        }
        assertEquals(0f, f[0]);
        assertEquals(1f, f[1]);
    }

    @Test
    void classesGrowPastTenForLargerLabels() throws IOException {
        Path images = write("i", idx(0x08, new int[] {2, 1, 1}, new byte[] {1, 2}), false);
        Path labels = write("l", idx(0x08, new int[] {2}, new byte[] {25, 3}), false);
        assertEquals(26, Idx.readImagesAndLabels(images, labels).classes());
        IOException e = assertThrows(IOException.class, () -> Idx.readImagesAndLabels(images, labels, 10));
        assertMessage(e, "label 25", "[0, 10)");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void badMagic(boolean gzip) throws IOException {
        byte[] file = idx(0x08, new int[] {2}, new byte[] {1, 2});
        file[0] = 0x12;
        assertMessage(failure(file, gzip), "not an IDX file", "0x12000801");
        assertMessage(failure(new byte[] {0, 0}, gzip), "not an IDX file", "2 bytes");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void unsupportedTypeIsNamed(boolean gzip) throws IOException {
        assertMessage(failure(idx(0x0D, new int[] {1}, new byte[4]), gzip), "0x0D", "float32", "not supported");
        assertMessage(failure(idx(0x42, new int[] {1}, new byte[1]), gzip), "0x42", "not supported");
    }

    @Test
    void dimensionsMustBePresentAndPositive() throws IOException {
        assertMessage(failure(idx(0x08, new int[0], new byte[0]), false), "0 dimensions");
        assertMessage(failure(idx(0x08, new int[] {2, 0}, new byte[0]), false), "dimension 1 is 0");
        assertMessage(failure(idx(0x08, new int[] {-3}, new byte[0]), false), "dimension 0 is -3");
        byte[] cut = Arrays.copyOf(idx(0x08, new int[] {2, 3, 4}, new byte[0]), 10);
        assertMessage(failure(cut, false), "3 dimensions", "ends after 6");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void truncatedPayload(boolean gzip) throws IOException {
        byte[] file = idx(0x08, new int[] {4, 5}, randomBytes(17, 3));
        assertMessage(failure(file, gzip), "need 20 payload bytes", "has 17", "truncated");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void trailingBytes(boolean gzip) throws IOException {
        byte[] file = idx(0x08, new int[] {4, 5}, randomBytes(23, 3));
        assertMessage(failure(file, gzip), "need 20 payload bytes", "has 23", "3 trailing bytes");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void hugeHeaderWithTinyFileIsAnErrorNotAnOutOfMemoryError(boolean gzip) throws IOException {
        // 2^31 elements: more than any array
        assertMessage(failure(idx(0x08, new int[] {1 << 16, 1 << 15}, new byte[10]), gzip),
                "claim more than", "header is corrupt");
        assertMessage(failure(idx(0x08, new int[] {Integer.MAX_VALUE}, new byte[10]), gzip), "claim more than");
        // 2^30 elements would fit in an array, but the file holds 10 bytes: nothing near 1 GiB is allocated
        assertMessage(failure(idx(0x08, new int[] {1 << 10, 1 << 10, 1 << 10}, new byte[10]), gzip),
                "need 1073741824 payload bytes", "has 10", "truncated");
    }

    @Test
    void corruptGzipStreamIsNamed() throws IOException {
        byte[] gz = gzip(idx(0x08, new int[] {1000}, randomBytes(1000, 5)));
        Path file = Files.write(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length / 2));
        assertMessage(assertThrows(IOException.class, () -> Idx.read(file)), "gzip");
    }

    @Test
    void imageAndLabelCountsMustAgree() throws IOException {
        Path images = write("i", idx(0x08, new int[] {3, 2, 2}, new byte[12]), false);
        Path labels = write("l", idx(0x08, new int[] {2}, new byte[2]), true);
        assertMessage(assertThrows(IOException.class, () -> Idx.readImagesAndLabels(images, labels)),
                "has 3 images", "has 2 labels");
    }

    @Test
    void imageAndLabelRanksAreChecked() throws IOException {
        Path flat = write("flat", idx(0x08, new int[] {3, 4}, new byte[12]), false);
        Path labels = write("l", idx(0x08, new int[] {3}, new byte[3]), false);
        assertMessage(assertThrows(IOException.class, () -> Idx.readImagesAndLabels(flat, labels)),
                "needs 3 dimensions", "[3, 4]");
        assertMessage(assertThrows(IOException.class, () -> Idx.readImagesAndLabels(flat, flat)),
                "needs 3 dimensions");
    }

    @Test
    void fashionMnistNamesMissingFiles() throws IOException {
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> FashionMnist.load(dir, false));
        assertMessage(e, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", dir.toString());
        write("train-images-idx3-ubyte.gz", idx(0x08, new int[] {2, 28, 28}, new byte[2 * 784]), true);
        e = assertThrows(NoSuchFileException.class, () -> FashionMnist.load(dir, true));
        assertMessage(e, "missing: train-labels-idx1-ubyte.gz");
        // an uncompressed copy without .gz is accepted too
        write("train-labels-idx1-ubyte", idx(0x08, new int[] {2}, new byte[] {1, 9}), false);
        Dataset d = FashionMnist.load(dir, true);
        assertEquals(2, d.size());
        assertArrayEquals(new int[] {1, 9}, d.labels());
    }
}
