package dev.isthmus.nn.io;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads saved files with code that shares nothing with the writer: a byte-level reader here (no
 * JSON parser, a pattern over the header) and, where python3 runs, a Python reader using only the
 * standard library, plus the {@code safetensors} package when it is installed. The interpreter is
 * {@code python3} unless the environment variable {@code ISTHMUS_TEST_PYTHON} names another.
 */
class IndependentReaderTest {
    @TempDir
    Path dir;

    private static final Pattern TENSOR = Pattern.compile(
            "\"([^\"]+)\":\\{\"dtype\":\"F32\",\"shape\":\\[([0-9,]*)],\"data_offsets\":\\[([0-9]+),([0-9]+)]}");

    /** Every parameter and buffer by its file name, {@code layers.<i>.<name>}. */
    private static Map<String, Parameter> stored(Sequential model) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        for (int i = 0; i < model.layers().size(); i++) {
            Layer l = model.layers().get(i);
            List<Parameter> all = new ArrayList<>(l.parameters());
            all.addAll(l.buffers());
            for (Parameter p : all) {
                m.put("layers." + i + "." + p.name(), p);
            }
        }
        return m;
    }

    private static String hex(float[] values) {
        return HexFormat.of().formatHex(RawFile.floats(values));
    }

    @Test
    void byteLayoutReadsBackWithoutOurParser() throws IOException {
        Sequential model = ModelFileTest.mlp(21);
        Path f = dir.resolve("m.safetensors");
        ModelFile.save(model, f, Map.of("a", "b"));
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.contains("\"format\":\"isthmus-model\""), header);
        assertTrue(header.contains("\"format_version\":\"1\""), header);
        int dataStart = 8 + (int) n;

        Map<String, Parameter> expected = stored(model);
        Matcher m = TENSOR.matcher(header);
        long previousEnd = 0;
        int found = 0;
        while (m.find()) {
            Parameter p = expected.get(m.group(1));
            assertTrue(p != null, "unexpected tensor " + m.group(1));
            String shape = p.shape().toString().replaceAll("[() ]", "");
            assertEquals(shape, m.group(2), m.group(1));
            long begin = Long.parseLong(m.group(3));
            long end = Long.parseLong(m.group(4));
            assertEquals(previousEnd, begin, "tensors are packed in order");
            ByteBuffer data = ByteBuffer.wrap(bytes, dataStart + (int) begin, (int) (end - begin))
                    .order(ByteOrder.LITTLE_ENDIAN);
            float[] values = p.value();
            for (int i = 0; i < values.length; i++) {
                assertEquals(Float.floatToRawIntBits(values[i]), data.getInt(), m.group(1) + "[" + i + "]");
            }
            previousEnd = end;
            found++;
        }
        assertEquals(expected.size(), found);
        assertEquals(bytes.length, dataStart + previousEnd, "the last tensor ends the file");
    }

    static final String PYTHON_READER = """
            import json, struct, sys
            path = sys.argv[1]
            with open(path, 'rb') as f:
                blob = f.read()
            (n,) = struct.unpack('<Q', blob[:8])
            header = json.loads(blob[8:8 + n].decode('utf-8'))
            data = blob[8 + n:]
            meta = header.pop('__metadata__')
            assert all(isinstance(v, str) for v in meta.values()), meta
            print('meta', json.dumps(meta, sort_keys=True))
            end = 0
            for name, info in sorted(header.items(), key=lambda kv: kv[1]['data_offsets']):
                b, e = info['data_offsets']
                assert info['dtype'] == 'F32', name
                assert b == end, name
                count = 1
                for d in info['shape']:
                    count *= d
                assert e - b == 4 * count, name
                end = e
                print('tensor', name, ','.join(map(str, info['shape'])), data[b:e].hex())
            assert end == len(data)
            try:
                from safetensors import safe_open
                from safetensors.numpy import load_file
            except ImportError:
                print('safetensors absent')
                sys.exit(0)
            arrays = load_file(path)
            assert sorted(arrays) == sorted(header), (sorted(arrays), sorted(header))
            for name, info in header.items():
                a = arrays[name]
                assert a.dtype.name == 'float32' and list(a.shape) == info['shape'], name
                b, e = info['data_offsets']
                assert a.astype('<f4').tobytes() == data[b:e], name
            with safe_open(path, framework='numpy') as f:
                assert f.metadata() == meta
            if len(sys.argv) > 2:
                # the reference writer orders and pads in its own way: our reader must take that too
                from safetensors.numpy import save_file
                import numpy
                save_file(arrays, sys.argv[2], metadata=meta)
                save_file({'weight': numpy.arange(6, dtype=numpy.float32).reshape(2, 3)}, sys.argv[3])
            print('safetensors ok', len(arrays))
            """;

    /** Runs the Python reader over a file and returns its output lines; skips the test without python3. */
    static List<String> readWithPython(Path dir, Path file, Path... written) throws IOException, InterruptedException {
        String python = System.getenv().getOrDefault("ISTHMUS_TEST_PYTHON", "python3");
        Path script = Files.writeString(dir.resolve("read_safetensors.py"), PYTHON_READER);
        List<String> command = new ArrayList<>(List.of(python, script.toString(), file.toString()));
        for (Path w : written) {
            command.add(w.toString());
        }
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort(python + " cannot be started: " + e.getMessage());
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python reader timed out");
        assertEquals(0, p.exitValue(), out);
        System.out.println("python reader on " + file.getFileName() + ": " + out.lines()
                .filter(l -> l.startsWith("safetensors")).findFirst().orElse(""));
        return out.lines().toList();
    }

    @Test
    void pythonReadsTheModelFile() throws Exception {
        Sequential model = ModelFileTest.mlp(8);
        Path f = dir.resolve("py.safetensors");
        Map<String, String> extra = Map.of("classes", "a,b,\u00e9");
        ModelFile.save(model, f, extra);
        List<String> lines = readWithPython(dir, f);

        Map<?, ?> meta = (Map<?, ?>) Json.parse(lines.getFirst().substring("meta ".length()), "python output");
        assertEquals("isthmus-model", meta.get("format"));
        assertEquals("1", meta.get("format_version"));
        assertEquals(Json.write(extra), meta.get("extra"));
        Map<String, Parameter> expected = stored(model);
        List<String> tensors = lines.stream().filter(l -> l.startsWith("tensor ")).toList();
        assertEquals(expected.size(), tensors.size());
        for (String line : tensors) {
            String[] parts = line.split(" ");
            Parameter p = expected.get(parts[1]);
            assertTrue(p != null, line);
            assertEquals(p.shape().toString().replaceAll("[() ]", ""), parts[2]);
            assertEquals(hex(p.value()), parts[3], parts[1]);
        }
        String last = lines.getLast();
        assertTrue(last.equals("safetensors absent") || last.equals("safetensors ok " + expected.size()), last);
    }

    @Test
    void filesWrittenByTheReferenceLibraryLoad() throws Exception {
        Sequential model = ModelFileTest.mlp(9);
        Path ours = dir.resolve("ours.safetensors");
        Path rewritten = dir.resolve("rewritten.safetensors");
        Path foreign = dir.resolve("foreign.safetensors");
        ModelFile.save(model, ours, Map.of("k", "v"));
        List<String> lines = readWithPython(dir, ours, rewritten, foreign);
        Assumptions.assumeTrue(lines.getLast().startsWith("safetensors ok"), "the safetensors package is not installed");

        LoadedModel loaded = ModelFile.load(rewritten, Backend.VECTOR);
        assertEquals(Map.of("k", "v"), loaded.extra());
        ModelFileTest.assertSameModel(model, loaded.model());
        Tensor x = ModelFileTest.randomInput(model, 4, 3);
        assertArrayEquals(ModelFileTest.bits(model.predict(x).data()),
                ModelFileTest.bits(loaded.model().predict(x).data()));
        String m = assertThrows(ModelFormatException.class,
                () -> ModelFile.load(foreign)).getMessage();
        assertTrue(m.contains("a safetensors file but not an Isthmus model: its header has no __metadata__ (tensors: weight)"), m);
    }
}
