package dev.isthmus.cli;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.data.Normalization;
import dev.isthmus.nn.io.Json;
import dev.isthmus.nn.io.LoadedModel;
import dev.isthmus.nn.io.ModelFile;
import dev.isthmus.nn.io.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A model with what eval and predict need to use it on raw data as train did: the input
 * normalization fitted on the training set, the class names and where the data came from. They
 * travel in the model file's extra metadata under {@code normalization} (JSON: kind, center,
 * spread), {@code class_names} (a JSON list) and {@code data}.
 *
 * @param normalization null when the model was trained on unscaled inputs
 */
record TrainedModel(Sequential model, Normalization normalization, List<String> classNames, String data) {
    static final String NORMALIZATION = "normalization";
    static final String CLASS_NAMES = "class_names";
    static final String DATA = "data";

    void save(Path file) throws IOException {
        Map<String, String> extra = new LinkedHashMap<>();
        if (normalization != null) {
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("kind", normalization.kind().name().toLowerCase(Locale.ROOT));
            n.put("center", floats(normalization.center()));
            n.put("spread", floats(normalization.spread()));
            extra.put(NORMALIZATION, Json.write(n));
        }
        extra.put(CLASS_NAMES, Json.write(classNames));
        extra.put(DATA, data);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        ModelFile.save(model, file, extra);
    }

    /**
     * Reads a model file written by train (or any Isthmus model file: without the metadata it gets
     * no normalization and class indices for names).
     *
     * @throws NoSuchFileException  when the file does not exist
     * @throws dev.isthmus.nn.io.ModelFormatException when it is not a readable model
     * @throws IOException         when its isthmus metadata is corrupt, naming the file
     */
    static TrainedModel load(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such model file");
        }
        LoadedModel loaded = ModelFile.load(file);
        Map<String, String> extra = loaded.extra();
        Sequential model = loaded.model();
        int outputs = model.outputShape().size();
        try {
            Normalization normalization = extra.containsKey(NORMALIZATION)
                    ? normalization(Json.parse(extra.get(NORMALIZATION), NORMALIZATION)) : null;
            if (normalization != null && normalization.featureSize() != model.inputShape().size()) {
                throw new IllegalArgumentException("normalization has " + normalization.featureSize()
                        + " features but the model takes " + model.inputShape().size());
            }
            List<String> names = extra.containsKey(CLASS_NAMES)
                    ? strings(Json.parse(extra.get(CLASS_NAMES), CLASS_NAMES))
                    : DataSource.indexNames(outputs == 1 ? 2 : outputs);
            return new TrainedModel(model, normalization, names, extra.getOrDefault(DATA, "unknown"));
        } catch (IllegalArgumentException | ModelFormatException e) {
            throw new IOException(file + ": corrupt isthmus metadata: " + e.getMessage());
        }
    }

    /** The data as this model's inputs: normalized when the model was trained so, and checked against its input shape. */
    Dataset prepare(Dataset data) {
        checkFeatures(data.featureShape());
        Dataset shaped = reshape(data);
        return normalization == null ? shaped : normalization.apply(shaped);
    }

    /**
     * Checks that examples of this shape can be fed to the model: the same shape, or the same
     * number of features (a flat row for an image model, which {@link #reshape} fixes).
     *
     * @throws IllegalArgumentException naming both shapes
     */
    void checkFeatures(int[] featureShape) {
        int size = 1;
        for (int d : featureShape) {
            size *= d;
        }
        if (size != model.inputShape().size()) {
            throw new IllegalArgumentException("the model takes input of shape " + model.inputShape() + " ("
                    + model.inputShape().size() + " features) but the data's examples have shape "
                    + Shape.of(featureShape) + " (" + size + " features)");
        }
    }

    /** The data with the model's sample shape (the same features, perhaps flat or as an image). */
    Dataset reshape(Dataset data) {
        if (Shape.of(data.featureShape()).equals(model.inputShape())) {
            return data;
        }
        return new Dataset(data.features(), model.inputShape().dims(), data.labels(), data.classes());
    }

    private static Normalization normalization(Object json) {
        if (!(json instanceof Map<?, ?> m) || !(m.get("kind") instanceof String kind)) {
            throw new IllegalArgumentException("normalization must be an object with kind, center and spread");
        }
        Normalization.Kind k;
        try {
            k = Normalization.Kind.valueOf(kind.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown normalization kind '" + kind + "'");
        }
        return Normalization.of(k, floats(m.get("center"), "center"), floats(m.get("spread"), "spread"));
    }

    private static float[] floats(Object json, String what) {
        if (!(json instanceof List<?> list)) {
            throw new IllegalArgumentException("normalization " + what + " must be a list of numbers");
        }
        float[] v = new float[list.size()];
        for (int i = 0; i < v.length; i++) {
            if (!(list.get(i) instanceof Json.Numeral n)) {
                throw new IllegalArgumentException("normalization " + what + "[" + i + "] is not a number");
            }
            v[i] = n.toFloat();
        }
        return v;
    }

    private static List<String> strings(Object json) {
        if (!(json instanceof List<?> list)) {
            throw new IllegalArgumentException("class_names must be a list of strings");
        }
        List<String> names = new ArrayList<>(list.size());
        for (Object o : list) {
            names.add(String.valueOf(o));
        }
        return List.copyOf(names);
    }

    private static List<Float> floats(float[] v) {
        List<Float> list = new ArrayList<>(v.length);
        for (float f : v) {
            list.add(f);
        }
        return list;
    }
}
