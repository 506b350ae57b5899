package dev.isthmus.nn.loss;

import static dev.isthmus.nn.loss.LossTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.isthmus.nn.data.Dataset;
import org.junit.jupiter.api.Test;

class ClassWeightsTest {
    static Dataset labelled(int classes, int... labels) {
        return new Dataset(new float[labels.length], new int[] {1}, labels, classes);
    }

    @Test
    void balancedWeightsEqualiseTheClasses() {
        // 6 examples, 3 classes counted 3, 2, 1: 6 / (3 * count) = 2/3, 1, 2
        float[] w = ClassWeights.balanced(labelled(3, 0, 1, 0, 2, 1, 0));
        assertArrayEquals(new float[] {2f / 3, 1, 2}, w, 1e-7f);
        // each class then carries the same total weight, n / classes = 2
        assertEquals(2, 3 * w[0], 1e-6);
        assertEquals(2, 2 * w[1], 1e-6);
        assertEquals(2, w[2], 1e-6);
        assertArrayEquals(new float[] {1, 1}, ClassWeights.balanced(labelled(2, 1, 0, 0, 1)));
        // usable as they are
        new SparseCategoricalCrossEntropy(w);
    }

    @Test
    void aMissingClassIsAnError() {
        assertMessage(() -> ClassWeights.balanced(labelled(4, 0, 2, 0)), "no example of classes [1, 3]");
        assertMessage(() -> ClassWeights.balanced(labelled(2, 0, 0)), "no example of class [1]");
        assertMessage(() -> ClassWeights.balanced(null), "dataset is null");
    }
}
