package dev.isthmus.nn.prune;

/** {@link SparsitySchedule#polynomial}: a polynomial ramp from initial to target between two steps. */
record PolynomialSparsity(double initial, double target, long beginStep, long endStep, double power)
        implements SparsitySchedule {
    private static final String WHAT = "polynomial sparsity schedule";

    PolynomialSparsity {
        Fraction.check(WHAT, "initial", initial);
        Fraction.check(WHAT, "target", target);
        if (beginStep < 0) {
            throw new IllegalArgumentException(WHAT + ": beginStep must be >= 0, got " + beginStep);
        }
        if (endStep <= beginStep) {
            throw new IllegalArgumentException(WHAT + ": endStep must be above beginStep " + beginStep + ", got "
                    + endStep);
        }
        if (!(power > 0 && power < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException(WHAT + ": power must be finite and > 0, got " + power);
        }
    }

    @Override
    public double sparsity(long step) {
        Fraction.checkStep(WHAT, step);
        if (step <= beginStep) {
            return initial;
        }
        if (step >= endStep) {
            return target;
        }
        double remaining = 1 - (double) (step - beginStep) / (endStep - beginStep);
        return target + (initial - target) * Math.pow(remaining, power);
    }

    @Override
    public String describe() {
        return "polynomial(initial=" + initial + ", target=" + target + ", begin_step=" + beginStep + ", end_step="
                + endStep + ", power=" + power + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
