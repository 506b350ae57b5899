package dev.isthmus.nn.structure;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.io.LayerFactory;
import dev.isthmus.nn.layer.ActivationLayer;
import dev.isthmus.nn.layer.AvgPool2d;
import dev.isthmus.nn.layer.BatchNorm;
import dev.isthmus.nn.layer.Conv2d;
import dev.isthmus.nn.layer.Dense;
import dev.isthmus.nn.layer.Dropout;
import dev.isthmus.nn.layer.Flatten;
import dev.isthmus.nn.layer.MaxPool2d;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What pruning and widening share: which layers may change their number of units, and rebuilding a
 * model with some layers' units remapped. A dense or conv2d layer may change when a later dense or
 * conv2d layer consumes its units through only element-wise layers (activations, dropout, batch
 * norm), pooling and flatten, all of which treat each unit on its own.
 */
final class Surgery {
    private Surgery() {}

    /**
     * The layers named by {@code sizes} in index order, each checked to exist and to be resizable.
     *
     * @param operation "pruned" or "widened", for messages
     * @throws IllegalArgumentException when the model or map is null or empty, a key or value is null,
     *                                  or a layer does not exist or cannot change its units
     */
    static TreeMap<Integer, Integer> checkedLayers(Sequential model, Map<Integer, Integer> sizes, String operation) {
        if (model == null) {
            throw new IllegalArgumentException("model is null");
        }
        if (sizes == null || sizes.isEmpty()) {
            throw new IllegalArgumentException("the unit counts name no layer (" + sizes
                    + "): expected at least one layer index of a dense or conv2d layer to be " + operation);
        }
        TreeMap<Integer, Integer> sorted = new TreeMap<>();
        for (Map.Entry<Integer, Integer> e : sizes.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("unit counts " + sizes + ": layer indexes and counts must not be null");
            }
            requireResizable(model, e.getKey(), operation);
            sorted.put(e.getKey(), e.getValue());
        }
        return sorted;
    }

    /** The layer at this index, checked to be a dense or conv2d layer whose units may change. */
    static Layer requireResizable(Sequential model, int index, String operation) {
        List<Layer> layers = model.layers();
        if (index < 0 || index >= layers.size()) {
            throw new IllegalArgumentException("layer " + index + " does not exist: the model has layers 0 to "
                    + (layers.size() - 1));
        }
        String why = fixedReason(model, index);
        if (why != null) {
            throw new IllegalArgumentException("layer " + index + " (" + layers.get(index).kind() + ") cannot be "
                    + operation + ": " + why);
        }
        return layers.get(index);
    }

    /** Indexes of every layer whose units may change, in order. */
    static List<Integer> resizableLayers(Sequential model) {
        List<Integer> found = new ArrayList<>();
        for (int i = 0; i < model.layers().size(); i++) {
            if (fixedReason(model, i) == null) {
                found.add(i);
            }
        }
        return found;
    }

    /** The number of units (features or channels) the layer outputs. */
    static int units(Layer layer) {
        return layer.outputShape().dim(0);
    }

    /** The first batch norm between the layer and the one consuming its units, or null. */
    static BatchNorm followingBatchNorm(Sequential model, int index) {
        List<Layer> layers = model.layers();
        for (int j = index + 1; j < layers.size() && passesUnits(layers.get(j)); j++) {
            if (layers.get(j) instanceof BatchNorm bn) {
                return bn;
            }
        }
        return null;
    }

    /** Why layer {@code index}'s units cannot change, or null when they can. */
    private static String fixedReason(Sequential model, int index) {
        List<Layer> layers = model.layers();
        if (!isProduct(layers.get(index))) {
            return "only dense and conv2d layers have units to remove or add";
        }
        for (int j = index + 1; j < layers.size(); j++) {
            Layer next = layers.get(j);
            if (isProduct(next)) {
                return null;
            }
            if (!passesUnits(next)) {
                return "its units reach layer " + j + " (" + next.kind() + ") before any dense or conv2d layer consumes"
                        + " them; only activations, dropout, batch norm, pooling and flatten may sit in between";
            }
        }
        return "it is the model's last dense or conv2d layer, so its units are the model's outputs";
    }

    private static boolean isProduct(Layer layer) {
        return layer instanceof Dense || layer instanceof Conv2d;
    }

    /** Layers that treat each unit on its own, so a unit removed or copied before them stays one unit after. */
    private static boolean passesUnits(Layer layer) {
        return layer instanceof ActivationLayer || layer instanceof Dropout || layer instanceof BatchNorm
                || layer instanceof MaxPool2d || layer instanceof AvgPool2d || layer instanceof Flatten;
    }

    /**
     * A new model whose layer {@code i} outputs the units {@code maps.get(i)} describes (the others
     * keep theirs): every layer is rebuilt with its settings for its new input shape, weights and
     * statistics copied from the original through the maps, a consuming layer's input weights
     * multiplied by the map's scales. The original model is not changed.
     *
     * @throws IllegalArgumentException naming the layer when one cannot be rebuilt (a kind model files
     *                                  do not know)
     */
    static Sequential rebuild(Sequential model, Map<Integer, UnitMap> maps) {
        List<Layer> rebuilt = new ArrayList<>(model.layers().size());
        Shape shape = model.inputShape();
        UnitMap incoming = UnitMap.identity(shape.dim(0));
        for (int i = 0; i < model.layers().size(); i++) {
            Layer old = model.layers().get(i);
            UnitMap outgoing = incoming;
            Layer fresh;
            switch (old) {
                case Dense d -> {
                    outgoing = maps.getOrDefault(i, UnitMap.identity(units(d)));
                    fresh = build(i, old, shape, Map.of("in_features", shape.dim(0), "out_features", outgoing.size()),
                            d.backend());
                    Dense n = (Dense) fresh;
                    copyProduct(d.weight(), d.bias(), n.weight(), n.bias(), incoming, outgoing, 1);
                }
                case Conv2d c -> {
                    outgoing = maps.getOrDefault(i, UnitMap.identity(units(c)));
                    fresh = build(i, old, shape, Map.of("out_channels", outgoing.size()), c.backend());
                    Conv2d n = (Conv2d) fresh;
                    int window = c.geometry().kernelH() * c.geometry().kernelW();
                    copyProduct(c.weight(), c.bias(), n.weight(), n.bias(), incoming, outgoing, window);
                }
                case BatchNorm b -> {
                    fresh = build(i, old, shape, Map.of(), Backend.AUTO);
                    BatchNorm n = (BatchNorm) fresh;
                    incoming.gather(b.gamma().value(), n.gamma().value());
                    incoming.gather(b.beta().value(), n.beta().value());
                    incoming.gather(b.runningMean().value(), n.runningMean().value());
                    incoming.gather(b.runningVar().value(), n.runningVar().value());
                }
                case Flatten f -> {
                    fresh = build(i, old, shape, Map.of(), Backend.AUTO);
                    outgoing = incoming.spread(shape.size() / shape.dim(0));
                }
                // activations, dropout, pooling, softmax: no values of their own; the backend is unused
                default -> fresh = build(i, old, shape, Map.of(), Backend.AUTO);
            }
            rebuilt.add(fresh);
            shape = fresh.outputShape();
            incoming = outgoing;
        }
        return Sequential.of(model.inputShape(), rebuilt);
    }

    /** The layer of the old one's kind and settings, with these settings replaced, for this input. */
    private static Layer build(int index, Layer old, Shape input, Map<String, Object> changed, Backend backend) {
        Map<String, Object> config = new LinkedHashMap<>(old.config());
        config.putAll(changed);
        try {
            return LayerFactory.build(old.kind(), config, input, backend);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer " + index + " (" + old.kind() + ") cannot be rebuilt for input "
                    + input + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies a dense or conv2d layer's weight and bias through the maps. Both store the weight as
     * blocks of {@code window} values indexed by (input unit, output unit): dense as
     * {@code [in][out]} with a window of 1, conv2d as {@code [out][in][kh * kw]}.
     */
    private static void copyProduct(Parameter oldWeight, Parameter oldBias, Parameter newWeight, Parameter newBias,
                                    UnitMap in, UnitMap out, int window) {
        float[] w = oldWeight.value();
        float[] nw = newWeight.value();
        boolean dense = window == 1;
        int oldIn = dense ? oldWeight.shape().dim(0) : oldWeight.shape().dim(1);
        int oldOut = dense ? oldWeight.shape().dim(1) : oldWeight.shape().dim(0);
        int newIn = in.size();
        int newOut = out.size();
        for (int u = 0; u < newOut; u++) {
            int su = out.source()[u];
            for (int r = 0; r < newIn; r++) {
                int sr = in.source()[r];
                float scale = in.scale()[r];
                int from = dense ? sr * oldOut + su : (su * oldIn + sr) * window;
                int to = dense ? r * newOut + u : (u * newIn + r) * window;
                for (int k = 0; k < window; k++) {
                    nw[to + k] = w[from + k] * scale;
                }
            }
        }
        out.gather(oldBias.value(), newBias.value());
    }
}
