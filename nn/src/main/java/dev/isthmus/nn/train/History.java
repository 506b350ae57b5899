package dev.isthmus.nn.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every metric of every epoch of a training run: {@code loss} and {@code accuracy} on the training
 * batches, {@code val_loss}, {@code val_accuracy}, {@code val_f1_macro} when there is validation
 * data, and {@code lr}, {@code batch_size}, {@code seconds}. Epochs are recorded in order; a metric
 * missing in some epoch is NaN there.
 */
public final class History {
    private final List<Map<String, Double>> epochs = new ArrayList<>();
    private String stopReason = "";

    void add(Map<String, Double> metrics) {
        epochs.add(Collections.unmodifiableMap(new LinkedHashMap<>(metrics)));
    }

    void stopReason(String reason) {
        this.stopReason = reason;
    }

    /** Epochs recorded. */
    public int epochs() {
        return epochs.size();
    }

    /** Why training stopped before its last epoch ("" when it ran all of them). */
    public String stopReason() {
        return stopReason;
    }

    /** The metrics of one epoch (0-based), in the order they were recorded. */
    public Map<String, Double> epoch(int i) {
        return epochs.get(i);
    }

    /**
     * One metric over all epochs.
     *
     * @throws IllegalArgumentException when no epoch recorded it, naming the metrics there are
     */
    public double[] metric(String name) {
        double[] v = new double[epochs.size()];
        boolean found = false;
        for (int i = 0; i < v.length; i++) {
            Double d = epochs.get(i).get(name);
            found |= d != null;
            v[i] = d == null ? Double.NaN : d;
        }
        if (!found) {
            throw new IllegalArgumentException("no metric '" + name + "' in the history; it has " + names());
        }
        return v;
    }

    /** The metric's value in the last epoch. */
    public double last(String name) {
        double[] v = metric(name);
        return v[v.length - 1];
    }

    /** The names of every metric recorded. */
    public List<String> names() {
        LinkedHashMap<String, Boolean> names = new LinkedHashMap<>();
        for (Map<String, Double> e : epochs) {
            for (String k : e.keySet()) {
                names.put(k, true);
            }
        }
        return List.copyOf(names.keySet());
    }

    /** A table with one row per epoch. */
    public String format() {
        List<String> names = names();
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-6s", "epoch"));
        for (String n : names) {
            b.append(String.format(Locale.ROOT, " %13s", n));
        }
        b.append('\n');
        for (int i = 0; i < epochs.size(); i++) {
            b.append(String.format(Locale.ROOT, "%-6d", i + 1));
            for (String n : names) {
                Double d = epochs.get(i).get(n);
                b.append(String.format(Locale.ROOT, " %13.6g", d == null ? Double.NaN : d));
            }
            b.append('\n');
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return format();
    }
}
