package dev.isthmus.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.VectorShape;
import org.junit.jupiter.api.Test;

class SpeciesTest {

    @Test
    void speciesShareOneShapeAndWidth() {
        int bits = Species.SHAPE.vectorBitSize();
        assertEquals(bits / 32, Species.FLOAT.length());
        assertEquals(bits / 32, Species.INT.length());
        assertEquals(bits / 16, Species.SHORT.length());
        assertEquals(bits / 8, Species.BYTE.length());
        assertEquals(bits / 64, Species.LONG.length());
    }

    @Test
    void forcedWidthIsHonouredWhenSet() {
        String forced = System.getProperty(Species.BITS_PROPERTY);
        int expected = forced == null ? VectorShape.preferredShape().vectorBitSize() : Integer.parseInt(forced);
        assertEquals(expected, Species.SHAPE.vectorBitSize());
    }

    @Test
    void narrowerWidthsAreAccepted() {
        assertEquals(128, Species.chooseShape("128").vectorBitSize());
        assertEquals(VectorShape.preferredShape(), Species.chooseShape(null));
        assertEquals(VectorShape.preferredShape(), Species.chooseShape(" "));
    }

    @Test
    void badWidthsNameTheValue() {
        var notAWidth = assertThrows(IllegalArgumentException.class, () -> Species.chooseShape("300"));
        assertTrue(notAWidth.getMessage().contains("300"), notAWidth.getMessage());
        var garbage = assertThrows(IllegalArgumentException.class, () -> Species.chooseShape("wide"));
        assertTrue(garbage.getMessage().contains("wide"), garbage.getMessage());
        if (VectorShape.preferredShape().vectorBitSize() < 512) {
            assertThrows(IllegalArgumentException.class, () -> Species.chooseShape("512"));
        }
    }
}
