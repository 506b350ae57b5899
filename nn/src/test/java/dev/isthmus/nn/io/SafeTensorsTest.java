package dev.isthmus.nn.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {
    @TempDir
    Path dir;

    private static final SafeTensors.MetadataCheck ANY = (metadata, names) -> { };

    private SafeTensors.Header header(Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            return SafeTensors.readHeader(f, ch, ANY);
        }
    }

    private String error(byte[] bytes) throws IOException {
        Path f = Files.write(dir.resolve("bad.safetensors"), bytes);
        return assertThrows(ModelFormatException.class, () -> header(f)).getMessage();
    }

    private String error(String header, byte[] data) throws IOException {
        return error(RawFile.pack(header.getBytes(StandardCharsets.UTF_8), data));
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }

    @Test
    void writesTheSafetensorsLayoutAndReadsItBack() throws IOException {
        float nanWithPayload = Float.intBitsToFloat(0x7fc0_1234);
        float[] a = {1f, -0f, nanWithPayload, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, 3.5f};
        float[] empty = {};
        float[] big = new float[300_001]; // more than one 1 MiB chunk
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < big.length; i++) {
            big[i] = Float.intBitsToFloat(rng.nextInt());
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "test");
        metadata.put("note", "\u00e9\"\n");
        Path f = dir.resolve("t.safetensors");
        SafeTensors.write(f, metadata, List.of(new SafeTensors.Source("a", new int[] {2, 3}, a),
                new SafeTensors.Source("empty", new int[] {0}, empty),
                new SafeTensors.Source("big", new int[] {300_001}, big)));

        byte[] bytes = Files.readAllBytes(f);
        RawFile raw = RawFile.of(bytes);
        int n = raw.header().getBytes(StandardCharsets.UTF_8).length;
        assertEquals(0, n % 8, "header length is padded to a multiple of 8");
        assertTrue(raw.header().startsWith("{\"__metadata__\":{\"format\":\"test\""), raw.header());
        assertTrue(raw.header().matches("(?s)\\{.*} *"), "padding is spaces after the object");
        assertEquals(4L * (6 + 300_001), raw.data().length);

        SafeTensors.Header h = header(f);
        assertEquals(metadata, h.metadata());
        assertEquals(8 + n, h.dataStart());
        assertEquals(List.of("a", "empty", "big"), h.tensors().stream().map(SafeTensors.Entry::name).toList());
        SafeTensors.Entry e = h.tensors().getFirst();
        assertEquals("F32", e.dtype());
        assertArrayEquals(new long[] {2, 3}, e.shape());
        assertEquals(0, e.begin());
        assertEquals(24, e.end());
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            float[] a2 = new float[6];
            SafeTensors.readFloats(ch, h, e, a2);
            assertArrayEquals(bits(a), bits(a2), "every bit, NaN payload included");
            float[] empty2 = new float[0];
            SafeTensors.readFloats(ch, h, h.tensors().get(1), empty2);
            float[] big2 = new float[big.length];
            SafeTensors.readFloats(ch, h, h.tensors().get(2), big2);
            assertArrayEquals(bits(big), bits(big2));
        }
    }

    @Test
    void refusesDuplicateAndReservedNames() {
        float[] x = {1f};
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(dir.resolve("d"), Map.of(),
                List.of(new SafeTensors.Source("w", new int[] {1}, x), new SafeTensors.Source("w", new int[] {1}, x))));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(dir.resolve("d"), Map.of(),
                List.of(new SafeTensors.Source("__metadata__", new int[] {1}, x))));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(dir.resolve("d"), Map.of(),
                List.of(new SafeTensors.Source("w", new int[] {2}, x))));
    }

    @Test
    void readsAHandBuiltFileInAnyKeyOrder() throws IOException {
        // keys out of data order, metadata last, whitespace, no padding: all legal safetensors
        String header = " { \"b\" : {\"shape\":[1],\"dtype\":\"F32\",\"data_offsets\":[8,12]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}, \"__metadata__\":{\"k\":\"v\"}}\n";
        Path f = Files.write(dir.resolve("h.safetensors"),
                RawFile.pack(header.getBytes(StandardCharsets.UTF_8), RawFile.floats(1f, 2f, 3f)));
        SafeTensors.Header h = header(f);
        assertEquals(Map.of("k", "v"), h.metadata());
        assertEquals(List.of("a", "b"), h.tensors().stream().map(SafeTensors.Entry::name).toList());
        float[] b = new float[1];
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            SafeTensors.readFloats(ch, h, h.tensors().get(1), b);
        }
        assertEquals(3f, b[0]);
    }

    @Test
    void tooShortFile() throws IOException {
        assertTrue(error(new byte[0]).contains("0 bytes, too short"));
        assertTrue(error(new byte[5]).contains("5 bytes, too short"));
    }

    @Test
    void headerLengthBeyondTheLimitOrTheFile() throws IOException {
        byte[] huge = RawFile.pack(new byte[0], new byte[16]);
        huge[5] = 1; // 2^40
        assertTrue(error(huge).contains("header length 1099511627776 is over the 100000000-byte limit"), error(huge));
        byte[] unsigned = RawFile.pack(new byte[0], new byte[16]);
        java.util.Arrays.fill(unsigned, 0, 8, (byte) 0xff);
        assertTrue(error(unsigned).contains("header length 18446744073709551615 is over"), error(unsigned));
        byte[] past = RawFile.pack("{}".getBytes(StandardCharsets.UTF_8), new byte[0]);
        past[0] = 100;
        assertTrue(error(past).contains("header length 100 but only 2 bytes follow"), error(past));
    }

    @Test
    void headerNotUtf8OrNotJson() throws IOException {
        byte[] bad = RawFile.pack(new byte[] {'{', '"', (byte) 0xc3, (byte) 0x28, '"', ':', '1', '}'}, new byte[0]);
        assertTrue(error(bad).contains("not valid UTF-8 at byte 10"), error(bad));
        assertTrue(error("{\"a\":", new byte[0]).contains("invalid JSON at character 5"));
        assertTrue(error("[1,2]", new byte[0]).contains("not a JSON object"));
    }

    @Test
    void metadataValuesMustBeStrings() throws IOException {
        String m = error("{\"__metadata__\":{\"epoch\":3}}", new byte[0]);
        assertTrue(m.contains("__metadata__ value of \"epoch\" must be a string, got 3"), m);
        assertTrue(error("{\"__metadata__\":[]}", new byte[0]).contains("must be an object of strings"));
    }

    @Test
    void offsetsOutOfBoundsOverlappingOrWithGaps() throws IOException {
        byte[] data = RawFile.floats(1, 2, 3, 4);
        String out = error("{\"w\":{\"dtype\":\"F32\",\"shape\":[5],\"data_offsets\":[0,20]}}", data);
        assertTrue(out.contains("tensor w: data_offsets [0, 20] reach past the 16-byte data section"), out);
        String overlap = error("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},"
                + "\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", data);
        assertTrue(overlap.contains("tensor v (data_offsets [8, 16]) overlaps tensor w"), overlap);
        String gap = error("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", data);
        assertTrue(gap.contains("bytes 4 to 8 of the data section belong to no tensor"), gap);
        String backwards = error("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", data);
        assertTrue(backwards.contains("end before they begin"), backwards);
        String arity = error("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0]}}", data);
        assertTrue(arity.contains("data_offsets must be an array of 2 integers >= 0"), arity);
        String negative = error("{\"w\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", data);
        assertTrue(negative.contains("shape must hold integers >= 0"), negative);
    }

    @Test
    void offsetsMustMatchDtypeTimesShape() throws IOException {
        byte[] data = RawFile.floats(1, 2, 3, 4);
        String m = error("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}}", data);
        assertTrue(m.contains("tensor w: F32 of shape [2, 3] needs 24 bytes but data_offsets [0, 16] hold 16"), m);
        String overflow = error("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,16]}}",
                data);
        assertTrue(overflow.contains("needs more than the file's bytes"), overflow);
    }

    @Test
    void truncatedOrOverlongDataSection() throws IOException {
        String h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        String truncated = error(h, RawFile.floats(1, 2, 3));
        assertTrue(truncated.contains("reach past the 12-byte data section: the file is truncated"), truncated);
        String overlong = error(h, RawFile.floats(1, 2, 3, 4, 5));
        assertTrue(overlong.contains("the last 4 belong to no tensor"), overlong);
    }

    @Test
    void tensorEntriesHaveExactlyTheirThreeKeys() throws IOException {
        String m = error("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", RawFile.floats(1));
        assertTrue(m.contains("unknown keys [x]"), m);
        assertTrue(error("{\"w\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", RawFile.floats(1))
                .contains("dtype must be a string"));
        assertTrue(error("{\"w\":3}", new byte[0]).contains("tensor w: expected an object"));
    }

    @Test
    void otherDtypesPassTheContainerButNotRequireFloat32() throws IOException {
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}";
        Path f = Files.write(dir.resolve("f16.safetensors"), RawFile.pack(header.getBytes(StandardCharsets.UTF_8),
                new byte[4]));
        SafeTensors.Header h = header(f);
        String m = assertThrows(ModelFormatException.class, () -> SafeTensors.requireFloat32(h)).getMessage();
        assertTrue(m.contains("tensor h has dtype F16: Isthmus reads F32 tensors only"), m);
    }

    @Test
    void metadataCheckRunsBeforeTheTensorsAreValidated() throws IOException {
        // a foreign file must be reported as foreign, whatever its tensors look like
        Path f = Files.write(dir.resolve("x.safetensors"), RawFile.pack(
                "{\"w\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,99]}}".getBytes(StandardCharsets.UTF_8),
                new byte[0]));
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafeTensors.readHeader(f, ch,
                    (metadata, names) -> {
                        throw new ModelFormatException("foreign: " + names);
                    }));
            assertEquals("foreign: [w]", e.getMessage());
        }
    }
}
