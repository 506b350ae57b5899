package dev.isthmus.cli;

/**
 * A command line that names something that does not exist (a preset, an optimizer, a schedule) or
 * asks for something the data cannot give; {@link Isthmus} prints its message and exits with 2, as
 * for a malformed option.
 */
final class UsageError extends RuntimeException {
    UsageError(String message) {
        super(message);
    }
}
