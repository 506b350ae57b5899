package dev.isthmus.nn.data;

import static dev.isthmus.nn.data.IdxTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DatasetTest {
    @Test
    void accessorsAndDefensiveCopies() {
        float[] x = {1, 2, 3, 4, 5, 6};
        int[] y = {1, 0};
        int[] shape = {1, 1, 3};
        Dataset d = new Dataset(x, shape, y, 2);
        assertEquals(2, d.size());
        assertEquals(3, d.featureSize());
        assertEquals(2, d.classes());
        assertArrayEquals(new int[] {1, 1, 3}, d.featureShape());
        // changing the caller's arrays or the returned copies does not change the dataset
        x[0] = 99;
        y[0] = 0;
        shape[2] = 7;
        d.features()[1] = 99;
        d.labels()[1] = 1;
        d.featureShape()[0] = 5;
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, d.features());
        assertArrayEquals(new int[] {1, 0}, d.labels());
        assertArrayEquals(new int[] {1, 1, 3}, d.featureShape());
        float[] row = new float[5];
        d.copyExample(1, row, 2);
        assertArrayEquals(new float[] {0, 0, 4, 5, 6}, row);
        assertEquals(0, d.label(1));
        assertThrows(IndexOutOfBoundsException.class, () -> d.label(2));
        assertThrows(IllegalArgumentException.class, () -> d.copyExample(0, row, 3));
    }

    @Test
    void constructionNamesTheBadValue() {
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new Dataset(new float[5], new int[] {2}, new int[3], 2)), "3 labels", "need 6 features", "got 5");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new Dataset(new float[4], new int[] {2}, new int[] {0, 2}, 2)),
                "label of example 1 is 2", "[0, 2)");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new Dataset(new float[4], new int[] {2}, new int[] {-1, 0}, 2)), "example 0 is -1");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new Dataset(new float[] {0, 0, 0, Float.NaN}, new int[] {2}, new int[2], 1)),
                "feature 1 of example 1 is NaN");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new Dataset(new float[] {Float.NEGATIVE_INFINITY, 0}, new int[] {2}, new int[1], 1)),
                "feature 0 of example 0 is -Infinity");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new Dataset(new float[0], new int[] {2, 0}, new int[0], 1)), "[2, 0]", "positive");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new Dataset(new float[0], new int[] {2}, new int[0], 0)), "classes", "got 0");
    }

    @Test
    void subsetKeepsOrderAndRepeats() {
        Dataset d = BatchesTest.numbered(5);
        Dataset s = d.subset(new int[] {4, 1, 1});
        assertArrayEquals(new float[] {4, 4.5f, 1, 1.5f, 1, 1.5f}, s.features());
        assertArrayEquals(new int[] {1, 1, 1}, s.labels());
        assertEquals(3, s.classes());
        assertMessage(assertThrows(IllegalArgumentException.class, () -> d.subset(new int[] {0, 5})),
                "indices[1] is 5", "[0, 5)");
    }

    @Test
    void splitIsASeededPartition() {
        Dataset d = BatchesTest.numbered(101);
        Dataset.Split split = d.split(0.8, 42);
        assertEquals(81, split.train().size());
        assertEquals(20, split.validation().size());
        int[] all = new int[101];
        int k = 0;
        for (Dataset part : new Dataset[] {split.train(), split.validation()}) {
            float[] x = part.features();
            for (int i = 0; i < part.size(); i++) {
                all[k++] = (int) x[2 * i];
            }
        }
        int[] sorted = all.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 101; i++) {
            assertEquals(i, sorted[i], "each example in exactly one part");
        }
        int[] identity = new int[101];
        Arrays.setAll(identity, i -> i);
        assertFalse(Arrays.equals(identity, all), "shuffled");
        Dataset.Split again = d.split(0.8, 42);
        assertArrayEquals(split.train().features(), again.train().features());
        assertArrayEquals(split.validation().labels(), again.validation().labels());
        assertFalse(Arrays.equals(split.train().features(), d.split(0.8, 43).train().features()));
        assertEquals(0, d.split(0, 1).train().size());
        assertEquals(101, d.split(1, 1).train().size());
        assertMessage(assertThrows(IllegalArgumentException.class, () -> d.split(1.5, 1)), "1.5");
        assertThrows(IllegalArgumentException.class, () -> d.split(Double.NaN, 1));
    }
}
