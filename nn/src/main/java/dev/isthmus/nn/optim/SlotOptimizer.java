package dev.isthmus.nn.optim;

import dev.isthmus.nn.Parameter;

import java.util.List;
import java.util.Map;

/**
 * What the first-order optimizers share: the parameters with their state slots and step count,
 * the learning rate (which schedules change), and the name their state is saved under.
 */
abstract sealed class SlotOptimizer implements Optimizer permits Sgd, AdaGrad, RmsProp, Adam, AdamW {
    final Slots slots;
    /** The learning rate given at construction, reported by {@code config()}. */
    final double initialLr;
    private final String name;
    private double lr;

    SlotOptimizer(String name, double lr, Slots slots) {
        this.lr = Check.learningRate(name, lr);
        this.initialLr = lr;
        this.name = name;
        this.slots = slots;
    }

    @Override
    public final List<Parameter> parameters() {
        return slots.parameters();
    }

    @Override
    public final double learningRate() {
        return lr;
    }

    @Override
    public final void setLearningRate(double lr) {
        this.lr = Check.learningRate(name, lr);
    }

    @Override
    public final long steps() {
        return slots.steps();
    }

    @Override
    public final Map<String, float[]> state() {
        return slots.state();
    }

    @Override
    public final void loadState(Map<String, float[]> state) {
        slots.load(state);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + config();
    }
}
