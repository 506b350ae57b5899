package dev.isthmus.nn.layer;

import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Asserts that a call a user could make is refused with a message that says what was wrong. */
final class Rejections {
    private Rejections() {}

    /** The call throws an IllegalArgumentException whose message contains {@code part}. */
    static void assertRejected(String part, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), () -> "message '" + e.getMessage() + "' lacks '" + part + "'");
    }
}
