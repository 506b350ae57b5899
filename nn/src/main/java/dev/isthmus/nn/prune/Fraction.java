package dev.isthmus.nn.prune;

/** Argument checks shared by the sparsity schedules and the pruning. */
final class Fraction {
    private Fraction() {}

    /** Returns the sparsity after checking it is a number in [0, 1) (1 would prune every weight). */
    static double check(String op, String name, double sparsity) {
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new IllegalArgumentException(op + ": " + name + " must be in [0, 1), got " + sparsity);
        }
        return sparsity;
    }

    static void checkStep(String op, long step) {
        if (step < 0) {
            throw new IllegalArgumentException(op + ": steps count from 0, got step " + step);
        }
    }
}
