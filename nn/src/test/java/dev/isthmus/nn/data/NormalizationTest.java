package dev.isthmus.nn.data;

import static dev.isthmus.nn.data.IdxTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class NormalizationTest {
    // three examples of three features; feature 2 is constant
    static final Dataset TRAIN = new Dataset(new float[] {
        1, 10, 5,
        2, 20, 5,
        3, 60, 5}, new int[] {3}, new int[] {0, 1, 0}, 2);
    static final Dataset OTHER = new Dataset(new float[] {
        4, 30, 7,
        0, 0, 5}, new int[] {3}, new int[] {1, 1}, 2);
    static final float EPS = 1e-6f;

    @Test
    void standardizeFitsMeanAndPopulationStd() {
        Normalization n = Normalization.standardize(TRAIN);
        assertEquals(Normalization.Kind.STANDARDIZE, n.kind());
        assertArrayEquals(new float[] {2, 30, 5}, n.center(), EPS);
        // population variance: (1 + 0 + 1) / 3 and (400 + 100 + 900) / 3
        assertArrayEquals(new float[] {(float) Math.sqrt(2.0 / 3), (float) Math.sqrt(1400.0 / 3), 0}, n.spread(), EPS);
    }

    @Test
    void standardizedTrainingSetHasZeroMeanAndUnitStd() {
        Dataset z = Normalization.standardize(TRAIN).apply(TRAIN);
        float[] x = z.features();
        for (int j = 0; j < 2; j++) {
            double mean = (x[j] + x[3 + j] + x[6 + j]) / 3.0;
            double var = (Math.pow(x[j] - mean, 2) + Math.pow(x[3 + j] - mean, 2) + Math.pow(x[6 + j] - mean, 2)) / 3;
            assertEquals(0, mean, 1e-6);
            assertEquals(1, var, 1e-5);
        }
        // the constant feature is only centred
        assertEquals(0f, x[2]);
        assertEquals(0f, x[8]);
        assertArrayEquals(TRAIN.labels(), z.labels());
        assertArrayEquals(TRAIN.featureShape(), z.featureShape());
    }

    @Test
    void applyingToAnotherSetUsesTrainingStatistics() {
        Normalization n = Normalization.standardize(TRAIN);
        float s0 = (float) Math.sqrt(2.0 / 3);
        float s1 = (float) Math.sqrt(1400.0 / 3);
        assertArrayEquals(new float[] {(4 - 2) / s0, 0, 2, (0 - 2) / s0, -30 / s1, 0},
                n.apply(OTHER).features(), 1e-5f);
        assertArrayEquals(new int[] {1, 1}, n.apply(OTHER).labels());
        // the original dataset is untouched
        assertArrayEquals(new float[] {4, 30, 7, 0, 0, 5}, OTHER.features());
    }

    @Test
    void minMaxFitsMinimumAndRange() {
        Normalization n = Normalization.minMax(TRAIN);
        assertArrayEquals(new float[] {1, 10, 5}, n.center());
        assertArrayEquals(new float[] {2, 50, 0}, n.spread());
        assertArrayEquals(new float[] {0, 0, 0, 0.5f, 0.2f, 0, 1, 1, 0}, n.apply(TRAIN).features(), EPS);
        // outside the training range the values leave [0, 1]: the statistics are the training set's
        assertArrayEquals(new float[] {1.5f, 0.4f, 2, -0.5f, -0.2f, 0}, n.apply(OTHER).features(), EPS);
    }

    @Test
    void applyInPlaceScalesABatchOrOneInput() {
        Normalization n = Normalization.minMax(TRAIN);
        float[] x = {99, 3, 60, 5, 1, 10, 5};
        n.applyInPlace(x, 1, 2);
        assertArrayEquals(new float[] {99, 1, 1, 0, 0, 0, 0}, x, EPS);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> n.applyInPlace(x, 2, 2)),
                "2 examples of 3 features from offset 2", "array of 7");
    }

    @Test
    void errorsNameTheSizes() {
        Normalization n = Normalization.standardize(TRAIN);
        Dataset wide = new Dataset(new float[4], new int[] {4}, new int[] {0}, 1);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> n.apply(wide)),
                "fitted on 3 features", "examples of 4");
        Dataset empty = new Dataset(new float[0], new int[] {3}, new int[0], 2);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> Normalization.minMax(empty)), "empty");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Normalization.of(Normalization.Kind.MIN_MAX, new float[] {0}, new float[] {-1})), "spread -1.0");
        Normalization saved = Normalization.of(Normalization.Kind.STANDARDIZE, n.center(), n.spread());
        assertArrayEquals(n.apply(OTHER).features(), saved.apply(OTHER).features());
    }
}
