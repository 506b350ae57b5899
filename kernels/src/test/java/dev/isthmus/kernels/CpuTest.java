package dev.isthmus.kernels;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.VectorShape;
import org.junit.jupiter.api.Test;

class CpuTest {

    @Test
    void simdFeaturesMatchThePreferredVectorShape() {
        var features = Cpu.simdFeatures();
        assertFalse(features.isEmpty(), "HotSpot reported no SIMD features");
        int bits = VectorShape.preferredShape().vectorBitSize();
        if (bits == 512) {
            assertTrue(features.contains("avx512f"), features.toString());
        } else if (bits == 256) {
            assertTrue(features.contains("avx2") || features.contains("avx"), features.toString());
        }
    }

    @Test
    void modelIsNamed() {
        assertFalse(Cpu.model().isBlank());
    }
}
