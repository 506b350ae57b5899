package dev.isthmus.nn.infer;

import dev.isthmus.kernels.Activation;
import dev.isthmus.kernels.ConvShape;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.io.Json;
import dev.isthmus.nn.io.ModelFormatException;
import dev.isthmus.nn.io.TensorFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The plan file: a safetensors file of format {@value #FORMAT} whose {@code plan} metadata holds the
 * input and output shapes, the options and each step's kind and configuration, and whose tensors
 * {@code steps.<i>.<name>} hold the folded weights. Loading rebuilds the steps from it alone and
 * checks every size against the tensors before a step is built; the steps' constructors check
 * the rest, and the plan checks that each step reads what the one before writes.
 */
final class PlanFile {
    static final String FORMAT = "isthmus-plan";
    static final int VERSION = 1;

    private PlanFile() {}

    static void save(InferencePlan plan, Path file) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("InferencePlan.save: file is null");
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("input_shape", plan.inputShape().dims());
        spec.put("output_shape", plan.outputShape().dims());
        spec.put("kernel", plan.options().kernel().name().toLowerCase(Locale.ROOT));
        spec.put("chunk_samples", plan.options().chunkSamples());
        List<Object> steps = new ArrayList<>();
        Map<String, float[]> tensors = new LinkedHashMap<>();
        List<Step> list = plan.steps();
        for (int i = 0; i < list.size(); i++) {
            Step s = list.get(i);
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("kind", s.kind());
            one.put("config", s.config());
            steps.add(one);
            for (Map.Entry<String, float[]> t : s.tensors().entrySet()) {
                tensors.put("steps." + i + "." + t.getKey(), t.getValue());
            }
        }
        spec.put("steps", steps);
        TensorFile.write(file, FORMAT, VERSION, Map.of("plan", Json.write(spec)), tensors);
    }

    static InferencePlan load(Path file) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("InferencePlan.load: file is null");
        }
        TensorFile.Contents contents = TensorFile.read(file, FORMAT, VERSION);
        String text = contents.metadata().get("plan");
        if (text == null) {
            throw new ModelFormatException(file + ": __metadata__ has no \"plan\"");
        }
        Reader r = new Reader(file, contents.tensors());
        Map<?, ?> spec = r.object("plan", Json.parse(text, file + ": __metadata__ plan"));
        Shape input;
        Shape output;
        try {
            input = Shape.of(r.ints("plan", spec, "input_shape", -1));
            output = Shape.of(r.ints("plan", spec, "output_shape", -1));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": plan: " + e.getMessage(), e);
        }
        PlanOptions.Kernel kernel = r.choice("plan", spec, "kernel", PlanOptions.Kernel.class);
        PlanOptions options = new PlanOptions(kernel, r.integer("plan", spec, "chunk_samples", 0));
        if (!(spec.get("steps") instanceof List<?> specs) || specs.isEmpty()) {
            throw new ModelFormatException(file + ": plan \"steps\" must be a non-empty array");
        }
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            steps.add(r.step(i, r.object("step " + i, specs.get(i))));
        }
        if (r.used != contents.tensors().size()) {
            throw new ModelFormatException(file + ": holds " + contents.tensors().size() + " tensors but its steps use "
                    + r.used);
        }
        try {
            return new InferencePlan(input, output, steps, options);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /** Reads the untrusted JSON, turning every surprise into a ModelFormatException naming the file and place. */
    private static final class Reader {
        private final Path file;
        private final Map<String, float[]> tensors;
        int used;

        Reader(Path file, Map<String, float[]> tensors) {
            this.file = file;
            this.tensors = tensors;
        }

        ModelFormatException error(String where, String what) {
            return new ModelFormatException(file + ": " + where + ": " + what);
        }

        Map<?, ?> object(String where, Object value) throws ModelFormatException {
            if (value instanceof Map<?, ?> m) {
                return m;
            }
            throw error(where, "expected a JSON object");
        }

        int integer(String where, Map<?, ?> m, String key, int min) throws ModelFormatException {
            Object v = m.get(key);
            Long l = v instanceof Json.Numeral n ? n.toLong() : null;
            if (l == null || l < min || l > Integer.MAX_VALUE) {
                throw error(where, "\"" + key + "\" must be an integer >= " + min + ", got " + v);
            }
            return l.intValue();
        }

        float number(String where, Map<?, ?> m, String key) throws ModelFormatException {
            if (m.get(key) instanceof Json.Numeral n && Float.isFinite(n.toFloat())) {
                return n.toFloat();
            }
            throw error(where, "\"" + key + "\" must be a finite number, got " + m.get(key));
        }

        int[] ints(String where, Map<?, ?> m, String key, int length) throws ModelFormatException {
            if (!(m.get(key) instanceof List<?> list) || list.isEmpty() || list.size() > 8
                    || (length > 0 && list.size() != length)) {
                throw error(where, "\"" + key + "\" must be an array of " + (length > 0 ? length : "1 to 8")
                        + " positive integers, got " + m.get(key));
            }
            int[] out = new int[list.size()];
            for (int i = 0; i < out.length; i++) {
                Long l = list.get(i) instanceof Json.Numeral n ? n.toLong() : null;
                if (l == null || l < 0 || l > Integer.MAX_VALUE) {
                    throw error(where, "\"" + key + "\" must hold integers >= 0, got " + list.get(i));
                }
                out[i] = l.intValue();
            }
            return out;
        }

        <E extends Enum<E>> E choice(String where, Map<?, ?> m, String key, Class<E> type) throws ModelFormatException {
            if (m.get(key) instanceof String s) {
                for (E e : type.getEnumConstants()) {
                    if (e.name().equalsIgnoreCase(s)) {
                        return e;
                    }
                }
            }
            throw error(where, "\"" + key + "\" must be one of " + java.util.Arrays.toString(type.getEnumConstants())
                    + ", got " + m.get(key));
        }

        float[] tensor(int step, String name, long length) throws ModelFormatException {
            float[] t = tensors.get("steps." + step + "." + name);
            if (t == null) {
                throw error("step " + step, "tensor steps." + step + "." + name + " is missing");
            }
            if (t.length != length) {
                throw error("step " + step, "tensor steps." + step + "." + name + " has " + t.length
                        + " values, its configuration needs " + length);
            }
            for (float v : t) {
                if (!Float.isFinite(v)) {
                    throw error("step " + step, "tensor steps." + step + "." + name + " holds " + v);
                }
            }
            used++;
            return t;
        }

        Activation activation(String where, Map<?, ?> c) throws ModelFormatException {
            Activation.Kind kind = choice(where, c, "activation", Activation.Kind.class);
            try {
                return new Activation(kind, number(where, c, "alpha"));
            } catch (IllegalArgumentException e) {
                throw error(where, e.getMessage());
            }
        }

        Step step(int i, Map<?, ?> spec) throws ModelFormatException {
            String where = "step " + i;
            if (!(spec.get("kind") instanceof String kind)) {
                throw error(where, "\"kind\" must be a string, got " + spec.get("kind"));
            }
            where += " (" + kind + ")";
            Map<?, ?> c = object(where + " config", spec.get("config"));
            try {
                return switch (kind) {
                    case "dense", "conv2d" -> {
                        int k = integer(where, c, "k", 1);
                        int n = integer(where, c, "n", 1);
                        ConvShape g = null;
                        if (kind.equals("conv2d")) {
                            int[] in = ints(where, c, "input", 3);
                            int[] kernel = ints(where, c, "kernel", 2);
                            int[] stride = ints(where, c, "stride", 2);
                            int[] pad = ints(where, c, "padding", 2);
                            int[] dil = ints(where, c, "dilation", 2);
                            g = new ConvShape(in[0], in[1], in[2], n, kernel[0], kernel[1], stride[0], stride[1], pad[0],
                                    pad[1], dil[0], dil[1]);
                        }
                        if (!(c.get("folded") instanceof String folded)) {
                            throw error(where, "\"folded\" must be a string");
                        }
                        yield new MatmulStep(g, k, n, tensor(i, "weights", (long) k * n), tensor(i, "bias", n),
                                activation(where, c), integer(where, c, "blas_from_rows", 1), folded);
                    }
                    case "maxpool2d", "avgpool2d" -> {
                        int[] in = ints(where, c, "input", 3);
                        yield new PoolStep(kind.equals("maxpool2d"), in[0], in[1], in[2], integer(where, c, "size", 1),
                                integer(where, c, "stride", 1));
                    }
                    case "affine" -> {
                        int channels = integer(where, c, "channels", 1);
                        yield new AffineStep(integer(where, c, "size", 1), tensor(i, "scale", channels),
                                tensor(i, "shift", channels));
                    }
                    case "activation" -> new ActivationStep(integer(where, c, "size", 1), activation(where, c));
                    case "softmax" -> new SoftmaxStep(integer(where, c, "size", 1));
                    case "to_channels_last", "to_channels_first" -> {
                        int[] image = ints(where, c, "image", 3);
                        yield new LayoutStep(kind.equals("to_channels_last"), image[0], image[1], image[2]);
                    }
                    default -> throw error(where, "unknown step kind; expected dense, conv2d, maxpool2d, avgpool2d, "
                            + "affine, activation, softmax, to_channels_last or to_channels_first");
                };
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw error(where, e.getMessage());
            }
        }
    }
}
