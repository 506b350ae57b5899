package dev.isthmus.nn.io;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;
import dev.isthmus.nn.layer.Dense;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelFileTest {
    @TempDir
    Path dir;

    /** Every layer kind this version saves, penalties and activation parameters included. */
    static Sequential mlp(long seed) {
        return Sequential.builder(1, 4, 4).seed(seed).backend(Backend.VECTOR)
                .weightPenalty(0.001f, 0.0125f)
                .dense(16).leakyRelu(0.2f)
                .weightPenalty(0f, 0f)
                .dense(12).elu(0.7f)
                .dense(10).relu()
                .dense(8).sigmoid()
                .dense(6).tanh()
                .dense(5).softmax()
                .build();
    }

    static Tensor randomInput(Sequential model, int batch, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[batch * model.inputShape().size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return Tensor.of(x, model.inputShape().withBatch(batch));
    }

    static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }

    /** Same kinds, configs, shapes, values and penalties, bit for bit. */
    static void assertSameModel(Sequential expected, Sequential actual) {
        assertEquals(expected.inputShape(), actual.inputShape());
        assertEquals(expected.layers().size(), actual.layers().size());
        for (int i = 0; i < expected.layers().size(); i++) {
            Layer e = expected.layers().get(i);
            Layer a = actual.layers().get(i);
            assertEquals(e.kind(), a.kind(), "layer " + i);
            assertEquals(Json.write(e.config()), Json.write(a.config()), "layer " + i);
            assertEquals(e.outputShape(), a.outputShape(), "layer " + i);
        }
        List<Parameter> ep = new ArrayList<>(expected.parameters());
        ep.addAll(expected.buffers());
        List<Parameter> ap = new ArrayList<>(actual.parameters());
        ap.addAll(actual.buffers());
        assertEquals(ep.size(), ap.size());
        for (int i = 0; i < ep.size(); i++) {
            assertEquals(ep.get(i).name(), ap.get(i).name());
            assertEquals(ep.get(i).shape(), ap.get(i).shape());
            assertArrayEquals(bits(ep.get(i).value()), bits(ap.get(i).value()), ep.get(i).name());
            assertEquals(ep.get(i).l1(), ap.get(i).l1());
            assertEquals(ep.get(i).l2(), ap.get(i).l2());
        }
    }

    @Test
    void roundTripIsBitIdentical() throws IOException {
        Sequential model = mlp(11);
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("classes", "cat,dog,bird,fish,frog");
        extra.put("normalization", "{\"mean\":[0.5],\"std\":[0.25]}");
        extra.put("note", "caf\u00e9 \"quoted\"\n");
        Path f = dir.resolve("mlp.safetensors");
        ModelFile.save(model, f, extra);

        LoadedModel loaded = ModelFile.load(f, Backend.VECTOR);
        assertEquals(1, loaded.formatVersion());
        assertEquals(extra, loaded.extra());
        assertEquals(List.copyOf(extra.keySet()), List.copyOf(loaded.extra().keySet()));
        assertSameModel(model, loaded.model());
        Tensor x = randomInput(model, 7, 99);
        assertArrayEquals(bits(model.predict(x).data()), bits(loaded.model().predict(x).data()));
    }

    @Test
    void loadedModelTrainsLikeTheOriginal() throws IOException {
        // penalties and replicas come back too: a training step from the loaded model gives the same gradients
        Sequential model = mlp(5);
        Path f = dir.resolve("m.safetensors");
        ModelFile.save(model, f, Map.of());
        Sequential loaded = ModelFile.load(f, Backend.VECTOR).model();
        Tensor x = randomInput(model, 3, 1);
        Tensor y1 = model.forward(x, Pass.training(1));
        Tensor y2 = loaded.forward(x, Pass.training(1));
        assertArrayEquals(bits(y1.data()), bits(y2.data()));
        model.backward(Tensor.of(new float[15], 3, 5));
        loaded.backward(Tensor.of(new float[15], 3, 5));
        for (int i = 0; i < model.parameters().size(); i++) {
            assertArrayEquals(bits(model.parameters().get(i).grad()), bits(loaded.parameters().get(i).grad()));
        }
    }

    @Test
    void backendIsTheCallersOrTheProperty() throws IOException {
        Path f = dir.resolve("b.safetensors");
        ModelFile.save(mlp(1), f, Map.of());
        for (Backend b : Backend.values()) {
            Dense d = (Dense) ModelFile.load(f, b).model().layers().get(1);
            assertSame(b, d.backend());
        }
        Dense d = (Dense) ModelFile.load(f).model().layers().get(1);
        assertSame(Backend.fromProperty(), d.backend());
    }

    @Test
    void nanAndInfiniteWeightsLoadAsTheyAre() throws IOException {
        Sequential model = mlp(2);
        float[] w = model.parameters().getFirst().value();
        w[0] = Float.intBitsToFloat(0x7fa0_0001); // a signalling NaN with a payload
        w[1] = Float.intBitsToFloat(0xffc0_0000); // a negative quiet NaN
        w[2] = Float.POSITIVE_INFINITY;
        w[3] = Float.NEGATIVE_INFINITY;
        w[4] = -0f;
        Path f = dir.resolve("nan.safetensors");
        ModelFile.save(model, f, Map.of());
        float[] back = ModelFile.load(f, Backend.VECTOR).model().parameters().getFirst().value();
        assertArrayEquals(bits(w), bits(back));
    }

    @Test
    void metadataValuesAreStringsWithTheDocumentedKeys() throws IOException {
        Path f = dir.resolve("meta.safetensors");
        Sequential model = Sequential.builder(3).seed(1).backend(Backend.VECTOR).dense(2).leakyRelu(0.01f).build();
        ModelFile.save(model, f, Map.of("k", "v"));
        RawFile raw = RawFile.read(f);
        Map<?, ?> header = (Map<?, ?>) Json.parse(raw.header(), "header");
        Map<?, ?> meta = (Map<?, ?>) header.get("__metadata__");
        assertEquals(List.of("format", "format_version", "architecture", "extra"), List.copyOf(meta.keySet()));
        for (Object v : meta.values()) {
            assertInstanceOf(String.class, v);
        }
        assertEquals("isthmus-model", meta.get("format"));
        assertEquals("1", meta.get("format_version"));
        assertEquals("{\"k\":\"v\"}", meta.get("extra"));
        assertEquals("{\"input_shape\":[3],\"layers\":["
                + "{\"kind\":\"dense\",\"config\":{\"in_features\":3,\"out_features\":2,\"init\":\"he_uniform\","
                + "\"l1\":0.0,\"l2\":0.0}},"
                + "{\"kind\":\"leaky_relu\",\"config\":{\"alpha\":0.01}}]}", meta.get("architecture"));
        assertEquals(List.of("__metadata__", "layers.0.weight", "layers.0.bias"), List.copyOf(header.keySet()));
        assertEquals("{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}", Json.write(header.get("layers.0.weight")));
        assertEquals("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]}", Json.write(header.get("layers.0.bias")));
    }

    @Test
    void emptyExtraIsOmittedAndLoadsEmpty() throws IOException {
        Path f = dir.resolve("e.safetensors");
        ModelFile.save(mlp(3), f, Map.of());
        assertFalse(RawFile.read(f).header().contains("\"extra\""));
        assertEquals(Map.of(), ModelFile.load(f).extra());
        assertThrows(IllegalArgumentException.class, () -> ModelFile.save(mlp(3), f, null));
    }

    @Test
    void saveReplacesAnExistingModel() throws IOException {
        Path f = dir.resolve("r.safetensors");
        ModelFile.save(mlp(1), f, Map.of("v", "1"));
        Sequential second = mlp(2);
        ModelFile.save(second, f, Map.of("v", "2"));
        LoadedModel loaded = ModelFile.load(f);
        assertEquals("2", loaded.extra().get("v"));
        assertSameModel(second, loaded.model());
        assertEquals(List.of(), RawFile.temporaryFiles(dir));
    }

    /** A layer ModelFile cannot represent: its config holds a value that is not a config type. */
    private static class OddLayer implements Layer {
        private final Shape shape = Shape.of(5);

        @Override public String kind() { return "relu"; }
        @Override public Shape inputShape() { return shape; }
        @Override public Shape outputShape() { return shape; }
        @Override public long flops() { return 0; }
        @Override public Tensor forward(Tensor input, Pass pass) { return input; }
        @Override public Tensor backward(Tensor gradOutput, boolean inputGradient) { return gradOutput; }
        @Override public Map<String, Object> config() { return Map.of("weights", new double[] {1.0}); }
        @Override public Layer replica() { return this; }
    }

    @Test
    void failedSaveKeepsThePreviousFile() throws IOException {
        Path f = dir.resolve("keep.safetensors");
        Sequential good = mlp(4);
        ModelFile.save(good, f, Map.of());
        byte[] before = Files.readAllBytes(f);
        Sequential odd = Sequential.builder(3).dense(5).add(new OddLayer()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFile.save(odd, f, Map.of()));
        assertTrue(e.getMessage().contains("layer 1 (relu): config \"weights\""), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
        assertEquals(List.of(), RawFile.temporaryFiles(dir));
        assertSameModel(good, ModelFile.load(f).model());
    }

    @Test
    void failedRenameLeavesNoTemporaryFile() throws IOException {
        Path occupied = Files.createDirectory(dir.resolve("occupied.safetensors"));
        Files.write(occupied.resolve("x"), new byte[] {1});
        assertThrows(IOException.class, () -> ModelFile.save(mlp(1), occupied, Map.of()));
        assertTrue(Files.isDirectory(occupied));
        assertEquals(List.of(), RawFile.temporaryFiles(dir));
    }

    @Test
    void refusesToSaveAKindItCannotLoad() {
        Layer custom = new OddLayer() {
            @Override
            public String kind() {
                return "my_layer";
            }
        };
        Sequential m = Sequential.builder(3).dense(5).add(custom).build();
        String msg = assertThrows(IllegalArgumentException.class,
                () -> ModelFile.save(m, dir.resolve("c.safetensors"), Map.of())).getMessage();
        assertTrue(msg.contains("layer 1 (my_layer): a model file cannot load this kind back"), msg);
        assertFalse(Files.exists(dir.resolve("c.safetensors")));
    }
}
