package dev.isthmus.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BatchesTest {
    static final long SEED = 0x5EEDL;

    /** Example i has features {i, i + 0.5} and label i % 3, so a batch row can be traced to its example. */
    static Dataset numbered(int n) {
        float[] x = new float[2 * n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = i + 0.5f;
            y[i] = i % 3;
        }
        return new Dataset(x, new int[] {2}, y, 3);
    }

    /** The example indices of one epoch in visiting order, checking each row against its example. */
    static int[] visit(Batches batches, long epoch, int n, int batchSize) {
        int[] seen = new int[n];
        int k = 0;
        int batchCount = 0;
        Batch first = null;
        for (Batch b : batches.epoch(epoch)) {
            if (first == null) {
                first = b;
            }
            assertSame(first, b, "one reusable buffer");
            batchCount++;
            boolean last = k + b.size() == n;
            assertEquals(last ? n - (batchCount - 1) * batchSize : batchSize, b.size());
            for (int r = 0; r < b.size(); r++) {
                int example = (int) b.features()[2 * r];
                assertEquals(example + 0.5f, b.features()[2 * r + 1]);
                assertEquals(example % 3, b.labels()[r]);
                assertEquals(example, b.indices()[r]);
                seen[k++] = example;
            }
        }
        assertEquals(n, k);
        assertEquals(batches.batchesPerEpoch(), batchCount);
        return seen;
    }

    @ParameterizedTest
    @CsvSource({"1, 1", "10, 3", "10, 5", "13, 4", "100, 7", "5, 64", "207, 32"})
    void everyExampleOncePerEpochWithAPartialLastBatch(int n, int batchSize) {
        Batches batches = Batches.shuffled(numbered(n), batchSize, SEED);
        assertEquals((n + batchSize - 1) / batchSize, batches.batchesPerEpoch());
        for (long epoch = 0; epoch < 3; epoch++) {
            int[] seen = visit(batches, epoch, n, batchSize);
            assertArrayEquals(batches.order(epoch), seen);
            int[] sorted = seen.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < n; i++) {
                assertEquals(i, sorted[i], "epoch " + epoch + " visits every example once");
            }
        }
    }

    @Test
    void sameSeedAndEpochGiveTheSameOrderOtherEpochsDiffer() {
        Dataset d = numbered(200);
        Batches a = Batches.shuffled(d, 16, SEED);
        Batches b = Batches.shuffled(d, 16, SEED);
        // b runs a different epoch first: the order depends on the epoch, not on history
        visit(b, 7, 200, 16);
        assertArrayEquals(visit(a, 2, 200, 16), visit(b, 2, 200, 16));
        List<int[]> orders = new ArrayList<>();
        for (long epoch = 0; epoch < 5; epoch++) {
            orders.add(a.order(epoch));
        }
        for (int i = 0; i < orders.size(); i++) {
            for (int j = i + 1; j < orders.size(); j++) {
                assertFalse(Arrays.equals(orders.get(i), orders.get(j)), "epochs " + i + " and " + j);
            }
        }
        assertFalse(Arrays.equals(a.order(0), Batches.shuffled(d, 16, SEED + 1).order(0)), "another seed");
        int[] identity = new int[200];
        Arrays.setAll(identity, i -> i);
        assertFalse(Arrays.equals(identity, a.order(0)), "shuffled");
    }

    @Test
    void inOrderVisitsTheDatasetInOrder() {
        Batches batches = Batches.inOrder(numbered(10), 4);
        int[] expected = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        assertArrayEquals(expected, visit(batches, 0, 10, 4));
        assertArrayEquals(expected, visit(batches, 1, 10, 4));
    }

    @Test
    void emptyDatasetHasNoBatches() {
        Batches batches = Batches.shuffled(new Dataset(new float[0], new int[] {2}, new int[0], 3), 8, SEED);
        assertEquals(0, batches.batchesPerEpoch());
        assertFalse(batches.epoch(0).iterator().hasNext());
    }

    @Test
    void aLaterEpochInvalidatesTheEarlierIterator() {
        Batches batches = Batches.shuffled(numbered(10), 3, SEED);
        Iterator<Batch> first = batches.epoch(0).iterator();
        first.next();
        Iterator<Batch> second = batches.epoch(1).iterator();
        assertThrows(ConcurrentModificationException.class, first::next);
        while (second.hasNext()) {
            second.next();
        }
        assertThrows(java.util.NoSuchElementException.class, second::next);
    }

    @Test
    void argumentsAreChecked() {
        Dataset d = numbered(4);
        assertThrows(IllegalArgumentException.class, () -> Batches.shuffled(d, 0, SEED));
        assertThrows(IllegalArgumentException.class, () -> Batches.shuffled(null, 4, SEED));
        assertThrows(IllegalArgumentException.class, () -> Batches.shuffled(d, 4, SEED).epoch(-1));
    }
}
