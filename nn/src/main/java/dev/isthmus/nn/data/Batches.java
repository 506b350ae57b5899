package dev.isthmus.nn.data;

import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Mini-batches over a {@link Dataset}, one epoch at a time, copying each batch's examples into one
 * reusable {@link Batch} so that steady-state iteration allocates nothing per batch.
 *
 * <p>A shuffled epoch visits every example exactly once in an order that depends only on the seed
 * and the epoch number, so a run can be repeated or resumed at any epoch. An epoch has
 * {@code ceil(size / batchSize)} batches: the last one holds the remaining {@code size % batchSize}
 * examples when the size is not a multiple of the batch size (kept, not dropped, so evaluation
 * sees every example). One {@code Batches} serves one epoch at a time and is not thread-safe:
 * starting an epoch invalidates the iterator of the previous one.
 *
 * <pre>{@code
 * Batches batches = Batches.shuffled(train, 64, seed);
 * for (int epoch = 0; epoch < epochs; epoch++) {
 *     for (Batch batch : batches.epoch(epoch)) {
 *         model.trainStep(batch.features(), batch.labels(), batch.size());
 *     }
 * }
 * }</pre>
 */
public final class Batches {
    private final Dataset data;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final int[] order;
    private final Batch batch;
    // incremented by each epoch so a stale iterator notices
    private long generation;

    private Batches(Dataset data, int batchSize, boolean shuffle, long seed) {
        if (data == null) {
            throw new IllegalArgumentException("Batches: data is null");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("Batches: batchSize must be >= 1, got " + batchSize);
        }
        this.data = data;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.order = new int[data.size()];
        // a batch larger than the dataset never needs more rows than the dataset has
        this.batch = new Batch(Math.min(batchSize, Math.max(1, data.size())), data.featureShape(), data.featureSize());
    }

    /** Batches in an order reshuffled every epoch from {@code seed} and the epoch number. */
    public static Batches shuffled(Dataset data, int batchSize, long seed) {
        return new Batches(data, batchSize, true, seed);
    }

    /** Batches in dataset order every epoch, for evaluation. */
    public static Batches inOrder(Dataset data, int batchSize) {
        return new Batches(data, batchSize, false, 0);
    }

    /** The requested number of examples per batch. */
    public int batchSize() {
        return batchSize;
    }

    /** The number of batches in one epoch, counting a partial last batch. */
    public int batchesPerEpoch() {
        return (int) ((data.size() + (long) batchSize - 1) / batchSize);
    }

    /** The order in which {@code epoch} visits the dataset's examples; a new array. */
    public int[] order(long epoch) {
        int[] result = new int[data.size()];
        fillOrder(result, epoch);
        return result;
    }

    /**
     * The batches of one epoch. Each iteration refills and returns the same {@link Batch}; starting
     * another epoch (or iterating this one again) invalidates an earlier iterator, whose next call
     * throws {@link ConcurrentModificationException}.
     */
    public Iterable<Batch> epoch(long epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("Batches: epoch must be >= 0, got " + epoch);
        }
        return () -> start(epoch);
    }

    private Iterator<Batch> start(long epoch) {
        fillOrder(order, epoch);
        long mine = ++generation;
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                check();
                return next < order.length;
            }

            @Override
            public Batch next() {
                check();
                if (next >= order.length) {
                    throw new NoSuchElementException("Batches: epoch " + epoch + " has no batch left");
                }
                int count = Math.min(batchSize, order.length - next);
                batch.fill(data, order, next, count);
                next += count;
                return batch;
            }

            private void check() {
                if (generation != mine) {
                    throw new ConcurrentModificationException(
                            "Batches: epoch " + epoch + " was superseded by a later epoch on the same Batches");
                }
            }
        };
    }

    private void fillOrder(int[] into, long epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("Batches: epoch must be >= 0, got " + epoch);
        }
        if (shuffle) {
            Shuffle.permutation(into, seed, epoch);
        } else {
            for (int i = 0; i < into.length; i++) {
                into[i] = i;
            }
        }
    }
}
