package dev.isthmus.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** Runs on the real files where the Debian package dataset-fashion-mnist is installed (CI installs it). */
class FashionMnistTest {
    @Test
    void testSetHasTenThousandBalancedImages() throws IOException {
        assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIR),
                FashionMnist.DEFAULT_DIR + " is absent: apt-get install dataset-fashion-mnist to run this test");
        Dataset test = FashionMnist.load(FashionMnist.DEFAULT_DIR, false);
        assertEquals(10_000, test.size());
        assertArrayEquals(new int[] {1, 28, 28}, test.featureShape());
        assertEquals(784, test.featureSize());
        assertEquals(10, test.classes());
        int[] counts = new int[10];
        for (int label : test.labels()) {
            counts[label]++; // out of range would throw
        }
        for (int c = 0; c < 10; c++) {
            assertEquals(1_000, counts[c], "examples of class " + c + " (" + FashionMnist.CLASS_NAMES.get(c) + ")");
        }
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : test.features()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertTrue(min >= 0f && max <= 1f, "pixels in [" + min + ", " + max + "]");
        assertEquals(0f, min);
        assertEquals(1f, max);
    }
}
