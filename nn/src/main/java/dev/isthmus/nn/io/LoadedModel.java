package dev.isthmus.nn.io;

import dev.isthmus.nn.Sequential;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model read by {@link ModelFile#load}, with the metadata its writer attached.
 *
 * @param model         the model, with the saved weights, buffers and penalties
 * @param extra         the map given to {@link ModelFile#save} (normalization, class names...), in its
 *                      saved order; empty when there was none
 * @param formatVersion the file's {@code format_version}
 */
public record LoadedModel(Sequential model, Map<String, String> extra, int formatVersion) {
    public LoadedModel {
        if (model == null || extra == null) {
            throw new IllegalArgumentException("a loaded model needs a model and an extra map");
        }
        extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }
}
