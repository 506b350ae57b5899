package dev.isthmus.nn.optim;

/**
 * The learning rate as a function of training progress; the trainer calls {@link #rate} before each
 * optimizer step and passes the result to {@link Optimizer#setLearningRate}. The records here are the
 * usual schedules, each with a {@link #describe()} string to print and save; any other schedule is a
 * lambda.
 *
 * <pre>{@code
 * LearningRateSchedule schedule = new LearningRateSchedule.LinearWarmup(
 *         new LearningRateSchedule.Cosine(0.1, 0.001, totalSteps), 500);
 * optimizer.setLearningRate(schedule.rate(epoch, optimizer.steps()));
 * }</pre>
 */
@FunctionalInterface
public interface LearningRateSchedule {
    /**
     * The learning rate for the step about to be taken.
     *
     * @param epoch the current epoch, counting from 0
     * @param step  the optimizer steps taken so far, counting from 0 (across epochs)
     * @throws IllegalArgumentException when epoch or step is negative
     */
    double rate(int epoch, long step);

    /** A one-line description with every number, such as {@code cosine(lr=0.1, min_lr=0.001, total_steps=1000)}. */
    default String describe() {
        return "custom";
    }

    private static void checkProgress(String schedule, int epoch, long step) {
        if (epoch < 0 || step < 0) {
            throw new IllegalArgumentException(schedule + " schedule: epoch and step count from 0, got epoch "
                    + epoch + " and step " + step);
        }
    }

    private static void checkGamma(String schedule, double gamma) {
        if (!(gamma > 0 && gamma <= 1)) {
            throw new IllegalArgumentException(schedule + " schedule: gamma must be in (0, 1], got " + gamma);
        }
    }

    /** The same rate at every step. */
    record Constant(double lr) implements LearningRateSchedule {
        public Constant {
            Check.nonNegativeFinite("constant schedule", "lr", lr);
        }

        @Override
        public double rate(int epoch, long step) {
            checkProgress("constant", epoch, step);
            return lr;
        }

        @Override
        public String describe() {
            return "constant(lr=" + lr + ")";
        }
    }

    /** Step decay: {@code lr * gamma^floor(epoch / everyEpochs)}, the rate multiplied by gamma every few epochs. */
    record StepDecay(double lr, int everyEpochs, double gamma) implements LearningRateSchedule {
        public StepDecay {
            Check.nonNegativeFinite("step decay schedule", "lr", lr);
            Check.atLeastOne("step decay schedule", "everyEpochs", everyEpochs);
            checkGamma("step decay", gamma);
        }

        @Override
        public double rate(int epoch, long step) {
            checkProgress("step decay", epoch, step);
            return lr * Math.pow(gamma, epoch / everyEpochs);
        }

        @Override
        public String describe() {
            return "step_decay(lr=" + lr + ", every_epochs=" + everyEpochs + ", gamma=" + gamma + ")";
        }
    }

    /**
     * Exponential decay per epoch: {@code lr * gamma^epoch}, constant within an epoch, so that a rate
     * tuned on one batch size carries over to another.
     */
    record ExponentialDecay(double lr, double gamma) implements LearningRateSchedule {
        public ExponentialDecay {
            Check.nonNegativeFinite("exponential decay schedule", "lr", lr);
            checkGamma("exponential decay", gamma);
        }

        @Override
        public double rate(int epoch, long step) {
            checkProgress("exponential decay", epoch, step);
            return lr * Math.pow(gamma, epoch);
        }

        @Override
        public String describe() {
            return "exponential_decay(lr=" + lr + ", gamma=" + gamma + ")";
        }
    }

    /**
     * Inverse square-root decay per step: {@code alpha0 / sqrt(1 + beta * step)}, starting at alpha0;
     * beta sets how soon it bends (at step {@code 1 / beta} the rate is {@code alpha0 / sqrt(2)}).
     */
    record InverseSqrt(double alpha0, double beta) implements LearningRateSchedule {
        public InverseSqrt {
            Check.nonNegativeFinite("inverse square root schedule", "alpha0", alpha0);
            Check.nonNegativeFinite("inverse square root schedule", "beta", beta);
        }

        @Override
        public double rate(int epoch, long step) {
            checkProgress("inverse square root", epoch, step);
            return alpha0 / Math.sqrt(1 + beta * step);
        }

        @Override
        public String describe() {
            return "inverse_sqrt(alpha0=" + alpha0 + ", beta=" + beta + ")";
        }
    }

    /**
     * Cosine annealing (Loshchilov and Hutter, 2017, without restarts) per step:
     * {@code minLr + (lr - minLr) * (1 + cos(pi * step / totalSteps)) / 2} for step up to totalSteps,
     * then minLr.
     */
    record Cosine(double lr, double minLr, long totalSteps) implements LearningRateSchedule {
        public Cosine {
            Check.nonNegativeFinite("cosine schedule", "lr", lr);
            Check.nonNegativeFinite("cosine schedule", "minLr", minLr);
            if (minLr > lr) {
                throw new IllegalArgumentException("cosine schedule: minLr " + minLr + " must be <= lr " + lr);
            }
            Check.atLeastOne("cosine schedule", "totalSteps", totalSteps);
        }

