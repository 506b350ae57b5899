package dev.isthmus.cli;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The layers of a classifier, built for a data set's sample shape and class count: the {@code mlp}
 * and {@code cnn} presets, or a JSON spec file such as
 * {@code {"layers":[{"type":"dense","units":64},{"type":"relu"}]}} to which the output layer is
 * not added (the spec must end with as many outputs as there are classes).
 */
final class Architecture {
    static final List<String> PRESETS = List.of("mlp", "cnn");

    /** Keys each layer type of a spec file accepts besides {@code type}. */
    private static final Map<String, Set<String>> KEYS = Map.ofEntries(
            Map.entry("dense", Set.of("units")),
            Map.entry("conv2d", Set.of("filters", "kernel", "stride", "padding")),
            Map.entry("max_pool2d", Set.of("size", "stride")),
            Map.entry("avg_pool2d", Set.of("size", "stride")),
            Map.entry("batch_norm", Set.of("momentum", "eps")),
            Map.entry("dropout", Set.of("rate")),
            Map.entry("relu", Set.of()),
            Map.entry("leaky_relu", Set.of("alpha")),
            Map.entry("elu", Set.of("alpha")),
            Map.entry("sigmoid", Set.of()),
            Map.entry("tanh", Set.of()),
            Map.entry("softmax", Set.of()),
            Map.entry("flatten", Set.of()));

    /**
     * How the layers are initialized and regularized.
     *
     * @param dropout the dropout rate after each hidden layer of a preset (0: none)
     */
    record Options(long seed, Backend backend, float l1, float l2, float dropout) {}

    private Architecture() {}

    /**
     * Checks what can be checked before the data is loaded: a preset's name, or that a spec file exists.
     *
     * @throws UsageError          for a name that is neither a preset nor a {@code .json} path
     * @throws NoSuchFileException for a {@code .json} spec file that does not exist
     */
    static void check(String model, Options options) throws NoSuchFileException {
        if (PRESETS.contains(model)) {
            return;
        }
        if (!model.toLowerCase(Locale.ROOT).endsWith(".json") && !Files.isRegularFile(Path.of(model))) {
            throw new UsageError("unknown model '" + model + "': expected mlp, cnn or a JSON spec file");
        }
        if (!Files.isRegularFile(Path.of(model))) {
            throw new NoSuchFileException(model, null, "no such model spec file");
        }
        if (options.dropout() > 0) {
            throw new UsageError("--dropout applies to the mlp and cnn presets; with spec " + model
                    + " add {\"type\":\"dropout\",\"rate\":" + options.dropout() + "} layers to it instead");
        }
    }

    /**
     * The model for samples of shape {@code input} and {@code classes} outputs (logits).
     *
     * @throws UsageError               for cnn on samples that are not images
     * @throws IllegalArgumentException for a spec file that is not valid, naming the layer and key
     */
    static Sequential build(String model, Shape input, int classes, Options options) throws IOException {
        check(model, options);
        Sequential.Builder b = Sequential.builder(input).seed(options.seed()).backend(options.backend())
                .weightPenalty(options.l1(), options.l2());
        switch (model) {
            case "mlp" -> {
                // dense flattens an image first, so one definition serves pixels and table rows
                b.dense(256).relu();
                dropout(b, options);
                b.dense(128).relu();
                dropout(b, options);
            }
            case "cnn" -> {
                if (input.rank() != 3) {
                    throw new UsageError("the cnn preset needs image samples (channels, height, width), but the data's "
                            + "samples have shape " + input + "; use --model mlp");
                }
                b.conv2d(32, 3, 1, 1).batchNorm().relu().maxPool2d(2);
                b.conv2d(64, 3, 1, 1).batchNorm().relu().maxPool2d(2);
                b.dense(128).relu();
                dropout(b, options);
            }
            default -> {
                spec(b, Path.of(model));
                if (b.currentShape().size() != classes) {
                    throw new IllegalArgumentException("model spec " + model + " ends with output shape " + b.currentShape()
                            + " but the data has " + classes + " classes; end it with {\"type\":\"dense\",\"units\":"
                            + classes + "}");
                }
                return b.build();
            }
        }
        return b.dense(classes).build();
    }

