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
        spec.put("sparse", plan.options().sparse().name().toLowerCase(Locale.ROOT));
        List<Object> steps = new ArrayList<>();
        Map<String, float[]> tensors = new LinkedHashMap<>();
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        Map<String, int[]> ints = new LinkedHashMap<>();
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
            for (Map.Entry<String, byte[]> t : s.byteTensors().entrySet()) {
                bytes.put("steps." + i + "." + t.getKey(), t.getValue());
            }
            for (Map.Entry<String, int[]> t : s.intTensors().entrySet()) {
                ints.put("steps." + i + "." + t.getKey(), t.getValue());
            }
        }
        spec.put("steps", steps);
        TensorFile.write(file, FORMAT, VERSION, Map.of("plan", Json.write(spec)), tensors, bytes, ints);
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
        Reader r = new Reader(file, contents);
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
        // files written before the sparse choice existed compiled as AUTO does
        PlanOptions.Sparse sparse = spec.containsKey("sparse")
                ? r.choice("plan", spec, "sparse", PlanOptions.Sparse.class) : PlanOptions.Sparse.AUTO;
        PlanOptions options = new PlanOptions(kernel, r.integer("plan", spec, "chunk_samples", 0), sparse);
        if (!(spec.get("steps") instanceof List<?> specs) || specs.isEmpty()) {
            throw new ModelFormatException(file + ": plan \"steps\" must be a non-empty array");
        }
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            steps.add(r.step(i, r.object("step " + i, specs.get(i))));
        }
        int held = contents.tensors().size() + contents.bytes().size() + contents.ints().size();
        if (r.used != held) {
            throw new ModelFormatException(file + ": holds " + held + " tensors but its steps use " + r.used);
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
        private final Map<String, byte[]> bytes;
        private final Map<String, int[]> ints;
        int used;

        Reader(Path file, TensorFile.Contents contents) {
            this.file = file;
            this.tensors = contents.tensors();
            this.bytes = contents.bytes();
            this.ints = contents.ints();
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

        /** A conv2d geometry from a step's or operation's configuration. */
        ConvShape conv(String where, Map<?, ?> c, int n) throws ModelFormatException {
            int[] in = ints(where, c, "input", 3);
            int[] kernel = ints(where, c, "kernel", 2);
            int[] stride = ints(where, c, "stride", 2);
            int[] pad = ints(where, c, "padding", 2);
            int[] dil = ints(where, c, "dilation", 2);
            return new ConvShape(in[0], in[1], in[2], n, kernel[0], kernel[1], stride[0], stride[1], pad[0], pad[1],
                    dil[0], dil[1]);
        }

        QuantizedStep quantized(int i, String where, Map<?, ?> c) throws ModelFormatException {
            if (!(c.get("mode") instanceof String mode) || !(mode.equals("static") || mode.equals("dynamic"))) {
                throw error(where, "\"mode\" must be \"static\" or \"dynamic\", got " + c.get("mode"));
            }
            boolean dynamic = mode.equals("dynamic");
            int inZero = integer(where, c, "input_zero", -128);
            float inScale = dynamic ? 0f : tensor(i, "input_scale", 1)[0];
            if (!(c.get("ops") instanceof List<?> list) || list.isEmpty()) {
                throw error(where, "\"ops\" must be a non-empty array");
            }
            List<QuantizedStep.Op> ops = new ArrayList<>();
            float scale = inScale;
            int zero = inZero;
            for (int j = 0; j < list.size(); j++) {
                String at = where + " operation " + j;
                Map<?, ?> o = object(at, list.get(j));
                if (!(o.get("op") instanceof String op)) {
                    throw error(at, "\"op\" must be a string, got " + o.get("op"));
                }
                String prefix = "ops." + j + ".";
                switch (op) {
                    case "dense", "conv2d" -> {
                        int k = integer(at, o, "k", 1);
                        int n = integer(at, o, "n", 1);
                        ConvShape g = op.equals("conv2d") ? conv(at, o, n) : null;
                        if (!(o.get("relu") instanceof Boolean relu)) {
                            throw error(at, "\"relu\" must be true or false, got " + o.get("relu"));
                        }
                        if (!(o.get("output") instanceof String output)
                                || !(output.equals("float") || output.equals("int8"))) {
                            throw error(at, "\"output\" must be \"float\" or \"int8\", got " + o.get("output"));
                        }
                        int outZero = integer(at, o, "output_zero", -128);
                        float outScale = output.equals("int8") ? tensor(i, prefix + "output_scale", 1)[0] : 0f;
                        byte[] w = byteTensor(i, prefix + "weights", (long) k * n);
                        float[] ws = tensor(i, prefix + "weight_scales", n);
                        QuantizedStep.Product p = dynamic
                                ? new QuantizedStep.Product(g, k, n, w, ws, null, tensor(i, prefix + "float_bias", n),
                                        relu, 0f, 0, outScale, outZero)
                                : new QuantizedStep.Product(g, k, n, w, ws, intTensor(i, prefix + "bias", n), null, relu,
                                        scale, zero, outScale, outZero);
                        ops.add(p);
                        scale = outScale;
                        zero = outZero;
                    }
                    case "maxpool2d" -> {
                        int[] in = ints(at, o, "input", 3);
                        ops.add(new QuantizedStep.MaxPool(in[0], in[1], in[2], integer(at, o, "size", 1),
                                integer(at, o, "stride", 1)));
                    }
                    default -> throw error(at, "unknown operation \"" + op + "\"; expected dense, conv2d or maxpool2d");
                }
            }
            return new QuantizedStep(inScale, inZero, ops, null);
        }

        float[] positive(int step, float[] scales) throws ModelFormatException {
            for (float v : scales) {
                if (!(v > 0)) {
                    throw error("step " + step, "weight scale " + v + " must be > 0");
                }
            }
            return scales;
        }

        byte[] byteTensor(int step, String name, long length) throws ModelFormatException {
            return sized(step, name, bytes.get("steps." + step + "." + name), length, "int8");
        }

        int[] intTensor(int step, String name, long length) throws ModelFormatException {
            return sized(step, name, ints.get("steps." + step + "." + name), length, "int32");
        }

        private <T> T sized(int step, String name, T array, long length, String type) throws ModelFormatException {
            if (array == null) {
                throw error("step " + step, type + " tensor steps." + step + "." + name + " is missing");
            }
            int have = array instanceof byte[] b ? b.length : ((int[]) array).length;
            if (have != length) {
                throw error("step " + step, "tensor steps." + step + "." + name + " has " + have
                        + " values, its configuration needs " + length);
            }
            used++;
            return array;
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
                        ConvShape g = kind.equals("conv2d") ? conv(where, c, n) : null;
                        if (!(c.get("folded") instanceof String folded)) {
                            throw error(where, "\"folded\" must be a string");
                        }
                        if (c.containsKey("weights")) {
                            if (!"int8".equals(c.get("weights"))) {
                                throw error(where, "\"weights\" must be \"int8\" when present, got " + c.get("weights"));
                            }
                            yield MatmulStep.dequantized(g, k, n, byteTensor(i, "weights_int8", (long) k * n),
                                    positive(i, tensor(i, "weight_scales", n)), tensor(i, "bias", n),
                                    activation(where, c), integer(where, c, "blas_from_rows", 1), folded);
                        }
                        yield new MatmulStep(g, k, n, tensor(i, "weights", (long) k * n), tensor(i, "bias", n),
                                activation(where, c), integer(where, c, "blas_from_rows", 1), folded);
                    }
                    case "sparse_dense" -> {
                        int k = integer(where, c, "k", 1);
                        int n = integer(where, c, "n", 1);
                        int nonzeros = integer(where, c, "nonzeros", 0);
                        if ((long) nonzeros > (long) k * n) {
                            throw error(where, "\"nonzeros\" " + nonzeros + " exceeds the " + k + " x " + n + " weights");
                        }
                        if (!(c.get("folded") instanceof String folded)) {
                            throw error(where, "\"folded\" must be a string");
                        }
                        yield SparseMatmulStep.ofColumns(k, n, intTensor(i, "column_starts", (long) n + 1),
                                intTensor(i, "row_indices", nonzeros), tensor(i, "values", nonzeros), tensor(i, "bias", n),
                                activation(where, c), integer(where, c, "blas_from_rows", 1), folded,
                                integer(where, c, "dense_from_rows", 1));
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
                    case "int8" -> quantized(i, where, c);
                    default -> throw error(where, "unknown step kind; expected dense, sparse_dense, conv2d, maxpool2d, avgpool2d, "
                            + "affine, activation, softmax, to_channels_last, to_channels_first or int8");
                };
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw error(where, e.getMessage());
            }
        }
    }
}
