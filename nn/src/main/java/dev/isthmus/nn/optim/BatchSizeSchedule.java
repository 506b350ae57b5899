package dev.isthmus.nn.optim;

/**
 * The batch size as a function of the epoch, for a trainer that builds each epoch's batches anew.
 * Growing the batch plays the part of decaying the learning rate (Smith, Kindermans, Ying and Le,
 * 2018) while the steps get fewer and cheaper per sample. Any other schedule is a lambda.
 */
@FunctionalInterface
public interface BatchSizeSchedule {
    /**
     * The batch size for this epoch, counting from 0.
     *
     * @throws IllegalArgumentException when epoch is negative
     */
    int batchSize(int epoch);

    /** A one-line description with every number, such as {@code grow(start=32, factor=2, every_epochs=10, max=512)}. */
    default String describe() {
        return "custom";
    }

    private static void checkEpoch(String schedule, int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException(schedule + " batch size schedule: epoch counts from 0, got " + epoch);
        }
    }

    /** The same batch size every epoch. */
    record Constant(int size) implements BatchSizeSchedule {
        public Constant {
            Check.atLeastOne("constant batch size schedule", "size", size);
        }

        @Override
        public int batchSize(int epoch) {
            checkEpoch("constant", epoch);
            return size;
        }

        @Override
        public String describe() {
            return "constant(size=" + size + ")";
        }
    }

    /** {@code min(max, start * factor^floor(epoch / everyEpochs))}: the batch multiplied by factor every few epochs, up to max. */
    record Grow(int start, int factor, int everyEpochs, int max) implements BatchSizeSchedule {
        public Grow {
            Check.atLeastOne("growing batch size schedule", "start", start);
            if (factor < 2) {
                throw new IllegalArgumentException("growing batch size schedule: factor must be >= 2, got " + factor);
            }
            Check.atLeastOne("growing batch size schedule", "everyEpochs", everyEpochs);
            if (max < start) {
                throw new IllegalArgumentException("growing batch size schedule: max " + max + " must be >= start "
                        + start);
            }
        }

        @Override
        public int batchSize(int epoch) {
            checkEpoch("growing", epoch);
            long size = start;
            // stop multiplying at the cap, so the product never overflows
            for (int k = epoch / everyEpochs; k > 0 && size < max; k--) {
                size *= factor;
            }
            return (int) Math.min(size, max);
        }

        @Override
        public String describe() {
            return "grow(start=" + start + ", factor=" + factor + ", every_epochs=" + everyEpochs + ", max=" + max + ")";
        }
    }
}