        @Override
        public double rate(int epoch, long step) {
            checkProgress("cosine", epoch, step);
            return halfCosine(lr, minLr, Math.min(step, totalSteps), totalSteps);
        }

        @Override
        public String describe() {
            return "cosine(lr=" + lr + ", min_lr=" + minLr + ", total_steps=" + totalSteps + ")";
        }
    }

    /**
     * The one-cycle policy (Smith and Topin, 2019) per step, in two half-cosines: from
     * {@code maxLr / divFactor} up to maxLr over the first {@code W = round(pctStart * totalSteps)}
     * steps, then down to {@code maxLr / finalDivFactor} at step totalSteps, and that value after it.
     * With the defaults (pctStart 0.3, divFactor 25, finalDivFactor 1e4) and maxLr 0.1, it starts at
     * 0.004, peaks at 0.1 after 30% of the steps and ends at 1e-5. Unlike PyTorch's OneCycleLR, whose
     * final rate is {@code maxLr / (divFactor * finalDivFactor)}, the final rate here depends on
     * finalDivFactor alone.
     */
    record OneCycle(double maxLr, long totalSteps, double pctStart, double divFactor, double finalDivFactor)
            implements LearningRateSchedule {
        public OneCycle {
            Check.positiveFinite("one-cycle schedule", "maxLr", maxLr);
            Check.atLeastOne("one-cycle schedule", "totalSteps", totalSteps);
            if (!(pctStart >= 0 && pctStart <= 1)) {
                throw new IllegalArgumentException("one-cycle schedule: pctStart must be in [0, 1], got " + pctStart);
            }
            if (!(divFactor >= 1) || divFactor == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("one-cycle schedule: divFactor must be finite and >= 1, got "
                        + divFactor);
            }
            if (!(finalDivFactor >= 1) || finalDivFactor == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("one-cycle schedule: finalDivFactor must be finite and >= 1, got "
                        + finalDivFactor);
            }
        }

        /** A one-cycle schedule with pctStart 0.3, divFactor 25 and finalDivFactor 1e4. */
        public OneCycle(double maxLr, long totalSteps) {
            this(maxLr, totalSteps, 0.3, 25, 1e4);
        }

        /** The steps of the rising half, {@code round(pctStart * totalSteps)}. */
        public long warmupSteps() {
            return Math.round(pctStart * totalSteps);
        }

        @Override
        public double rate(int epoch, long step) {
            checkProgress("one-cycle", epoch, step);
            long up = warmupSteps();
            double initial = maxLr / divFactor;
            double last = maxLr / finalDivFactor;
            if (step < up) {
                return halfCosine(initial, maxLr, step, up);
            }
            if (step >= totalSteps) {
                return last;
            }
            return halfCosine(maxLr, last, step - up, totalSteps - up);
        }

        @Override
        public String describe() {
            return "one_cycle(max_lr=" + maxLr + ", total_steps=" + totalSteps + ", pct_start=" + pctStart
                    + ", div_factor=" + divFactor + ", final_div_factor=" + finalDivFactor + ")";
        }
    }

    /**
     * Linear warm-up in front of another schedule: for step below warmupSteps the wrapped rate times
     * {@code startFactor + (1 - startFactor) * step / warmupSteps}, then the wrapped rate itself. With
     * startFactor 0 the first step has rate 0 (it only primes an adaptive optimizer's statistics).
     */
    record LinearWarmup(LearningRateSchedule schedule, long warmupSteps, double startFactor)
            implements LearningRateSchedule {
        public LinearWarmup {
            if (schedule == null) {
                throw new IllegalArgumentException("linear warm-up: the wrapped schedule is null");
            }
            Check.atLeastOne("linear warm-up", "warmupSteps", warmupSteps);
            if (!(startFactor >= 0 && startFactor <= 1)) {
                throw new IllegalArgumentException("linear warm-up: startFactor must be in [0, 1], got " + startFactor);
            }
        }

        /** A warm-up from 0. */
        public LinearWarmup(LearningRateSchedule schedule, long warmupSteps) {
            this(schedule, warmupSteps, 0);
        }

        @Override
        public double rate(int epoch, long step) {
            checkProgress("linear warm-up", epoch, step);
            double wrapped = schedule.rate(epoch, step);
            if (step >= warmupSteps) {
                return wrapped;
            }
            return wrapped * (startFactor + (1 - startFactor) * step / warmupSteps);
        }

        @Override
        public String describe() {
            return "linear_warmup(" + schedule.describe() + ", warmup_steps=" + warmupSteps + ", start_factor="
                    + startFactor + ")";
        }
    }

    /** {@code to + (from - to) * (1 + cos(pi * t / length)) / 2}: from at t = 0, to at t = length. */
    private static double halfCosine(double from, double to, long t, long length) {
        return to + (from - to) * (1 + Math.cos(Math.PI * t / length)) / 2;
    }
}
