package dev.isthmus.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void everyPartRunsExactlyOnce() {
        for (int parts : new int[] {0, 1, 2, 3, 7, 64}) {
            AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(1, parts));
            Parallel.run(parts, i -> runs.incrementAndGet(i));
            for (int i = 0; i < parts; i++) {
                assertEquals(1, runs.get(i), "part " + i + " of " + parts);
            }
        }
    }

    @Test
    void anExceptionInAWorkerPartReachesTheCaller() {
        IllegalStateException boom = new IllegalStateException("boom");
        var thrown = assertThrows(IllegalStateException.class, () -> Parallel.run(4, i -> {
            if (i == 3) {
                throw boom;
            }
        }));
        assertSame(boom, thrown);
        // the pool still works afterwards
        AtomicIntegerArray runs = new AtomicIntegerArray(4);
        Parallel.run(4, runs::incrementAndGet);
        assertEquals(4, runs.get(0) + runs.get(1) + runs.get(2) + runs.get(3));
    }

    @Test
    void nestedCallsRunInlineWithoutDeadlock() {
        AtomicIntegerArray runs = new AtomicIntegerArray(16);
        Parallel.run(4, outer -> Parallel.run(4, inner -> runs.incrementAndGet(outer * 4 + inner)));
        for (int i = 0; i < 16; i++) {
            assertEquals(1, runs.get(i));
        }
    }

    @Test
    void concurrentCallersAllComplete() throws InterruptedException {
        int callers = 4;
        AtomicIntegerArray totals = new AtomicIntegerArray(callers);
        CountDownLatch start = new CountDownLatch(1);
        Thread[] threads = new Thread[callers];
        for (int t = 0; t < callers; t++) {
            int id = t;
            threads[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int rep = 0; rep < 500; rep++) {
                    Parallel.run(3, i -> totals.incrementAndGet(id));
                }
            });
            threads[t].start();
        }
        start.countDown();
        for (Thread t : threads) {
            t.join(30_000);
            assertTrue(!t.isAlive(), "a caller hung");
        }
        for (int t = 0; t < callers; t++) {
            assertEquals(1500, totals.get(t));
        }
    }

    @Test
    void negativePartsAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> Parallel.run(-1, i -> { }));
        assertTrue(e.getMessage().contains("-1"));
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneaky(Throwable t) throws T {
        throw (T) t;
    }

    /** A checked exception thrown sneakily by a part must reach the caller, inline or pooled. */
    @Test
    void aCheckedExceptionFromAPartIsNotLost() {
        java.io.IOException io = new java.io.IOException("disk");
        Throwable inline = assertThrows(Throwable.class, () -> Parallel.run(1, i -> sneaky(io)));
        assertSame(io, inline);
        Throwable pooled = assertThrows(Throwable.class, () -> Parallel.run(2, i -> sneaky(io)));
        assertTrue(pooled == io || pooled.getCause() == io, String.valueOf(pooled));
    }
}
