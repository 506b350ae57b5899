package dev.isthmus.nn.io;

import java.io.IOException;

/**
 * A file that is not a readable Isthmus model or checkpoint: not a safetensors file, a safetensors
 * file written by something else, a newer format version, or a corrupt or truncated one. The
 * message names the file, the offending value and what was expected; catch it apart from other
 * {@link IOException}s to tell a bad file from a failing disk.
 */
public final class ModelFormatException extends IOException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
