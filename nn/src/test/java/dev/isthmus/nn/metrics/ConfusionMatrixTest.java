package dev.isthmus.nn.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ConfusionMatrixTest {
    private static final double EPS = 1e-12;

    static void assertMessage(Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should name '" + part + "'");
        }
    }

    // The hand-worked case, 10 examples of 3 classes:
    //   truth      0 0 0 0 1 1 1 2 2 2
    //   predicted  0 0 1 2 1 1 0 2 2 1
    // Matrix (rows true, columns predicted): [2 1 1], [1 2 0], [0 1 2]; column sums 3, 4, 3.
    //   class 0: TP 2, precision 2/3, recall 2/4, F1 2*2 / (2*2 + 1 + 2) = 4/7
    //   class 1: TP 2, precision 2/4, recall 2/3, F1 4 / (4 + 2 + 1) = 4/7
    //   class 2: TP 2, precision 2/3, recall 2/3, F1 4 / (4 + 1 + 1) = 2/3
    //   accuracy 6/10; macro precision (2/3 + 1/2 + 2/3) / 3 = 11/18, macro recall (1/2 + 2/3 + 2/3) / 3 = 11/18,
    //   macro F1 (4/7 + 4/7 + 2/3) / 3 = 38/63; micro precision = recall = F1 = 6/10.
    static final int[] TRUTH = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
    static final int[] PREDICTED = {0, 0, 1, 2, 1, 1, 0, 2, 2, 1};

    @Test
    void handWorkedThreeClasses() {
        ConfusionMatrix m = ConfusionMatrix.of(3, TRUTH, PREDICTED);
        assertArrayEquals(new long[][] {{2, 1, 1}, {1, 2, 0}, {0, 1, 2}}, m.counts());
        assertEquals(10, m.total());
        assertEquals(6, m.correct());
        assertArrayEquals(new long[] {4, 3, 3}, new long[] {m.support(0), m.support(1), m.support(2)});
        assertArrayEquals(new long[] {3, 4, 3}, new long[] {m.predictedCount(0), m.predictedCount(1),
                m.predictedCount(2)});
        assertArrayEquals(new double[] {2.0 / 3, 0.5, 2.0 / 3}, new double[] {m.precision(0), m.precision(1),
                m.precision(2)}, EPS);
        assertArrayEquals(new double[] {0.5, 2.0 / 3, 2.0 / 3}, new double[] {m.recall(0), m.recall(1), m.recall(2)},
                EPS);
        assertArrayEquals(new double[] {4.0 / 7, 4.0 / 7, 2.0 / 3}, new double[] {m.f1(0), m.f1(1), m.f1(2)}, EPS);
        // F1 from counts is the harmonic mean of precision and recall
        for (int c = 0; c < 3; c++) {
            double p = m.precision(c);
            double r = m.recall(c);
            assertEquals(2 * p * r / (p + r), m.f1(c), EPS);
        }
        assertEquals(0.6, m.accuracy(), EPS);
        assertEquals(11.0 / 18, m.macroPrecision(), EPS);
        assertEquals(11.0 / 18, m.macroRecall(), EPS);
        assertEquals(38.0 / 63, m.macroF1(), EPS);
        assertEquals(0.6, m.microPrecision(), EPS);
        assertEquals(0.6, m.microRecall(), EPS);
        assertEquals(0.6, m.microF1(), EPS);
    }

    @Test
    void microAveragesAreTheAccuracy() {
        SplittableRandom random = new SplittableRandom(3);
        for (int trial = 0; trial < 50; trial++) {
            int classes = 1 + random.nextInt(6);
            int n = random.nextInt(40);
            int[] truth = new int[n];
            int[] predicted = new int[n];
            for (int i = 0; i < n; i++) {
                truth[i] = random.nextInt(classes);
                // right about half the time, so every kind of cell fills
                predicted[i] = random.nextBoolean() ? truth[i] : random.nextInt(classes);
            }
            ConfusionMatrix m = ConfusionMatrix.of(classes, truth, predicted);
            // exactly: the pooled counts are the same two numbers
            assertEquals(m.accuracy(), m.microPrecision());
            assertEquals(m.accuracy(), m.microRecall());
            assertEquals(m.accuracy(), m.microF1());
        }
    }

    @Test
    void perfectAndAllWrong() {
        ConfusionMatrix perfect = ConfusionMatrix.of(3, TRUTH, TRUTH);
        assertEquals(1, perfect.accuracy());
        for (int c = 0; c < 3; c++) {
            assertEquals(1, perfect.precision(c));
            assertEquals(1, perfect.recall(c));
            assertEquals(1, perfect.f1(c));
        }
        assertEquals(1, perfect.macroF1());
        // every example shifted to the next class: nothing right, every class predicted and present
        int[] shifted = new int[TRUTH.length];
        for (int i = 0; i < shifted.length; i++) {
            shifted[i] = (TRUTH[i] + 1) % 3;
        }
        ConfusionMatrix wrong = ConfusionMatrix.of(3, TRUTH, shifted);
        assertEquals(0, wrong.accuracy());
        assertEquals(0, wrong.correct());
        for (int c = 0; c < 3; c++) {
            assertEquals(0, wrong.precision(c));
            assertEquals(0, wrong.recall(c));
            assertEquals(0, wrong.f1(c));
        }
        assertEquals(0, wrong.macroPrecision());
        assertEquals(0, wrong.microF1());
    }

    @Test
    void zeroOverZeroIsZero() {
        // class 2 is present but never predicted (precision 0/0), class 3 neither present nor predicted (all 0/0)
        ConfusionMatrix m = ConfusionMatrix.of(4, new int[] {0, 1, 2, 2}, new int[] {0, 1, 1, 0});
        assertEquals(0, m.precision(2));
        assertEquals(0, m.recall(2));
        assertEquals(0, m.f1(2));
        assertEquals(0, m.precision(3));
        assertEquals(0, m.recall(3));
        assertEquals(0, m.f1(3));
        assertEquals(0, m.support(3));
        // classes 0 and 1: precision 1/2 each, recall 1 each, F1 2/3 each; the two empty classes count as 0
        assertEquals((0.5 + 0.5) / 4, m.macroPrecision(), EPS);
        assertEquals((1 + 1) / 4.0, m.macroRecall(), EPS);
        assertEquals((2.0 / 3 + 2.0 / 3) / 4, m.macroF1(), EPS);
        ConfusionMatrix empty = new ConfusionMatrix(2);
        assertEquals(0, empty.accuracy());
        assertEquals(0, empty.microPrecision());
        assertEquals(0, empty.macroF1());
    }

    @Test
    void accumulatesBatchByBatch() {
        ConfusionMatrix m = new ConfusionMatrix(3);
        // batches of 4, 4 and 2 read at offsets into the whole arrays
        m.add(TRUTH, PREDICTED, 0, 4);
        m.add(TRUTH, PREDICTED, 4, 4);
        m.add(TRUTH, PREDICTED, 8, 2);
        assertEquals(ConfusionMatrix.of(3, TRUTH, PREDICTED), m);
        ConfusionMatrix halves = ConfusionMatrix.of(3, new int[] {0, 0}, new int[] {0, 2});
        halves.add(ConfusionMatrix.of(3, new int[] {1}, new int[] {1}));
        assertEquals(ConfusionMatrix.of(3, new int[] {0, 0, 1}, new int[] {0, 2, 1}), halves);
        ConfusionMatrix copy = m.copy();
        copy.add(new int[] {0}, new int[] {0}, 0, 1);
        assertEquals(10, m.total(), "a copy is independent");
    }

    @Test
    void labelsAreChecked() {
        ConfusionMatrix m = ConfusionMatrix.of(3, new int[] {0}, new int[] {1});
        assertMessage(() -> m.add(new int[] {0, 1, 3}, new int[] {0, 1, 2}, 0, 3), "true label 3", "index 2",
                "[0, 3)");
        assertMessage(() -> m.add(new int[] {0, 1}, new int[] {0, -1}, 0, 2), "predicted label -1", "index 1");
        assertMessage(() -> m.add(new int[] {0, 1}, new int[] {0, 1}, 1, 2), "2 true labels from offset 1");
        assertMessage(() -> ConfusionMatrix.of(3, new int[] {0, 1}, new int[] {0}), "2 true labels", "1 predicted");
        assertMessage(() -> new ConfusionMatrix(0), "classes must be >= 1");
        assertMessage(() -> m.precision(3), "class 3");
        assertMessage(() -> m.add(new ConfusionMatrix(2)), "2 classes");
        // the failed calls counted nothing
        assertEquals(ConfusionMatrix.of(3, new int[] {0}, new int[] {1}), m);
    }

    @Test
    void printsATable() {
        String table = ConfusionMatrix.of(3, TRUTH, PREDICTED).toString();
        String[] lines = table.split("\n");
        assertEquals(4, lines.length, table);
        assertTrue(lines[0].startsWith("true \\ predicted"), table);
        assertEquals("0 2 1 1", lines[1].trim().replaceAll(" +", " "), table);
        assertEquals("1 1 2 0", lines[2].trim().replaceAll(" +", " "), table);
        assertEquals("2 0 1 2", lines[3].trim().replaceAll(" +", " "), table);
        // columns line up: every line as long as the header
        for (String line : lines) {
            assertEquals(lines[0].length(), line.length(), table);
        }
    }
}
