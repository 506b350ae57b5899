package dev.isthmus.cli;

import dev.isthmus.blas.Blas;
import dev.isthmus.kernels.Cpu;
import dev.isthmus.kernels.Parallel;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Tensor;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.data.Normalization;
import dev.isthmus.nn.infer.InferencePlan;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.management.JMException;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Measures how fast a model infers, compiled into an {@link InferencePlan} and uncompiled
 * ({@link Sequential#predict}), as {@code isthmus bench} and {@code isthmus demo} report it, or one
 * plan against another ({@link #compare}), as {@code isthmus quantize} times fp32 against int8.
 *
 * <p>First each impl at each batch size runs on one thread until the JIT compiler is done with it.
 * Then, for each batch size and caller count, {@code threads} platform threads each call predict on
 * inputs of their own for the measuring time; every call is timed with {@link System#nanoTime}.
 * Latency percentiles are over all calls of all callers, throughput is all images over the wall
 * time. The plan's callers use the output-array overload, as a service would, so the bytes they
 * allocate per call are what a service's calls would allocate.
 */
final class InferenceBench {
    /** What is measured: the compiled plan or the model it was compiled from. */
    enum Impl {
        PLAN, MODEL;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What to measure and for how long.
     *
     * @param batchSizes samples per call, each measured
     * @param threads    concurrent caller counts, each measured
     * @param seconds    measuring time per row (impl, callers, batch), after a fifth of it of warm-up
     *                   on the row's own threads
     * @param warmup     least seconds of calls per impl and batch size on one thread before the first
     *                   row; it goes on, up to {@value #WARMUP_LIMIT} times as long, until the JIT
     *                   compiler is quiet and the time per call has stopped falling
     */
    record Config(List<Integer> batchSizes, List<Integer> threads, double seconds, double warmup) {
        Config {
            batchSizes = List.copyOf(batchSizes);
            threads = List.copyOf(threads);
        }
    }

    /**
     * The rows, model before plan for each batch size and caller count, and how long the warm-up took.
     *
     * @param otherCores cores' worth of CPU time that other processes used (or the hypervisor stole)
     *                   while the bench ran: above a fraction of a core, they preempt the callers and
     *                   the tails measure that too. NaN where {@code /proc/stat} cannot be read.
     */
    record Result(List<Measurement> rows, double warmupSeconds, double otherCores) {
        Result {
            rows = List.copyOf(rows);
        }

        /** A warning when other processes used a noticeable share of the CPU, else empty. */
        Optional<String> contention() {
            return otherCores >= 0.25 ? Optional.of(String.format(Locale.ROOT, "other processes used %.1f of the "
                    + "%d cores while this ran, so they preempted the callers: latencies, and tails most, are worse "
                    + "than on an idle machine", otherCores, Runtime.getRuntime().availableProcessors()))
                    : Optional.empty();
        }
    }

    /**
     * One configuration's result.
     *
     * @param calls                  predict calls timed, over all callers
     * @param allocatedBytesPerCall  bytes the callers' threads allocated per call (NaN when the JVM
     *                               cannot tell); work done by the shared pool's threads is not counted
     * @param planVsModel            for a plan row, its images/s over the model's at the same batch and
     *                               callers; NaN for a model row
     */
    record Measurement(Impl impl, int threads, int batch, long calls, double p50Micros, double p99Micros,
                       double imagesPerSecond, double allocatedBytesPerCall, double planVsModel) {
        double tailRatio() {
            return p99Micros / p50Micros;
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("impl", impl.label());
            m.put("threads", threads);
            m.put("batch", batch);
            m.put("calls", calls);
            m.put("p50_us", round(p50Micros, 2));
            m.put("p99_us", round(p99Micros, 2));
            m.put("p99_over_p50", round(tailRatio(), 3));
            m.put("images_per_second", round(imagesPerSecond, 1));
            m.put("allocated_bytes_per_call", Double.isNaN(allocatedBytesPerCall) ? null : round(allocatedBytesPerCall, 1));
            if (impl == Impl.PLAN) {
                m.put("plan_vs_model", round(planVsModel, 3));
            }
            return m;
        }
    }

    /**
     * A bank of model inputs the callers copy theirs from.
     *
     * @param values      {@code count} samples of the model's input size, row-major
     * @param description what they are, for the report
     */
    record Samples(float[] values, int count, String description) {
        /**
         * Random samples in the range the model was trained on: standard normal for a standardized
         * model (what standardization makes of its data), uniform in [0, 1) otherwise (pixels, or
         * min-max scaled features).
         */
        static Samples random(TrainedModel trained, int count, long seed) {
            int size = trained.model().inputShape().size();
            float[] v = new float[Math.multiplyExact(count, size)];
            SplittableRandom rng = new SplittableRandom(seed);
            Normalization n = trained.normalization();
            boolean normal = n != null && n.kind() == Normalization.Kind.STANDARDIZE;
            for (int i = 0; i < v.length; i++) {
                v[i] = normal ? (float) rng.nextGaussian() : (float) rng.nextDouble();
            }
            String range = normal ? "standard normal per feature, as the saved standardization makes the data"
                    : n != null ? "uniform in [0, 1), as the saved min-max scaling makes the data"
                    : "uniform in [0, 1), the range of image pixels";
            return new Samples(v, count, String.format(Locale.ROOT, "%d random samples of shape %s, %s", count,
                    trained.model().inputShape(), range));
        }

        /** The first {@code count} examples of data already prepared for the model (normalized, reshaped). */
        static Samples of(Dataset prepared, int count, String description) {
            int n = Math.min(count, prepared.size());
            if (n < 1) {
                throw new IllegalArgumentException("no examples to benchmark with in " + description);
            }
            float[] v = Arrays.copyOf(prepared.features(), n * prepared.featureSize());
            return new Samples(v, n, String.format(Locale.ROOT, "%d %s", n, description));
        }
    }

    private static final com.sun.management.ThreadMXBean THREAD_BEAN =
            ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                    && t.isThreadAllocatedMemorySupported() ? t : null;

    private InferenceBench() {}

    /**
     * Warms up, then measures every batch size and caller count, the model before the plan in each,
     * handing each row to {@code row} as soon as it is measured.
     */
    static Result run(Sequential model, InferencePlan plan, Samples samples, Config config, Consumer<Measurement> row) {
        return measureAll(List.of(new Contender(Impl.MODEL, model, plan), new Contender(Impl.PLAN, model, plan)),
                samples, config, row);
    }

    /**
     * Plans against each other, such as an fp32 plan and its int8 quantization: each plan warmed up
     * at each batch size as {@link #run} warms up, then, for each batch size and caller count, each
     * plan measured in turn, one row per plan in the order given. Every row's impl is
     * {@link Impl#PLAN} and its planVsModel NaN: which plan a row is follows from its place.
     */
    static Result compare(List<InferencePlan> plans, Samples samples, Config config) {
        return measureAll(plans.stream().map(p -> new Contender(Impl.PLAN, null, p)).toList(), samples, config, m -> { });
    }

    /** One thing to time: the model (MODEL) or a plan (PLAN). */
    private record Contender(Impl impl, Sequential model, InferencePlan plan) {}

    /**
     * Warms every contender up at every batch size, then measures each in turn per batch size and
     * caller count; a plan measured after the model in the same group gets its speed ratio to it.
     */
    private static Result measureAll(List<Contender> contenders, Samples samples, Config config,
                                     Consumer<Measurement> row) {
        CpuTime before = CpuTime.now();
        long start = System.nanoTime();
        for (int batch : config.batchSizes()) {
            for (Contender c : contenders) {
                settle(new Caller(c.impl(), c.model(), c.plan(), samples, batch, 0), config.warmup());
            }
        }
        double warmup = (System.nanoTime() - start) / 1e9;
        List<Measurement> rows = new ArrayList<>();
        for (int batch : config.batchSizes()) {
            for (int threads : config.threads()) {
                Measurement model = null;
                for (Contender c : contenders) {
                    Measurement m = measure(c.impl(), c.model(), c.plan(), samples, batch, threads, config.seconds());
                    if (c.impl() == Impl.MODEL) {
                        model = m;
                    } else if (model != null) {
                        m = new Measurement(m.impl(), m.threads(), m.batch(), m.calls(), m.p50Micros(), m.p99Micros(),
                                m.imagesPerSecond(), m.allocatedBytesPerCall(),
                                m.imagesPerSecond() / model.imagesPerSecond());
                    }
                    rows.add(m);
                    row.accept(m);
                }
            }
        }
        return new Result(rows, warmup, before.otherCores(CpuTime.now()));
    }

    /**
     * The machine's busy and stolen CPU time from {@code /proc/stat} and this process's, to tell how
     * much other processes ran meanwhile.
     *
     * @param machineSeconds CPU seconds all processes were busy or stolen from, NaN when unknown
     */
    private record CpuTime(long wallNanos, double machineSeconds, double processSeconds) {
        static CpuTime now() {
            double machine = Double.NaN;
            try (var lines = Files.lines(Path.of("/proc/stat"))) {
                // cpu  user nice system idle iowait irq softirq steal ..., in USER_HZ (100) ticks
                String[] f = lines.findFirst().orElse("").trim().split("\\s+");
                if (f.length > 8 && f[0].equals("cpu")) {
                    long busy = 0;
                    for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                        busy += Long.parseLong(f[i]);
                    }
                    machine = busy / 100.0;
                }
            } catch (IOException | RuntimeException e) {
                // not Linux, or no /proc: unknown
            }
            double process = ManagementFactory.getOperatingSystemMXBean()
                    instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() / 1e9 : Double.NaN;
            return new CpuTime(System.nanoTime(), machine, process);
        }

        double otherCores(CpuTime later) {
            double seconds = (later.wallNanos - wallNanos) / 1e9;
            double others = later.machineSeconds - machineSeconds - (later.processSeconds - processSeconds);
            return Math.max(0, others / seconds);
        }
    }

    /** The row of this impl, caller count and batch, if it was measured. */
    static Optional<Measurement> find(List<Measurement> rows, Impl impl, int threads, int batch) {
        return rows.stream().filter(r -> r.impl() == impl && r.threads() == threads && r.batch() == batch).findFirst();
    }

    // ---------------------------------------------------------------- measuring

    static final int WARMUP_LIMIT = 8;
    private static final ObjectName DIAGNOSTIC_COMMAND = diagnosticCommand();

    /**
     * Calls in rounds until at least {@code minSeconds} have passed and, three rounds running, the JIT
     * compilers had nothing to do at the round's end and the time per call did not fall by 5%, or
     * until {@value #WARMUP_LIMIT} times {@code minSeconds}. Vector API code runs many times slower,
     * and allocates, until C2 has compiled it, which on a busy machine takes seconds; meanwhile the
     * time per call can hold still, so the time alone does not tell that the code is warm.
     */
    private static void settle(Caller c, double minSeconds) {
        long start = System.nanoTime();
        long least = nanos(minSeconds);
        long most = nanos(WARMUP_LIMIT * minSeconds);
        long round = Math.max(nanos(0.02), least / 10);
        double best = Double.MAX_VALUE;
        int quiet = 0;
        while (true) {
            long compiled = compilationMillis();
            long t0 = System.nanoTime();
            long calls = c.run(t0 + round, 1);
            c.forget();
            long t1 = System.nanoTime();
            double perCall = (double) (t1 - t0) / calls;
            boolean faster = perCall < 0.95 * best;
            best = Math.min(best, perCall);
            quiet = faster || !compilerIdle(compiled) ? 0 : quiet + 1;
            if (t1 - start >= most || t1 - start >= least && quiet >= 3) {
                return;
            }
        }
    }

    /**
     * True when no method is being compiled or waiting to be, as HotSpot's {@code Compiler.queue}
     * diagnostic command lists them; where the JVM has no such command, when no compilation finished
     * since {@code compiledBefore} ({@link #compilationMillis}).
     */
    private static boolean compilerIdle(long compiledBefore) {
        if (DIAGNOSTIC_COMMAND != null) {
            try {
                String queue = (String) ManagementFactory.getPlatformMBeanServer().invoke(DIAGNOSTIC_COMMAND,
                        "compilerQueue", new Object[] {new String[0]}, new String[] {String[].class.getName()});
                // "Current compiles:", "C1 compile queue:", "C2 compile queue:", each followed by methods or "Empty"
                return queue.lines().map(String::strip)
                        .allMatch(l -> l.isEmpty() || l.endsWith(":") || l.equals("Empty"));
            } catch (JMException | RuntimeException e) {
                // fall through to the compilation time
            }
        }
        return compilationMillis() == compiledBefore;
    }

    /** Milliseconds the JIT compilers have spent so far; a constant when the JVM does not tell. */
    private static long compilationMillis() {
        var jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    private static ObjectName diagnosticCommand() {
        try {
            return new ObjectName("com.sun.management:type=DiagnosticCommand");
        } catch (MalformedObjectNameException e) {
            return null;
        }
    }

    private static Measurement measure(Impl impl, Sequential model, InferencePlan plan, Samples samples, int batch,
                                       int threads, double seconds) {
        Caller[] callers = new Caller[threads];
        for (int t = 0; t < threads; t++) {
            callers[t] = new Caller(impl, model, plan, samples, batch, t);
            // a call that fails, fails here, before any thread waits for another
            callers[t].run(0, 1);
            callers[t].forget();
        }
        long[] window = new long[2];
        CyclicBarrier warmed = new CyclicBarrier(threads, () -> {
            window[0] = System.nanoTime();
            window[1] = window[0] + nanos(seconds);
        });
        long warmupNanos = nanos(seconds / 5);
        Thread[] running = new Thread[threads];
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < threads; t++) {
            Caller c = callers[t];
            running[t] = Thread.ofPlatform().name("isthmus-bench-" + t).unstarted(() -> {
                try {
                    long warmCalls = c.run(System.nanoTime() + warmupNanos, 1);
                    // twice the calls the warm-up's rate predicts, so the timing array rarely grows while measuring
                    c.reserve((int) Math.min(1 << 24, 10 * warmCalls + 64));
                    // a caller that died before the barrier breaks it for the others after a minute
                    warmed.await(warmupNanos + 60_000_000_000L, TimeUnit.NANOSECONDS);
                    c.measure(window[1]);
                } catch (Throwable e) {
                    synchronized (failure) {
                        if (failure[0] == null || failure[0] instanceof BrokenBarrierException) {
                            failure[0] = e;
                        }
                    }
                }
            });
            running[t].start();
        }
        for (Thread t : running) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("the benchmark was interrupted", e);
            }
        }
        if (failure[0] instanceof RuntimeException r) {
            throw r;
        }
        if (failure[0] != null) {
            throw new IllegalStateException("a benchmark caller failed: " + failure[0], failure[0]);
        }
        return summarize(impl, threads, batch, callers, window[0]);
    }

    private static Measurement summarize(Impl impl, int threads, int batch, Caller[] callers, long start) {
        int total = 0;
        long end = start;
        double allocated = 0;
        for (Caller c : callers) {
            total += c.count;
            end = Math.max(end, c.end);
            allocated = c.allocated < 0 || Double.isNaN(allocated) ? Double.NaN : allocated + c.allocated;
        }
        long[] all = new long[total];
        int at = 0;
        for (Caller c : callers) {
            System.arraycopy(c.nanos, 0, all, at, c.count);
            at += c.count;
        }
        Arrays.sort(all);
        double seconds = (end - start) / 1e9;
        return new Measurement(impl, threads, batch, total, percentile(all, 0.50) / 1e3, percentile(all, 0.99) / 1e3,
                (double) total * batch / seconds, allocated / total, Double.NaN);
    }

    /** The nearest-rank percentile of sorted values. */
    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static long nanos(double seconds) {
        return (long) (seconds * 1e9);
    }

    /**
     * One caller thread's inputs, outputs and timings. Warm-up and measurement run the same small
     * {@link #timedCall}, so the code the JIT compiled while warming up is the code measured, from
     * any thread: a loop of its own for measuring would start in the interpreter, calling whatever
     * the callees' standalone compiled versions are. The model is null when only a plan is timed.
     */
    private static final class Caller {
        private final Impl impl;
        private final Sequential model;
        private final InferencePlan plan;
        private final int batch;
        private final float[] x;
        private final float[] y;
        private final Tensor tensor;
        long[] nanos = new long[1024];
        int count;
        long end;
        long allocated = -1;
        private long grownBytes;
        // read after the calls, so that no call's result is dead code
        float sink;

        Caller(Impl impl, Sequential model, InferencePlan plan, Samples samples, int batch, int caller) {
            this.impl = impl;
            this.model = model;
            this.plan = plan;
            this.batch = batch;
            int size = plan.inputShape().size();
            x = new float[Math.multiplyExact(batch, size)];
            // each caller its own inputs: the bank's samples from a different start, wrapping around
            for (int i = 0; i < batch; i++) {
                int s = (int) (((long) caller * batch + i) % samples.count());
                System.arraycopy(samples.values(), s * size, x, i * size, size);
            }
            y = new float[Math.multiplyExact(batch, plan.outputShape().size())];
            tensor = Tensor.of(x, plan.inputShape().withBatch(batch));
        }

        /** One predict call, timed and recorded; returns when it ended. */
        private long timedCall() {
            long t0 = System.nanoTime();
            if (impl == Impl.PLAN) {
                plan.predict(x, 0, batch, y, 0);
            } else {
                y[0] += model.predict(tensor).data()[0];
            }
            long t1 = System.nanoTime();
            if (count == nanos.length) {
                nanos = Arrays.copyOf(nanos, 2 * nanos.length);
                grownBytes += 16 + 8L * nanos.length;
            }
            nanos[count++] = t1 - t0;
            return t1;
        }

        /** Calls until the deadline, at least {@code atLeast} times; returns how many calls it made. */
        long run(long deadline, int atLeast) {
            int first = count;
            long t;
            do {
                t = timedCall();
            } while (count - first < atLeast || t < deadline);
            end = t;
            sink += y[0];
            return count - first;
        }

        /** Drops the timings so far (a warm-up's). */
        void forget() {
            count = 0;
        }

        void reserve(int calls) {
            nanos = new long[Math.max(1024, calls)];
            count = 0;
        }

        /** Timings of calls until the deadline, at least one, and the bytes allocated meanwhile. */
        void measure(long deadline) {
            long before = allocatedBytes();
            long grownBefore = grownBytes;
            run(deadline, 1);
            long after = allocatedBytes();
            allocated = before < 0 || after < 0 ? -1 : Math.max(0, after - before - (grownBytes - grownBefore));
        }

        private static long allocatedBytes() {
            return THREAD_BEAN == null ? -1 : THREAD_BEAN.getCurrentThreadAllocatedBytes();
        }
    }

    // ---------------------------------------------------------------- reporting

    static final String HEADER = String.format(Locale.ROOT, "%-5s %7s %6s %10s %10s %7s %12s %8s %13s",
            "impl", "threads", "batch", "p50 us", "p99 us", "p99/p50", "images/s", "B/call", "plan vs model");

    /** One table row under {@link #HEADER}. */
    static String format(Measurement m) {
        String alloc = Double.isNaN(m.allocatedBytesPerCall()) ? "?"
                : String.format(Locale.ROOT, "%,.0f", m.allocatedBytesPerCall());
        String ratio = m.impl() == Impl.PLAN ? String.format(Locale.ROOT, "%.2fx", m.planVsModel()) : "";
        return String.format(Locale.ROOT, "%-5s %7d %6d %10.1f %10.1f %7.2f %,12.0f %8s %13s", m.impl().label(),
                m.threads(), m.batch(), m.p50Micros(), m.p99Micros(), m.tailRatio(), m.imagesPerSecond(), alloc, ratio);
    }

    /** The header and every row, one per line. */
    static String table(List<Measurement> rows) {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        for (Measurement m : rows) {
            b.append(format(m)).append('\n');
        }
        return b.toString();
    }

    /**
     * What the rows say about concurrent callers: per batch, the largest caller count's images/s
     * against one caller's, for the plan and for the model (whose predict is synchronized).
     */
    static List<String> notes(List<Measurement> rows) {
        List<String> notes = new ArrayList<>();
        int most = rows.stream().mapToInt(Measurement::threads).max().orElse(1);
        if (most < 2 || rows.stream().noneMatch(r -> r.threads() == 1)) {
            return notes;
        }
        for (int batch : rows.stream().map(Measurement::batch).distinct().toList()) {
            Optional<Measurement> p1 = find(rows, Impl.PLAN, 1, batch);
            Optional<Measurement> pn = find(rows, Impl.PLAN, most, batch);
            Optional<Measurement> m1 = find(rows, Impl.MODEL, 1, batch);
            Optional<Measurement> mn = find(rows, Impl.MODEL, most, batch);
            if (p1.isPresent() && pn.isPresent() && m1.isPresent() && mn.isPresent()) {
                notes.add(String.format(Locale.ROOT, "batch %d, %d callers against 1: plan %.2fx the images/s, "
                                + "model %.2fx; plan p99/p50 %.2f", batch, most,
                        pn.get().imagesPerSecond() / p1.get().imagesPerSecond(),
                        mn.get().imagesPerSecond() / m1.get().imagesPerSecond(), pn.get().tailRatio()));
            }
        }
        notes.add("Sequential.predict is synchronized, so concurrent callers of the uncompiled model wait for "
                + "each other; the plan's callers each borrow a workspace and run at once");
        return notes;
    }

    /** The machine the numbers were measured on, for the JSON report. */
    static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", Cpu.model());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("pool_threads", Parallel.threads());
        m.put("jdk", Runtime.version().toString());
        m.put("openblas", Blas.available() ? Blas.coreName() : null);
        return m;
    }

    /** {@link #machine()} as one line. */
    static String machineLine() {
        Map<String, Object> m = machine();
        return String.format(Locale.ROOT, "machine: %s, %s cores, pool of %s threads, JDK %s, %s", m.get("cpu"),
                m.get("cores"), m.get("pool_threads"), m.get("jdk"),
                m.get("openblas") == null ? "OpenBLAS not loaded" : "OpenBLAS core " + m.get("openblas"));
    }

    static double round(double v, int places) {
        if (!Double.isFinite(v)) {
            return v;
        }
        double scale = Math.pow(10, places);
        return Math.round(v * scale) / scale;
    }
}
