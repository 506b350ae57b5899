package dev.isthmus.nn.train;

/**
 * Training stopped because a batch's loss (or the gradient's norm) was NaN or infinite: the
 * learning rate is too high, the data holds extreme values, or the model diverged. The message
 * names the epoch and step.
 */
public final class NonFiniteLossException extends ArithmeticException {
    private final int epoch;
    private final long step;

    NonFiniteLossException(String what, double value, int epoch, long step) {
        super(what + " is " + value + " at epoch " + (epoch + 1) + ", step " + step
                + ": training stopped (lower the learning rate, clip gradients, or check the data)");
        this.epoch = epoch;
        this.step = step;
    }

    /** The epoch, 0-based. */
    public int epoch() {
        return epoch;
    }

    public long step() {
        return step;
    }
}
