package dev.isthmus.nn.io;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.isthmus.nn.io.ModelFileTest.bits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointTest {
    @TempDir
    Path dir;

    private static float[] random(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return a;
    }

    private static Map<String, float[]> optimizerState(Sequential model) {
        Map<String, float[]> state = new LinkedHashMap<>();
        for (int i = 0; i < model.parameters().size(); i++) {
            int n = model.parameters().get(i).size();
            state.put("m." + i, random(n, i));
            state.put("v." + i, random(n, 100 + i));
        }
        float[] odd = {Float.intBitsToFloat(0x7f80_0001), Float.NEGATIVE_INFINITY, -0f};
        state.put("odd values", odd);
        state.put("empty", new float[0]);
        return state;
    }

    private static Map<String, String> trainingState() {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("epoch", "3");
        t.put("step", "1200");
        t.put("optimizer", "adam");
        t.put("optimizer_config", "{\"lr\":0.001,\"beta1\":0.9,\"beta2\":0.999}");
        t.put("rng_seed", "42");
        t.put("history", "[{\"epoch\":1,\"loss\":0.9},{\"epoch\":2,\"loss\":0.5}]");
        return t;
    }

    @Test
    void roundTripIsBitIdentical() throws IOException {
        Sequential model = ModelFileTest.mlp(31);
        Map<String, float[]> optimizer = optimizerState(model);
        Map<String, String> training = trainingState();
        Map<String, String> extra = Map.of("classes", "a,b,c,d,e");
        Path f = dir.resolve("ckpt.safetensors");
        Checkpoint.save(f, model, optimizer, training, extra);

        Checkpoint c = Checkpoint.load(f, Backend.VECTOR);
        assertEquals(1, c.formatVersion());
        ModelFileTest.assertSameModel(model, c.model());
        Tensor x = ModelFileTest.randomInput(model, 5, 77);
        assertArrayEquals(bits(model.predict(x).data()), bits(c.model().predict(x).data()));
        assertEquals(List.copyOf(optimizer.keySet()), List.copyOf(c.optimizerState().keySet()), "saved order");
        for (Map.Entry<String, float[]> e : optimizer.entrySet()) {
            assertArrayEquals(bits(e.getValue()), bits(c.optimizerState().get(e.getKey())), e.getKey());
        }
        assertEquals(training, c.trainingState());
        assertEquals(List.copyOf(training.keySet()), List.copyOf(c.trainingState().keySet()));
        assertEquals(extra, c.extra());
    }

    @Test
    void headerHoldsTheCheckpointFormatAndOneDimensionalOptimizerTensors() throws IOException {
        Sequential model = ModelFileTest.mlp(1);
        Path f = dir.resolve("h.safetensors");
        Checkpoint.save(f, model, Map.of("step_size", new float[] {0.5f, 0.25f}), Map.of("epoch", "7"), Map.of());
        Map<?, ?> header = (Map<?, ?>) Json.parse(RawFile.read(f).header(), "header");
        Map<?, ?> meta = (Map<?, ?>) header.get("__metadata__");
        assertEquals("isthmus-checkpoint", meta.get("format"));
        assertEquals("1", meta.get("format_version"));
        assertEquals("{\"epoch\":\"7\"}", meta.get("training_state"));
        assertTrue(!meta.containsKey("extra"));
        for (Object v : meta.values()) {
            assertTrue(v instanceof String, String.valueOf(v));
        }
        assertEquals("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + 4 * (model.parameterCount())
                + "," + (4 * model.parameterCount() + 8) + "]}", Json.write(header.get("optimizer.step_size")));
    }

    @Test
    void modelFileLoadsACheckpointsModelAndIgnoresTheRest() throws IOException {
        Sequential model = ModelFileTest.mlp(2);
        Path f = dir.resolve("c.safetensors");
        Checkpoint.save(f, model, optimizerState(model), trainingState(), Map.of("k", "v"));
        LoadedModel loaded = ModelFile.load(f, Backend.VECTOR);
        ModelFileTest.assertSameModel(model, loaded.model());
        assertEquals(Map.of("k", "v"), loaded.extra());
    }

    @Test
    void checkpointLoaderRefusesAModelFileByName() throws IOException {
        Path f = dir.resolve("model.safetensors");
        ModelFile.save(ModelFileTest.mlp(3), f, Map.of());
        String m = assertThrows(ModelFormatException.class, () -> Checkpoint.load(f)).getMessage();
        assertTrue(m.startsWith(f.toString()), m);
        assertTrue(m.contains("an Isthmus model (format \"isthmus-model\"), not a checkpoint: it has no optimizer"
                + " or training state; read it with ModelFile.load"), m);
        Files.write(f, new RawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                RawFile.floats(1f)).bytes());
        m = assertThrows(ModelFormatException.class, () -> Checkpoint.load(f)).getMessage();
        assertTrue(m.contains("a safetensors file but not an Isthmus checkpoint"), m);
    }

    @Test
    void optimizerTensorsMustBeOneDimensionalAndOthersMustBeTheModels() throws IOException {
        Sequential model = ModelFileTest.mlp(4);
        Path f = dir.resolve("o.safetensors");
        Checkpoint.save(f, model, Map.of("m", new float[] {1, 2, 3, 4}), Map.of(), Map.of());
        RawFile raw = RawFile.read(f);
        Files.write(f, raw.replace("\"optimizer.m\":{\"dtype\":\"F32\",\"shape\":[4]",
                "\"optimizer.m\":{\"dtype\":\"F32\",\"shape\":[2,2]").bytes());
        String m = assertThrows(ModelFormatException.class, () -> Checkpoint.load(f)).getMessage();
        assertTrue(m.contains("optimizer tensor optimizer.m has shape [2, 2]: optimizer state is stored one-dimensional"), m);
        Files.write(f, raw.replace("\"optimizer.m\":", "\"other.m\":").bytes());
        m = assertThrows(ModelFormatException.class, () -> Checkpoint.load(f)).getMessage();
        assertTrue(m.contains("tensor other.m is not a parameter or buffer of the model"), m);
    }

    @Test
    void failedSaveKeepsThePreviousCheckpoint() throws IOException {
        Sequential model = ModelFileTest.mlp(5);
        Path f = dir.resolve("keep.safetensors");
        Checkpoint.save(f, model, Map.of("m", new float[] {1}), Map.of("epoch", "1"), Map.of());
        byte[] before = Files.readAllBytes(f);
        Map<String, float[]> bad = new LinkedHashMap<>();
        bad.put("m", null);
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.save(f, model, bad, Map.of(), Map.of()));
        Map<String, String> nullValue = new LinkedHashMap<>();
        nullValue.put("epoch", null);
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.save(f, model, Map.of(), nullValue, Map.of()));
        Path occupied = Files.createDirectory(dir.resolve("occupied"));
        Files.write(occupied.resolve("x"), new byte[1]);
        assertThrows(IOException.class, () -> Checkpoint.save(occupied, model, Map.of(), Map.of(), Map.of()));
        assertArrayEquals(before, Files.readAllBytes(f));
        assertEquals(List.of(), RawFile.temporaryFiles(dir));
        assertEquals("1", Checkpoint.load(f).trainingState().get("epoch"));
    }

    @Test
    void pythonReadsTheCheckpoint() throws Exception {
        Sequential model = ModelFileTest.mlp(6);
        float[] m = random(10, 9);
        Path f = dir.resolve("py-ckpt.safetensors");
        Checkpoint.save(f, model, Map.of("m", m, "empty", new float[0]), Map.of("epoch", "2"), Map.of());
        List<String> lines = IndependentReaderTest.readWithPython(dir, f);
        Map<?, ?> meta = (Map<?, ?>) Json.parse(lines.getFirst().substring("meta ".length()), "python output");
        assertEquals("isthmus-checkpoint", meta.get("format"));
        assertEquals("{\"epoch\":\"2\"}", meta.get("training_state"));
        assertTrue(lines.contains("tensor optimizer.m 10 " + HexFormat.of().formatHex(RawFile.floats(m))), lines.toString());
        assertTrue(lines.contains("tensor optimizer.empty 0 "), lines.toString());
    }
}
