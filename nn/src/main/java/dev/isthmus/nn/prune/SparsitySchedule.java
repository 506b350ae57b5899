package dev.isthmus.nn.prune;

/**
 * The fraction of weights {@link MagnitudePruning} prunes, as a function of the optimizer step. The
 * two usual schedules come from {@link #constant} and {@link #polynomial}; any other is a lambda,
 * whose values the pruning checks when it asks for them.
 *
 * <pre>{@code
 * // from dense to 90% over steps 0..700, then 90% to the end of fine-tuning
 * SparsitySchedule schedule = SparsitySchedule.polynomial(0, 0.9, 0, 700, 3);
 * }</pre>
 */
@FunctionalInterface
public interface SparsitySchedule {
    /**
     * The target fraction of pruned weights, in [0, 1), at this optimizer step.
     *
     * @param step optimizer steps taken so far, counting from 0
     * @throws IllegalArgumentException when step is negative
     */
    double sparsity(long step);

    /** A one-line description with every number, such as {@code constant(sparsity=0.9)}; "custom" for a lambda. */
    default String describe() {
        return "custom";
    }

    /**
     * The same sparsity at every step (one-shot pruning held through fine-tuning).
     *
     * @throws IllegalArgumentException when sparsity is NaN or outside [0, 1)
     */
    static SparsitySchedule constant(double sparsity) {
        return new ConstantSparsity(sparsity);
    }

    /**
     * The polynomial ramp of Zhu and Gupta (2017): {@code initial} until {@code beginStep}, then
     * {@code target + (initial - target) * (1 - (step - beginStep) / (endStep - beginStep))^power}, and
     * {@code target} from {@code endStep} on. A power above 1 prunes fast while the network still has
     * redundancy and slowly near the target; 1 is a straight line. {@code initial} above {@code target}
     * gives a decreasing schedule (see {@link MagnitudePruning} for what un-pruning does).
     *
     * @throws IllegalArgumentException when initial or target is NaN or outside [0, 1), beginStep is
     *                                  negative, endStep is not above beginStep, or power is not a
     *                                  finite number above 0
     */
    static SparsitySchedule polynomial(double initial, double target, long beginStep, long endStep, double power) {
        return new PolynomialSparsity(initial, target, beginStep, endStep, power);
    }
}
