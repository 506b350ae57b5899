package dev.isthmus.nn.prune;

/** {@link SparsitySchedule#constant}: the same sparsity at every step. */
record ConstantSparsity(double value) implements SparsitySchedule {
    ConstantSparsity {
        Fraction.check("constant sparsity schedule", "sparsity", value);
    }

    @Override
    public double sparsity(long step) {
        Fraction.checkStep("constant sparsity schedule", step);
        return value;
    }

    @Override
    public String describe() {
        return "constant(sparsity=" + value + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
