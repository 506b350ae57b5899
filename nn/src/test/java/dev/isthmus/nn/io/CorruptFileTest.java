package dev.isthmus.nn.io;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Sequential;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every way a model file can be wrong gives a {@link ModelFormatException} naming the file and the
 * problem: never another exception, an OutOfMemoryError or a model with wrong weights.
 */
class CorruptFileTest {
    @TempDir
    Path dir;

    /** A valid file: dense 3->2 (layers.0), relu (layers.1), dense 2->2 (layers.2). */
    private RawFile valid;
    private Path file;

    @BeforeEach
    void saveAValidModel() throws IOException {
        Sequential model = Sequential.builder(3).seed(1).backend(Backend.VECTOR).dense(2).relu().dense(2).build();
        Path f = dir.resolve("valid.safetensors");
        ModelFile.save(model, f, Map.of("classes", "a,b"));
        valid = RawFile.read(f);
        file = dir.resolve("bad.safetensors");
    }

    /** Loads the file and returns the error message, which must name the file. */
    private String error(byte[] bytes) throws IOException {
        Files.write(file, bytes);
        String m = assertThrows(ModelFormatException.class, () -> ModelFile.load(file)).getMessage();
        assertTrue(m.startsWith(file.toString()), m);
        return m;
    }

    private String error(RawFile raw) throws IOException {
        return error(raw.bytes());
    }

    private static void assertContains(String message, String part) {
        assertTrue(message.contains(part), "expected \"" + part + "\" in: " + message);
    }

    /** The file with one __metadata__ entry set (or removed, for null). */
    @SuppressWarnings("unchecked")
    private static RawFile withMetadata(RawFile raw, String key, String value) throws ModelFormatException {
        Map<String, Object> header = (Map<String, Object>) Json.parse(raw.header(), "test");
        Map<String, Object> meta = (Map<String, Object>) header.get("__metadata__");
        if (value == null) {
            meta.remove(key);
        } else {
            meta.put(key, value);
        }
        return new RawFile(Json.write(header), raw.data());
    }

    private RawFile withArchitecture(String from, String to) throws ModelFormatException {
        @SuppressWarnings("unchecked")
        Map<String, Object> header = (Map<String, Object>) Json.parse(valid.header(), "test");
        String arch = (String) ((Map<?, ?>) header.get("__metadata__")).get("architecture");
        assertTrue(arch.contains(from), arch);
        return withMetadata(valid, "architecture", arch.replace(from, to));
    }

    @Test
    void theBaseFileLoads() throws IOException {
        Files.write(file, valid.bytes());
        ModelFile.load(file);
    }

    @Test
    void directoryIsRefusedByName() {
        IOException e = assertThrows(IOException.class, () -> ModelFile.load(dir));
        assertContains(e.getMessage(), dir.toString());
        assertContains(e.getMessage(), "is a directory");
        IOException c = assertThrows(IOException.class, () -> Checkpoint.load(dir, Backend.VECTOR));
        assertContains(c.getMessage(), dir.toString());
    }

    @Test
    void fileShorterThanEightBytes() throws IOException {
        assertContains(error(new byte[0]), "0 bytes, too short for a safetensors file");
        assertContains(error(Arrays.copyOf(valid.bytes(), 7)), "7 bytes, too short");
    }

    @Test
    void headerLengthBeyondTheFileOrTheLimit() throws IOException {
        byte[] b = valid.bytes();
        b[3] = 1; // + 2^24: longer than the file
        assertContains(error(b), "bytes follow the length: truncated or not a safetensors file");
        b[3] = 0;
        b[6] = 1; // 2^48: over the cap, refused before any allocation
        assertContains(error(b), "is over the 100000000-byte limit");
        assertContains(error("not a safetensors file at all".getBytes(StandardCharsets.UTF_8)), "is over the");
    }

    @Test
    void headerNotJsonOrNotUtf8() throws IOException {
        assertContains(error(valid.replace("\"dtype\":", "\"dtype\" ")), "header: invalid JSON at character");
        byte[] b = valid.bytes();
        int at = new String(b, StandardCharsets.ISO_8859_1).indexOf("layers.0.weight");
        b[at] = (byte) 0xff;
        assertContains(error(b), "header is not valid UTF-8 at byte " + at);
    }