    private static void dropout(Sequential.Builder b, Options options) {
        if (options.dropout() > 0) {
            b.dropout(options.dropout());
        }
    }

    private static void spec(Sequential.Builder b, Path file) throws IOException {
        String name = file.toString();
        if (!(Json.parse(Files.readString(file), name) instanceof Map<?, ?> root)) {
            throw new IllegalArgumentException("model spec " + name + ": expected an object {\"layers\": [...]}");
        }
        for (Object key : root.keySet()) {
            if (!key.equals("layers")) {
                throw new IllegalArgumentException("model spec " + name + ": unknown key \"" + key + "\"; expected \"layers\"");
            }
        }
        if (!(root.get("layers") instanceof List<?> layers) || layers.isEmpty()) {
            throw new IllegalArgumentException("model spec " + name + ": \"layers\" must be a non-empty list of objects");
        }
        for (int i = 0; i < layers.size(); i++) {
            if (!(layers.get(i) instanceof Map<?, ?> layer)) {
                throw new IllegalArgumentException("model spec " + name + ": layer " + i + " is not an object");
            }
            new Layer(name, i, layer).addTo(b);
        }
    }

    /** One layer object of a spec file, and the messages that name it. */
    private record Layer(String file, int index, Map<?, ?> fields) {
        void addTo(Sequential.Builder b) {
            if (!(fields.get("type") instanceof String type)) {
                throw error("needs a \"type\" string, one of " + String.join(", ", KEYS.keySet().stream().sorted().toList()));
            }
            Set<String> allowed = KEYS.get(type);
            if (allowed == null) {
                throw error("unknown type \"" + type + "\"; expected one of "
                        + String.join(", ", KEYS.keySet().stream().sorted().toList()));
            }
            for (Object key : fields.keySet()) {
                if (!key.equals("type") && !allowed.contains(key)) {
                    throw error("unknown key \"" + key + "\" for type " + type + "; it takes "
                            + (allowed.isEmpty() ? "no other keys" : String.join(", ", allowed.stream().sorted().toList())));
                }
            }
            try {
                switch (type) {
                    case "dense" -> b.dense(whole("units", null));
                    case "conv2d" -> b.conv2d(whole("filters", null), whole("kernel", null), whole("stride", 1),
                            whole("padding", 0));
                    case "max_pool2d" -> b.maxPool2d(whole("size", null), whole("stride", whole("size", null)));
                    case "avg_pool2d" -> b.avgPool2d(whole("size", null), whole("stride", whole("size", null)));
                    case "batch_norm" -> b.batchNorm(number("momentum", 0.1f), number("eps", 1e-5f));
                    case "dropout" -> b.dropout(number("rate", null));
                    case "relu" -> b.relu();
                    case "leaky_relu" -> b.leakyRelu(number("alpha", 0.01f));
                    case "elu" -> b.elu(number("alpha", 1f));
                    case "sigmoid" -> b.sigmoid();
                    case "tanh" -> b.tanh();
                    case "softmax" -> b.softmax();
                    case "flatten" -> b.flatten();
                    default -> throw new AssertionError(type);
                }
            } catch (IllegalArgumentException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("model spec ")) {
                    throw e;
                }
                throw error("(" + type + ") " + e.getMessage());
            }
        }

        private int whole(String key, Integer fallback) {
            Object v = fields.get(key);
            if (v == null && fallback != null) {
                return fallback;
            }
            double d = v instanceof Json.Numeral n ? n.toDouble() : Double.NaN;
            if (d != Math.rint(d) || d < 1 && !key.equals("padding") || d < 0 || d > Integer.MAX_VALUE) {
                throw error("\"" + key + "\" must be a whole number" + (key.equals("padding") ? " >= 0" : " >= 1")
                        + ", got " + (v == null ? "nothing" : v));
            }
            return (int) d;
        }

        private float number(String key, Float fallback) {
            Object v = fields.get(key);
            if (v == null && fallback != null) {
                return fallback;
            }
            if (!(v instanceof Json.Numeral n)) {
                throw error("\"" + key + "\" must be a number, got " + (v == null ? "nothing" : v));
            }
            return n.toFloat();
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("model spec " + file + ": layer " + index + " " + what);
        }
    }
}
