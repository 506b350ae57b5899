package dev.isthmus.nn.io;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Init;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.layer.ActivationLayer;
import dev.isthmus.nn.layer.AvgPool2d;
import dev.isthmus.nn.layer.BatchNorm;
import dev.isthmus.nn.layer.Conv2d;
import dev.isthmus.nn.layer.Dense;
import dev.isthmus.nn.layer.Dropout;
import dev.isthmus.nn.layer.Flatten;
import dev.isthmus.nn.layer.MaxPool2d;
import dev.isthmus.nn.layer.Softmax;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Rebuilds a layer from the kind and configuration a model file records for it
 * ({@link Layer#kind()} and {@link Layer#config()}), for the input shape the previous layer gives.
 * Weights come out freshly initialized; the loader then overwrites them with the file's. Model
 * surgery (structured pruning, widening) uses it too, to rebuild a layer with the same settings for
 * new sizes.
 */
public final class LayerFactory {
    /** The kinds this version reads, for error messages. */
    static final List<String> KINDS = List.of("dense", "relu", "leaky_relu", "elu", "sigmoid", "tanh", "softmax",
            "flatten", "conv2d", "max_pool2d", "avg_pool2d", "batch_norm", "dropout");

    private LayerFactory() {}

    /**
     * The layer of this kind and configuration, as {@link Layer#config()} returns it (numbers as
     * Integer, Long or Float) or as a model file records it, for samples of shape {@code input}.
     * Weight layers come out initialized from seed 0 by the configuration's {@code init}; the caller
     * overwrites the values it wants.
     *
     * @param backend the backend of a dense or conv2d layer's products (ignored by other kinds)
     * @throws IllegalArgumentException naming the key and value when an argument is null, the kind is
     *                                  unknown, a key is missing, unknown or of the wrong type, or the
     *                                  layer rejects the configuration
     */
    public static Layer build(String kind, Map<String, Object> config, Shape input, Backend backend) {
        if (kind == null || config == null || input == null || backend == null) {
            throw new IllegalArgumentException("layer factory: kind " + kind + ", config " + config + ", input " + input
                    + " and backend " + backend + " must all be given");
        }
        return build(kind, config, input, backend, Long.MAX_VALUE);
    }

    /**
     * The layer of this kind and configuration.
     *
     * @param floatsInFile the values the file holds for all layers: a configuration asking for more
     *                     is refused before anything is allocated, so a corrupt size cannot exhaust
     *                     the heap
     * @throws IllegalArgumentException naming the key and value when the kind is unknown, a key is
     *                                  missing, unknown or of the wrong type, or the layer rejects
     *                                  the configuration
     */
    static Layer build(String kind, Map<String, Object> config, Shape input, Backend backend, long floatsInFile) {
        Config c = new Config(config);
        Layer layer = switch (kind) {
            case "dense" -> {
                int in = c.integer("in_features");
                int out = c.integer("out_features");
                Init init = Init.parse(c.string("init"));
                float l1 = c.decimal("l1");
                float l2 = c.decimal("l2");
                c.fits(floatsInFile, (long) in * out + out, "in_features * out_features + out_features");
                yield new Dense(in, out, init, backend, 0L).regularize(l1, l2);
            }
            case "relu" -> ActivationLayer.relu(input);
            case "leaky_relu" -> ActivationLayer.leakyRelu(input, c.decimal("alpha"));
            case "elu" -> ActivationLayer.elu(input, c.decimal("alpha"));
            case "sigmoid" -> ActivationLayer.sigmoid(input);
            case "tanh" -> ActivationLayer.tanh(input);
            case "softmax" -> {
                if (input.rank() != 1) {
                    throw new IllegalArgumentException("softmax needs samples of one dimension, got " + input);
                }
                yield new Softmax(input.dim(0));
            }
            case "flatten" -> new Flatten(input);
            case "conv2d" -> {
                int outChannels = c.integer("out_channels");
                int kernel = c.integer("kernel");
                int stride = c.integer("stride");
                int padding = c.integer("padding");
                Init init = Init.parse(c.string("init"));
                float l1 = c.decimal("l1");
                float l2 = c.decimal("l2");
                c.fits(floatsInFile, (long) outChannels * input.dim(0) * kernel * kernel,
                        "out_channels * in_channels * kernel * kernel");
                Conv2d conv = new Conv2d(input, outChannels, kernel, stride, padding, init, backend, 0L);
                conv.regularize(l1, l2);
                yield conv;
            }
            case "max_pool2d" -> new MaxPool2d(input, c.integer("size"), c.integer("stride"));
            case "avg_pool2d" -> new AvgPool2d(input, c.integer("size"), c.integer("stride"));
            case "batch_norm" -> {
                float momentum = c.decimal("momentum");
                float eps = c.decimal("eps");
                c.fits(floatsInFile, 2L * input.dim(0), "2 * channels (running_mean, running_var)");
                yield new BatchNorm(input, momentum, eps);
            }
            case "dropout" -> new Dropout(input, c.decimal("rate"), c.longInteger("seed"));
            default -> throw new IllegalArgumentException("unknown layer kind '" + kind
                    + "': this version of Isthmus reads " + String.join(", ", KINDS));
        };
        c.noOtherKeys();
        return layer;
    }

    /** Typed access to a configuration read from JSON, remembering which keys were used. */
    private static final class Config {
        private final Map<String, Object> values;
        private final Set<String> used = new HashSet<>();

        Config(Map<String, Object> values) {
            this.values = values;
        }

        private Object get(String key) {
            used.add(key);
            if (!values.containsKey(key)) {
                throw new IllegalArgumentException("config has no \"" + key + "\"");
            }
            return values.get(key);
        }

        int integer(String key) {
            long v = longInteger(key);
            if (v != (int) v) {
                throw new IllegalArgumentException("config \"" + key + "\" is " + v + ", beyond the int range");
            }
            return (int) v;
        }

        long longInteger(String key) {
            Object v = get(key);
            Long n = v instanceof Json.Numeral num ? num.toLong()
                    : v instanceof Integer || v instanceof Long ? Long.valueOf(((Number) v).longValue()) : null;
            if (n == null) {
                throw new IllegalArgumentException("config \"" + key + "\" must be an integer, got " + Json.brief(v));
            }
            return n;
        }

        float decimal(String key) {
            Object v = get(key);
            float f = v instanceof Json.Numeral num ? num.toFloat() : v instanceof Float x ? x : Float.NaN;
            if (!Float.isFinite(f)) {
                throw new IllegalArgumentException("config \"" + key + "\" must be a finite float, got " + Json.brief(v));
            }
            return f;
        }

        String string(String key) {
            Object v = get(key);
            if (!(v instanceof String s)) {
                throw new IllegalArgumentException("config \"" + key + "\" must be a string, got " + Json.brief(v));
            }
            return s;
        }

        /** Refuses a layer whose parameters would need more floats than the whole file holds. */
        void fits(long floatsInFile, long floats, String formula) {
            if (floats > floatsInFile) {
                throw new IllegalArgumentException("config asks for " + formula + " = " + floats
                        + " parameter values but the file holds only " + floatsInFile);
            }
        }

        /** Rejects keys no case read: a newer writer's option this reader would silently ignore. */
        void noOtherKeys() {
            Set<String> unknown = new TreeSet<>(values.keySet());
            unknown.removeAll(used);
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("unknown config keys " + unknown + " (known: " + new TreeSet<>(used) + ")");
            }
        }
    }
}
