package dev.isthmus.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ThreadsTest {

    @Test
    void parsesPositiveCountsAndFallsBackWhenUnset() {
        assertEquals(3, Threads.parse(" 3 ", 8));
        assertEquals(8, Threads.parse(null, 8));
        assertEquals(8, Threads.parse("", 8));
        assertTrue(Threads.count() >= 1);
    }

    @Test
    void rejectsZeroNegativeAndGarbageNamingTheValue() {
        for (String bad : new String[] {"0", "-2", "two", "1.5"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Threads.parse(bad, 8));
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }
}
