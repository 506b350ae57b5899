package dev.isthmus.nn.io;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Sequential;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training snapshot to resume from: the model, the optimizer's arrays (moments, velocities...),
 * and the training state as strings (epoch, step, optimizer name and configuration, RNG seeds,
 * history...). Written by {@link #save} atomically, like a {@link ModelFile}, into the same
 * safetensors container with format {@code isthmus-checkpoint}; see the
 * {@linkplain dev.isthmus.nn.io package documentation}. {@link ModelFile#load} reads a checkpoint's
 * model too; {@link #load} refuses a plain model file, which has no optimizer state to resume.
 *
 * <p>The arrays are the loaded ones, not copies: {@link #equals} compares them by identity.
 *
 * @param model          the model, with its saved weights, buffers and penalties
 * @param optimizerState the optimizer's arrays by key, in saved order
 * @param trainingState  the training state strings, in saved order
 * @param extra          the caller's other strings, in saved order
 * @param formatVersion  the file's {@code format_version}
 */
public record Checkpoint(Sequential model, Map<String, float[]> optimizerState, Map<String, String> trainingState,
                         Map<String, String> extra, int formatVersion) {
    static final String TRAINING_STATE = "training_state";

    public Checkpoint {
        if (model == null || optimizerState == null || trainingState == null || extra == null) {
            throw new IllegalArgumentException("a checkpoint needs a model, optimizer state, training state and extra");
        }
        optimizerState = Collections.unmodifiableMap(new LinkedHashMap<>(optimizerState));
        trainingState = Collections.unmodifiableMap(new LinkedHashMap<>(trainingState));
        extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /**
     * Writes a checkpoint, replacing {@code file} atomically. Each optimizer array is stored as a
     * one-dimensional tensor {@code optimizer.<key>}.
     *
     * @throws IllegalArgumentException when an argument, key or value is null, or as {@link ModelFile#save}
     * @throws IOException              when the file cannot be written; the previous file is then intact
     */
    public static void save(Path file, Sequential model, Map<String, float[]> optimizerState,
                            Map<String, String> trainingState, Map<String, String> extra) throws IOException {
        if (file == null || model == null || optimizerState == null) {
            throw new IllegalArgumentException("Checkpoint.save: file, model and optimizerState must not be null");
        }
        Map<String, String> metadata = ModelFile.metadata(ModelFile.CHECKPOINT_FORMAT, model, extra);
        ModelFile.putStringMap(metadata, TRAINING_STATE, trainingState);
        List<SafeTensors.Source> tensors = new ArrayList<>(ModelFile.tensors(model));
        for (Map.Entry<String, float[]> e : optimizerState.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("optimizer state has a null key or array: " + e.getKey());
            }
            float[] a = e.getValue();
            tensors.add(new SafeTensors.Source(ModelFile.OPTIMIZER_PREFIX + e.getKey(), new int[] {a.length}, a));
        }
        SafeTensors.write(file, metadata, tensors);
    }

    /** Reads a checkpoint, its layers on the backend named by {@link Backend#fromProperty()}. */
    public static Checkpoint load(Path file) throws IOException {
        return load(file, Backend.fromProperty());
    }

    /**
     * Reads a checkpoint, its layers on this backend.
     *
     * @throws ModelFormatException when the file is not a readable Isthmus checkpoint (a plain model
     *                              file included), naming why
     * @throws IOException          when the file cannot be read
     */
    public static Checkpoint load(Path file, Backend backend) throws IOException {
        if (file == null || backend == null) {
            throw new IllegalArgumentException("Checkpoint.load: file and backend must not be null");
        }
        try (FileChannel ch = SafeTensors.openForReading(file)) {
            SafeTensors.Header h = SafeTensors.readHeader(file, ch,
                    (metadata, names) -> ModelFile.formatVersion(file, metadata, names, true));
            Sequential model = ModelFile.readModel(ch, h, backend, name -> name.startsWith(ModelFile.OPTIMIZER_PREFIX));
            Map<String, float[]> optimizer = new LinkedHashMap<>();
            for (SafeTensors.Entry e : h.tensors()) {
                if (!e.name().startsWith(ModelFile.OPTIMIZER_PREFIX)) {
                    continue;
                }
                if (e.shape().length != 1) {
                    throw new ModelFormatException(file + ": optimizer tensor " + e.name() + " has shape " + e.shapeText()
                            + ": optimizer state is stored one-dimensional");
                }
                if (e.elements() > Integer.MAX_VALUE - 8) {
                    throw new ModelFormatException(file + ": optimizer tensor " + e.name() + " has " + e.elements()
                            + " values, more than a Java array holds");
                }
                // the header check bounded the size by the file's length
                float[] a = new float[(int) e.elements()];
                SafeTensors.readFloats(ch, h, e, a);
                optimizer.put(e.name().substring(ModelFile.OPTIMIZER_PREFIX.length()), a);
            }
            return new Checkpoint(model, optimizer, ModelFile.stringMap(file, h.metadata(), TRAINING_STATE),
                    ModelFile.stringMap(file, h.metadata(), ModelFile.EXTRA),
                    ModelFile.formatVersion(file, h.metadata(), List.of(), true));
        }
    }
}