    @Test
    void foreignSafetensorsFileIsNotAnIsthmusModel() throws IOException {
        String header = "{\"embeddings.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
        String m = error(new RawFile(header, RawFile.floats(1, 2, 3, 4)));
        assertContains(m, "a safetensors file but not an Isthmus model: its header has no __metadata__"
                + " (tensors: embeddings.weight)");
        String pt = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}";
        assertContains(error(new RawFile(pt, new byte[4])),
                "not an Isthmus model: __metadata__ format is \"pt\", expected \"isthmus-model\" or \"isthmus-checkpoint\"");
        assertContains(error(withMetadata(valid, "format", null)), "its header has no __metadata__ \"format\"");
    }

    @Test
    void newerOrMalformedFormatVersion() throws IOException {
        assertContains(error(withMetadata(valid, "format_version", "2")),
                "format_version 2 is newer than this Isthmus reads (1)");
        assertContains(error(withMetadata(valid, "format_version", "1.0")),
                "format_version must be a positive integer, got \"1.0\"");
        assertContains(error(withMetadata(valid, "format_version", null)), "format_version must be a positive integer, got none");
        assertContains(error(valid.replace("\"format_version\":\"1\"", "\"format_version\":1")),
                "__metadata__ value of \"format_version\" must be a string, got 1");
    }

    @Test
    void dataOffsetsOutOfBoundsOverlappingOrNotMatchingTheShape() throws IOException {
        assertContains(error(valid.replace("[48,56]", "[48,60]")), "tensor layers.2.bias: data_offsets [48, 60] reach past");
        assertContains(error(valid.replace("[24,32]", "[20,28]")), "overlaps tensor layers.0.weight");
        assertContains(error(valid.replace("\"shape\":[2,2]", "\"shape\":[2,3]")),
                "tensor layers.2.weight: F32 of shape [2, 3] needs 24 bytes but data_offsets [32, 48] hold 16");
    }

    @Test
    void unsupportedDtype() throws IOException {
        assertContains(error(valid.replace("\"dtype\":\"F32\"", "\"dtype\":\"I32\"")),
                "tensor layers.0.weight has dtype I32: Isthmus reads F32 tensors only");
    }

    @Test
    void truncatedDataSection() throws IOException {
        byte[] b = valid.bytes();
        assertContains(error(Arrays.copyOf(b, b.length - 4)), "the file is truncated");
        assertContains(error(Arrays.copyOf(b, b.length + 4)), "the last 4 belong to no tensor");
    }

    @Test
    void unknownLayerKind() throws IOException {
        assertContains(error(withArchitecture("\"kind\":\"relu\"", "\"kind\":\"gelu\"")),
                "layer 1 (gelu): unknown layer kind 'gelu': this version of Isthmus reads dense, relu");
    }

    @Test
    void configThatDoesNotChain() throws IOException {
        String m = error(withArchitecture("\"in_features\":2", "\"in_features\":5"));
        assertContains(m, "the architecture does not fit together: layer 2 (dense) expects input of shape (5)"
                + " but layer 1 (relu) gives (2)");
    }

    @Test
    void badConfigValues() throws IOException {
        assertContains(error(withArchitecture("\"in_features\":3", "\"in_features\":\"3\"")),
                "layer 0 (dense): config \"in_features\" must be an integer, got \"3\"");
        assertContains(error(withArchitecture("\"in_features\":3", "\"in_features\":3,\"bias\":false")),
                "layer 0 (dense): unknown config keys [bias]");
        assertContains(error(withArchitecture("\"in_features\":3,", "")), "layer 0 (dense): config has no \"in_features\"");
        assertContains(error(withArchitecture("\"l1\":0.0", "\"l1\":1e999")), "config \"l1\" must be a finite float");
        assertContains(error(withArchitecture("\"l1\":0.0", "\"l1\":-1.0")), "l1 -1.0 and l2 0.0 must be finite and >= 0");
        assertContains(error(withArchitecture("\"init\":\"he_uniform\"", "\"init\":\"lecun\"")),
                "unknown initialization 'lecun'");
        assertContains(error(withArchitecture("\"input_shape\":[3]", "\"input_shape\":[0]")),
                "architecture input_shape: expected an array of integers >= 1, got [0]");
        assertContains(error(withArchitecture("\"input_shape\":[3]", "\"input_shape\":[65536,65536]")),
                "has more than 2^31 - 1 elements");
        assertContains(error(withArchitecture("{\"kind\":\"relu\",\"config\":{}}", "{\"kind\":\"relu\"}")),
                "architecture layer 1: expected an object with exactly the keys");
        assertContains(error(withMetadata(valid, "architecture", "{\"input_shape\":[3],\"layers\":[]}")),
                "the architecture does not fit together: a model needs an input shape and at least one layer");
        assertContains(error(withMetadata(valid, "architecture", "[")), "__metadata__ architecture: invalid JSON");
        assertContains(error(withMetadata(valid, "architecture", null)), "__metadata__ has no \"architecture\"");
    }

    @Test
    void configAskingForMoreWeightsThanTheFileHoldsIsRefusedBeforeAllocating() throws IOException {
        // 40000 x 40000 floats would be 6.4 GB: refused by arithmetic, not by an OutOfMemoryError
        RawFile hostile = withArchitecture("\"input_shape\":[3]", "\"input_shape\":[40000]");
        hostile = withMetadata(hostile, "architecture", ((String) ((Map<?, ?>) ((Map<?, ?>) Json.parse(hostile.header(),
                "t")).get("__metadata__")).get("architecture")).replace("\"in_features\":3,\"out_features\":2",
                "\"in_features\":40000,\"out_features\":40000"));
        assertContains(error(hostile), "layer 0 (dense): config asks for in_features * out_features + out_features"
                + " = 1600040000 parameter values but the file holds only 14");
    }

    @Test
    void missingExtraDuplicateOrMisshapenTensors() throws IOException {
        // layers.2.bias is last: dropping it and its 8 bytes leaves a well-formed container
        RawFile missing = valid.replace(",\"layers.2.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[48,56]}", "")
                .withData(Arrays.copyOf(valid.data(), 48));
        assertContains(error(missing), "tensor layers.2.bias of shape [2] is missing: the architecture needs it");

        RawFile extra = valid.replace("\"data_offsets\":[48,56]}",
                        "\"data_offsets\":[48,56]},\"layers.1.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[56,60]}")
                .withData(Arrays.copyOf(valid.data(), 60));
        assertContains(error(extra), "tensor layers.1.weight is not a parameter or buffer of the model");

        RawFile duplicate = valid.replace("\"layers.2.bias\":", "\"layers.0.bias\":");
        assertContains(error(duplicate), "duplicate key \"layers.0.bias\"");

        RawFile transposed = valid.replace("\"shape\":[3,2]", "\"shape\":[2,3]");
        assertContains(error(transposed), "tensor layers.0.weight has shape [2, 3] but the architecture needs [3, 2]");
    }

    @Test
    void extraMustBeAnObjectOfStrings() throws IOException {
        assertContains(error(withMetadata(valid, "extra", "{\"classes\":2}")),
                "__metadata__ extra: value of \"classes\" must be a string, got 2");
        assertContains(error(withMetadata(valid, "extra", "[]")), "__metadata__ extra must be a JSON object of strings");
    }

    private static final String JSON_CHARACTERS = "{}[]\",:0123456789-eE.tfn \\u";

    @Test
    void randomDamageNeverEscapesAsAnotherException() throws IOException {
        // flipped header bytes, cut files and random lengths: a clean error or (data bytes only) a model
        byte[] good = valid.bytes();
        int headerEnd = 8 + valid.header().getBytes(StandardCharsets.UTF_8).length;
        SplittableRandom rng = new SplittableRandom(2024);
        for (int trial = 0; trial < 3000; trial++) {
            byte[] b;
            switch (trial % 3) {
                case 0 -> {
                    b = good.clone();
                    for (int k = 1 + rng.nextInt(3); k > 0; k--) {
                        b[rng.nextInt(headerEnd)] = (byte) rng.nextInt(256);
                    }
                }
                case 1 -> b = Arrays.copyOf(good, rng.nextInt(good.length));
                default -> {
                    b = good.clone();
                    int at = 8 + rng.nextInt(headerEnd - 8);
                    b[at] = (byte) JSON_CHARACTERS.charAt(rng.nextInt(JSON_CHARACTERS.length()));
                }
            }
            Files.write(file, b);
            try {
                ModelFile.load(file);
            } catch (ModelFormatException expected) {
                assertTrue(expected.getMessage().startsWith(file.toString()), expected.getMessage());
            } catch (Throwable t) {
                fail("trial " + trial + " escaped as " + t, t);
            }
        }
    }
}
