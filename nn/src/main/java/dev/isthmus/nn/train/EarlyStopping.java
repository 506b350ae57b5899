package dev.isthmus.nn.train;

import dev.isthmus.nn.Parameter;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Stops training when a monitored metric has not improved by at least {@code minDelta} for
 * {@code patience} epochs, and optionally puts back the weights (and batch-normalization
 * statistics) of the best epoch. Metrics whose name ends in {@code loss} must decrease to improve;
 * all others (accuracy, F1) must increase.
 */
public final class EarlyStopping implements Callback {
    private final String monitor;
    private final int patience;
    private final double minDelta;
    private final boolean restoreBest;
    private final boolean minimize;
    private double best;
    private int bestEpoch;
    private int waited;
    private float[][] bestValues;

    /**
     * @param monitor     the metric to watch, e.g. {@code val_loss} or {@code val_accuracy}
     * @param patience    epochs without improvement before stopping (>= 1)
     * @param minDelta    the smallest change that counts as an improvement (>= 0)
     * @param restoreBest put back the best epoch's weights when training ends
     */
    public EarlyStopping(String monitor, int patience, double minDelta, boolean restoreBest) {
        if (monitor == null || monitor.isBlank()) {
            throw new IllegalArgumentException("early stopping: monitor must name a metric such as val_loss");
        }
        if (patience < 1) {
            throw new IllegalArgumentException("early stopping: patience must be >= 1, got " + patience);
        }
        if (!(minDelta >= 0 && minDelta < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("early stopping: minDelta must be finite and >= 0, got " + minDelta);
        }
        this.monitor = monitor;
        this.patience = patience;
        this.minDelta = minDelta;
        this.restoreBest = restoreBest;
        this.minimize = monitor.endsWith("loss");
    }

    @Override
    public void onTrainBegin(Trainer trainer, int firstEpoch) {
        best = minimize ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        bestEpoch = -1;
        waited = 0;
        bestValues = null;
    }

    @Override
    public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> metrics) {
        Double value = metrics.get(monitor);
        if (value == null) {
            throw new IllegalArgumentException("early stopping monitors '" + monitor + "' but the epoch's metrics are "
                    + metrics.keySet() + (monitor.startsWith("val_") ? " (is there validation data?)" : ""));
        }
        boolean improved = minimize ? value < best - minDelta : value > best + minDelta;
        if (improved) {
            best = value;
            bestEpoch = epoch;
            waited = 0;
            if (restoreBest) {
                bestValues = snapshot(state(trainer));
            }
        } else if (++waited >= patience) {
            trainer.stop(String.format(Locale.ROOT, "early stopping: %s did not improve for %d epochs (best %.6g at epoch %d)",
                    monitor, patience, best, bestEpoch + 1));
        }
    }

    @Override
    public void onTrainEnd(Trainer trainer, History history) {
        if (restoreBest && bestValues != null) {
            List<Parameter> params = state(trainer);
            for (int i = 0; i < params.size(); i++) {
                System.arraycopy(bestValues[i], 0, params.get(i).value(), 0, bestValues[i].length);
            }
        }
    }

    /** The best value seen and its epoch (0-based, -1 before the first). */
    public double best() {
        return best;
    }

    public int bestEpoch() {
        return bestEpoch;
    }

    private static List<Parameter> state(Trainer trainer) {
        List<Parameter> all = new java.util.ArrayList<>(trainer.model().parameters());
        all.addAll(trainer.model().buffers());
        return all;
    }

    private static float[][] snapshot(List<Parameter> params) {
        float[][] copy = new float[params.size()][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = params.get(i).value().clone();
        }
        return copy;
    }
}
