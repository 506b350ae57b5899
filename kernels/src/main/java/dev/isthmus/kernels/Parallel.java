package dev.isthmus.kernels;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * One persistent pool for intra-op parallelism, sized by {@link Threads#count()}.
 *
 * <p>{@link #run} splits work statically: part {@code i} of {@code parts} always runs as one unit,
 * on whichever thread, so a kernel whose parts write disjoint outputs gives bit-identical results
 * for any thread count and any timing. The caller runs part 0 itself; the workers run the rest.
 *
 * <p>The pool serves one operation at a time. A call made while it is busy (from another caller
 * thread, or from inside a part) runs all its parts on the calling thread instead of waiting, so
 * concurrent callers never block each other and nested calls cannot deadlock.
 */
public final class Parallel {
    private static final Parallel POOL = new Parallel(Threads.count());

    private final Worker[] workers;
    /** Not a reentrant lock: a part that calls run() again on the caller's thread must run inline. */
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile Thread waiter;
    private volatile IntConsumer task;
    private volatile int taskParts;
    private volatile int taskThreads;
    private volatile Throwable failure;

    private Parallel(int threads) {
        workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    /** Threads that run parts at once: the caller plus the workers. */
    public static int threads() {
        return POOL.workers.length + 1;
    }

    /**
     * Runs {@code part.accept(i)} for every {@code i} in {@code [0, parts)} and returns when all are
     * done. Parts beyond the thread count are spread round-robin: thread {@code t} runs parts
     * {@code t, t + threads, ...}. An exception in a part is rethrown here once every thread has
     * stopped (the thread that threw skips the rest of its parts); a checked one arrives wrapped.
     */
    public static void run(int parts, IntConsumer part) {
        if (parts < 0) {
            throw new IllegalArgumentException("parts must be >= 0, got " + parts);
        }
        POOL.execute(parts, part);
    }

    private void execute(int parts, IntConsumer part) {
        if (parts == 0) {
            return;
        }
        if (parts == 1 || workers.length == 0 || !busy.compareAndSet(false, true)) {
            for (int i = 0; i < parts; i++) {
                part.accept(i);
            }
            return;
        }
        try {
            int helpers = Math.min(workers.length, parts - 1);
            failure = null;
            task = part;
            taskParts = parts;
            taskThreads = helpers + 1;
            waiter = Thread.currentThread();
            remaining.set(helpers);
            for (int w = 0; w < helpers; w++) {
                workers[w].wake();
            }
            Throwable own = null;
            try {
                runShare(0, helpers + 1, parts, part);
            } catch (Throwable t) {
                own = t;
            }
            awaitHelpers();
            task = null;
            Throwable first = own != null ? own : failure;
            if (first instanceof RuntimeException r) {
                throw r;
            }
            if (first instanceof Error e) {
                throw e;
            }
            if (first != null) {
                // a checked exception thrown sneakily by a part must not vanish either
                throw new IllegalStateException("a parallel part failed", first);
            }
        } finally {
            busy.set(false);
        }
    }

    private static void runShare(int thread, int threads, int parts, IntConsumer part) {
        for (int i = thread; i < parts; i += threads) {
            part.accept(i);
        }
    }

    private void awaitHelpers() {
        // Parts are short (microseconds to milliseconds): spin a little before parking.
        for (int spin = 0; remaining.get() > 0; spin++) {
            if (spin < 20_000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, 50_000);
            }
        }
    }

    private final class Worker extends Thread {
        private final int index;
        private volatile boolean pending;

        Worker(int index) {
            super("isthmus-worker-" + index);
            this.index = index;
            setDaemon(true);
        }

        void wake() {
            pending = true;
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            while (true) {
                for (int spin = 0; !pending; spin++) {
                    if (spin < 20_000) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                }
                pending = false;
                try {
                    runShare(index, taskThreads, taskParts, task);
                } catch (Throwable t) {
                    failure = t;
                }
                if (remaining.decrementAndGet() == 0) {
                    LockSupport.unpark(waiter);
                }
            }
        }
    }
}
