package dev.isthmus.nn.io;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Shape;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Saves a {@link Sequential} model to one safetensors file and loads it back, weights bit for bit.
 * The file layout is described in the {@linkplain dev.isthmus.nn.io package documentation}.
 *
 * <pre>{@code
 * ModelFile.save(model, Path.of("mnist.safetensors"), Map.of("classes", "0,1,2,3,4,5,6,7,8,9"));
 * LoadedModel loaded = ModelFile.load(Path.of("mnist.safetensors"));
 * int[] predicted = loaded.model().predictClasses(batch);
 * }</pre>
 *
 * Saving replaces the file atomically: a crash or an error while saving leaves the previous file
 * intact. Loading checks everything against the file's real size before allocating, and reports a
 * file that is not an Isthmus model, is newer than this version reads, or is corrupt as a
 * {@link ModelFormatException} naming the file and the offending value. {@link #load} also reads a
 * {@link Checkpoint}'s model, ignoring its optimizer and training state.
 */
public final class ModelFile {
    static final String MODEL_FORMAT = "isthmus-model";
    static final String CHECKPOINT_FORMAT = "isthmus-checkpoint";
    /** The format version this code writes, and the newest it reads. */
    static final int VERSION = 1;
    static final String FORMAT = "format";
    static final String FORMAT_VERSION = "format_version";
    static final String ARCHITECTURE = "architecture";
    static final String EXTRA = "extra";
    static final String LAYER_PREFIX = "layers.";
    static final String OPTIMIZER_PREFIX = "optimizer.";

    private ModelFile() {}

    /**
     * Writes the model's architecture, every layer's parameters and buffers, and {@code extra}
     * (strings the caller wants back at load: input normalization, class names...) to {@code file},
     * replacing it atomically.
     *
     * @throws IllegalArgumentException when an argument is null, a layer's kind cannot be loaded back,
     *                                  or its configuration holds a value a model file cannot (a
     *                                  non-finite number, a type other than those of {@link Layer#config()})
     * @throws IOException              when the file cannot be written; the previous file is then intact
     */
    public static void save(Sequential model, Path file, Map<String, String> extra) throws IOException {
        if (model == null || file == null) {
            throw new IllegalArgumentException("ModelFile.save: model and file must not be null");
        }
        Map<String, String> metadata = metadata(MODEL_FORMAT, model, extra);
        SafeTensors.write(file, metadata, tensors(model));
    }

    /**
     * Reads a model (or a checkpoint's model), its layers on the backend named by
     * {@link Backend#fromProperty()}.
     *
     * @throws ModelFormatException when the file is not a readable Isthmus model, naming why
     * @throws IOException          when the file cannot be read
     */
    public static LoadedModel load(Path file) throws IOException {
        return load(file, Backend.fromProperty());
    }

    /** As {@link #load(Path)}, with the layers' products on this backend. */
    public static LoadedModel load(Path file, Backend backend) throws IOException {
        if (file == null || backend == null) {
            throw new IllegalArgumentException("ModelFile.load: file and backend must not be null");
        }
        try (FileChannel ch = SafeTensors.openForReading(file)) {
            SafeTensors.Header h = SafeTensors.readHeader(file, ch,
                    (metadata, names) -> formatVersion(file, metadata, names, false));
            boolean checkpoint = CHECKPOINT_FORMAT.equals(h.metadata().get(FORMAT));
            Sequential model = readModel(ch, h, backend, name -> checkpoint && name.startsWith(OPTIMIZER_PREFIX));
            return new LoadedModel(model, stringMap(file, h.metadata(), EXTRA),
                    formatVersion(file, h.metadata(), List.of(), false));
        }
    }

    // ---------------------------------------------------------------- shared with Checkpoint

    /** The metadata every Isthmus file carries: format, version, architecture and (when not empty) extra. */
    static Map<String, String> metadata(String format, Sequential model, Map<String, String> extra) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(FORMAT, format);
        m.put(FORMAT_VERSION, Integer.toString(VERSION));
        m.put(ARCHITECTURE, architecture(model));
        putStringMap(m, EXTRA, extra);
        return m;
    }

    /** Stores a string map as one JSON object string under {@code key}, omitted when empty. */
    static void putStringMap(Map<String, String> metadata, String key, Map<String, String> map) {
        if (map == null) {
            throw new IllegalArgumentException(key + " map is null: pass Map.of() for none");
        }
        for (Map.Entry<String, String> e : map.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException(key + " map has a null key or value: " + e.getKey() + " -> " + e.getValue());
            }
        }
        if (!map.isEmpty()) {
            metadata.put(key, Json.write(map));
        }
    }

    /** The string map stored under {@code key}, empty when the key is absent. */
    static Map<String, String> stringMap(Path file, Map<String, String> metadata, String key) throws ModelFormatException {
        String text = metadata.get(key);
        if (text == null) {
            return Map.of();
        }
        String where = file + ": __metadata__ " + key;
        if (!(Json.parse(text, where) instanceof Map<?, ?> m)) {
            throw new ModelFormatException(where + " must be a JSON object of strings, got " + Json.brief(text));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new ModelFormatException(where + ": value of \"" + e.getKey() + "\" must be a string, got "
                        + Json.brief(e.getValue()));
            }
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    /** Every layer's parameters then buffers, named {@code layers.<index>.<name>}. */
    static List<SafeTensors.Source> tensors(Sequential model) {
        List<SafeTensors.Source> out = new ArrayList<>();
        List<Layer> layers = model.layers();
        for (int i = 0; i < layers.size(); i++) {
            for (Parameter p : stored(layers.get(i))) {
                out.add(new SafeTensors.Source(LAYER_PREFIX + i + "." + p.name(), p.shape().dims(), p.value()));
            }
        }
        return out;
    }

    /**
     * Checks that the metadata names an Isthmus file this code reads and returns its version.
     *
     * @param checkpointOnly true when only a checkpoint will do
     */
    static int formatVersion(Path file, Map<String, String> metadata, List<String> tensorNames, boolean checkpointOnly)
            throws ModelFormatException {
        String wanted = checkpointOnly ? "an Isthmus checkpoint" : "an Isthmus model";
        String format = metadata.get(FORMAT);
        if (format == null) {
            List<String> some = tensorNames.subList(0, Math.min(5, tensorNames.size()));
            throw new ModelFormatException(file + ": a safetensors file but not " + wanted + ": its header has "
                    + (metadata.isEmpty() ? "no __metadata__" : "no __metadata__ \"format\"") + " (tensors: "
                    + String.join(", ", some) + (tensorNames.size() > some.size() ? ", ..." : "") + ")");
        }
        if (!format.equals(MODEL_FORMAT) && !format.equals(CHECKPOINT_FORMAT)) {
            throw new ModelFormatException(file + ": not " + wanted + ": __metadata__ format is \"" + format
                    + "\", expected \"" + (checkpointOnly ? CHECKPOINT_FORMAT : MODEL_FORMAT + "\" or \"" + CHECKPOINT_FORMAT)
                    + "\"");
        }
        if (checkpointOnly && format.equals(MODEL_FORMAT)) {
            throw new ModelFormatException(file + ": an Isthmus model (format \"" + MODEL_FORMAT
                    + "\"), not a checkpoint: it has no optimizer or training state; read it with ModelFile.load");
        }
        String v = metadata.get(FORMAT_VERSION);
        if (v == null || !v.matches("[1-9][0-9]{0,8}")) {
            throw new ModelFormatException(file + ": __metadata__ format_version must be a positive integer, got "
                    + (v == null ? "none" : "\"" + v + "\""));
        }
        int version = Integer.parseInt(v);
        if (version > VERSION) {
            throw new ModelFormatException(file + ": format_version " + version + " is newer than this Isthmus reads ("
                    + VERSION + "): load it with a newer Isthmus");
        }
        return version;
    }

    /**
     * Rebuilds the model of a validated header and fills its parameters and buffers from the file.
     * The chain of layer shapes and every tensor's name and shape are checked before the first value
     * is read.
     *
     * @param ignored tensors that may be present besides the model's (a checkpoint's optimizer state)
     */
    static Sequential readModel(FileChannel ch, SafeTensors.Header h, Backend backend, Predicate<String> ignored)
            throws IOException {
        Path file = h.file();
        SafeTensors.requireFloat32(h);
        String text = h.metadata().get(ARCHITECTURE);
        if (text == null) {
            throw new ModelFormatException(file + ": __metadata__ has no \"architecture\"");
        }
        String where = file + ": __metadata__ architecture";
        Map<?, ?> arch = object(where, Json.parse(text, where), Set.of("input_shape", "layers"));
        Shape input = shape(where + " input_shape", arch.get("input_shape"));
        if (!(arch.get("layers") instanceof List<?> specs)) {
            throw new ModelFormatException(where + ": \"layers\" must be an array, got " + Json.brief(arch.get("layers")));
        }

        // A layer allocates its weights when it is built, before they can be compared with the file:
        // no layer may ask for more values than the file holds, and each layer's tensors are checked
        // right after it is built, so at most one unchecked layer's arrays exist at any time.
        long floatsInFile = 0;
        Map<String, SafeTensors.Entry> present = new LinkedHashMap<>();
        for (SafeTensors.Entry e : h.tensors()) {
            if (e.name().startsWith(LAYER_PREFIX)) {
                floatsInFile += e.elements();
            }
            present.put(e.name(), e);
        }
        List<Layer> layers = new ArrayList<>(specs.size());
        Map<String, Parameter> expected = new LinkedHashMap<>();
        Shape current = input;
        for (int i = 0; i < specs.size(); i++) {
            Map<?, ?> spec = object(where + " layer " + i, specs.get(i), Set.of("kind", "config"));
            if (!(spec.get("kind") instanceof String kind)) {
                throw new ModelFormatException(where + " layer " + i + ": \"kind\" must be a string, got "
                        + Json.brief(spec.get("kind")));
            }
            if (!(spec.get("config") instanceof Map<?, ?> config)) {
                throw new ModelFormatException(where + " layer " + i + " (" + kind + "): \"config\" must be an object, got "
                        + Json.brief(spec.get("config")));
            }
            Layer layer;
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> c = (Map<String, Object>) config;
                layer = LayerFactory.build(kind, c, current, backend, floatsInFile);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file + ": layer " + i + " (" + kind + "): " + e.getMessage(), e);
            }
            layers.add(layer);
            if (!layer.inputShape().equals(current)) {
                chain(file, input, layers);
            }
            for (Parameter p : stored(layer)) {
                String name = LAYER_PREFIX + i + "." + p.name();
                SafeTensors.Entry e = present.get(name);
                long[] dims = Arrays.stream(p.shape().dims()).asLongStream().toArray();
                if (e == null) {
                    throw new ModelFormatException(file + ": tensor " + name + " of shape " + Arrays.toString(dims)
                            + " is missing: the architecture needs it");
                }
                if (!Arrays.equals(dims, e.shape())) {
                    throw new ModelFormatException(file + ": tensor " + name + " has shape " + e.shapeText()
                            + " but the architecture needs " + Arrays.toString(dims));
                }
                expected.put(name, p);
            }
            current = layer.outputShape();
        }
        Sequential model = chain(file, input, layers);
        for (SafeTensors.Entry e : h.tensors()) {
            if (!expected.containsKey(e.name()) && !ignored.test(e.name())) {
                throw new ModelFormatException(file + ": tensor " + e.name()
                        + " is not a parameter or buffer of the model its architecture describes");
            }
        }

        // in data order, so the file is read front to back
        for (SafeTensors.Entry e : h.tensors()) {
            Parameter p = expected.get(e.name());
            if (p != null) {
                SafeTensors.readFloats(ch, h, e, p.value());
            }
        }
        return model;
    }

    // ---------------------------------------------------------------- private

    /** The model of these layers, or Sequential.of's own message about the first pair that does not chain. */
    private static Sequential chain(Path file, Shape input, List<Layer> layers) throws ModelFormatException {
        try {
            return Sequential.of(input, layers);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": the architecture does not fit together: " + e.getMessage(), e);
        }
    }

    /** What a file stores of a layer: parameters, then buffers. */
    private static List<Parameter> stored(Layer layer) {
        List<Parameter> all = new ArrayList<>(layer.parameters());
        all.addAll(layer.buffers());
        return all;
    }

    private static String architecture(Sequential model) {
        Map<String, Object> arch = new LinkedHashMap<>();
        arch.put("input_shape", model.inputShape().dims());
        List<Object> layers = new ArrayList<>();
        for (int i = 0; i < model.layers().size(); i++) {
            Layer layer = model.layers().get(i);
            String kind = layer.kind();
            if (!LayerFactory.KINDS.contains(kind)) {
                // refuse now rather than write a file that cannot be loaded back
                throw new IllegalArgumentException("layer " + i + " (" + kind + "): a model file cannot load this kind back;"
                        + " it reads " + String.join(", ", LayerFactory.KINDS));
            }
            Map<String, Object> config = layer.config();
            if (config == null) {
                throw new IllegalArgumentException("layer " + i + " (" + kind + "): config() returned null");
            }
            for (Map.Entry<String, Object> e : config.entrySet()) {
                Object v = e.getValue();
                boolean ok = v instanceof Integer || v instanceof Long || v instanceof Boolean || v instanceof String
                        || v instanceof int[] || (v instanceof Float f && Float.isFinite(f));
                if (!ok || e.getKey() == null) {
                    throw new IllegalArgumentException("layer " + i + " (" + kind + "): config \"" + e.getKey() + "\" = "
                            + (v instanceof int[] a ? Arrays.toString(a) : v)
                            + ": a model file holds integers, finite floats, booleans, strings and int[]");
                }
            }
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("kind", kind);
            spec.put("config", config);
            layers.add(spec);
        }
        arch.put("layers", layers);
        return Json.write(arch);
    }

    private static Map<?, ?> object(String where, Object value, Set<String> keys) throws ModelFormatException {
        if (!(value instanceof Map<?, ?> m) || !m.keySet().equals(keys)) {
            throw new ModelFormatException(where + ": expected an object with exactly the keys " + keys + ", got "
                    + Json.brief(value));
        }
        return m;
    }

    private static Shape shape(String where, Object value) throws ModelFormatException {
        if (value instanceof List<?> list && !list.isEmpty()) {
            int[] dims = new int[list.size()];
            for (int i = 0; i < dims.length; i++) {
                Long d = list.get(i) instanceof Json.Numeral n ? n.toLong() : null;
                if (d == null || d < 1 || d > Integer.MAX_VALUE) {
                    dims = null;
                    break;
                }
                dims[i] = d.intValue();
            }
            if (dims != null) {
                try {
                    return Shape.of(dims);
                } catch (IllegalArgumentException e) {
                    throw new ModelFormatException(where + ": " + e.getMessage(), e);
                }
            }
        }
        throw new ModelFormatException(where + ": expected an array of integers >= 1, got " + Json.brief(value));
    }
}
