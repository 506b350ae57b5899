package dev.isthmus.cli;

import dev.isthmus.blas.Blas;
import dev.isthmus.nn.infer.InferencePlan;
import dev.isthmus.nn.infer.PlanOptions;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code isthmus bench}: a saved model's inference latency and throughput, compiled plan against uncompiled model. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure a model's inference latency and images/s, plan against model.",
                "For each batch size and number of concurrent callers, the compiled inference plan and the "
                        + "uncompiled model (Sequential.predict): latency per call (p50 and p99 over all callers' "
                        + "calls), images/s, bytes allocated per call on the callers' threads, and the plan's "
                        + "images/s over the model's. Inputs are random samples of the model's input shape in the "
                        + "range it was trained on. The default run takes about 20 s for the mlp."})
final class BenchCommand implements Callable<Integer> {
    static final int MAX_BATCH = 65_536;
    static final int MAX_THREADS = 64;
    private static final int BANK = 4096;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model file written by isthmus train or demo.")
    Path modelFile;

    @Option(names = "--batch-sizes", defaultValue = "1,64,1024", paramLabel = "N,N...",
            description = "Samples per call, each measured (default: ${DEFAULT-VALUE}).")
    String batchSizes;

    @Option(names = "--threads", defaultValue = "1,2", paramLabel = "N,N...",
            description = "Concurrent caller threads, each calling predict on inputs of its own (default: ${DEFAULT-VALUE}).")
    String threads;

    @Option(names = "--seconds", defaultValue = "1.0", paramLabel = "S",
            description = "Measuring time per row, after a warm-up of a fifth of it (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup", paramLabel = "S",
            description = "Least warm-up per batch size, for plan and model, before the first row; it goes on, up to "
                    + InferenceBench.WARMUP_LIMIT + " times as long, until the JIT compiler is quiet and the time per "
                    + "call stops falling (default: the smaller of 0.25 and --seconds).")
    Double warmup;

    @Option(names = "--kernel", defaultValue = "auto", paramLabel = "auto|vector|blas",
            description = "Where the plan's products run: chosen per layer, the Vector API, or OpenBLAS; the "
                    + "uncompiled model keeps its own backend (default: ${DEFAULT-VALUE}).")
    String kernel;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        List<Integer> batches = counts("--batch-sizes", batchSizes, MAX_BATCH);
        List<Integer> callers = counts("--threads", threads, MAX_THREADS);
        if (!(seconds > 0 && seconds <= 600)) {
            throw new UsageError("--seconds must be > 0 and at most 600, got " + seconds);
        }
        double least = warmup == null ? Math.min(0.25, seconds) : warmup;
        if (!(least > 0 && least <= 60)) {
            throw new UsageError("--warmup must be > 0 and at most 60, got " + warmup);
        }
        PlanOptions options = PlanOptions.DEFAULT.withKernel(kernel(kernel));
        if (options.kernel() == PlanOptions.Kernel.BLAS && !Blas.available()) {
            throw new IllegalStateException("--kernel blas: OpenBLAS did not load ("
                    + Blas.unavailableReason().orElse("unknown reason") + "); use auto or vector");
        }
        TrainedModel trained = TrainedModel.load(modelFile);
        InferencePlan plan = InferencePlan.compile(trained.model(), options);
        int bank = Math.min(BANK, Math.max(64, batches.getLast() * callers.getLast()));
        InferenceBench.Samples samples = InferenceBench.Samples.random(trained, bank, 42);
        InferenceBench.Config config = new InferenceBench.Config(batches, callers, seconds, least);

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            InferenceBench.Result result = InferenceBench.run(trained.model(), plan, samples, config, r -> {});
            out.println(Json.write(toJson(modelFile, trained, plan, samples, config, result)));
        } else {
            out.println("model: " + modelFile + " (trained on " + trained.data() + ")");
            out.print(plan.describe());
            out.println("inputs: " + samples.description());
            out.println(InferenceBench.machineLine());
            out.printf(Locale.ROOT, "timing: warm-up first, then per row %.2f s of warm-up and %.2f s measured; "
                    + "plan kernel %s%n", seconds / 5, seconds, options.kernel().name().toLowerCase(Locale.ROOT));
            out.println();
            out.flush();
            boolean[] first = {true};
            InferenceBench.Result result = InferenceBench.run(trained.model(), plan, samples, config, r -> {
                if (first[0]) {
                    out.println(InferenceBench.HEADER);
                    first[0] = false;
                }
                out.println(InferenceBench.format(r));
                out.flush();
            });
            out.println();
            out.printf(Locale.ROOT, "warm-up: %.1f s until the JIT compiler was quiet and calls stopped getting faster%n",
                    result.warmupSeconds());
            InferenceBench.notes(result.rows()).forEach(n -> out.println("note: " + n));
            result.contention().ifPresent(n -> out.println("note: " + n));
        }
        out.flush();
        return 0;
    }

    static Map<String, Object> toJson(Path model, TrainedModel trained, InferencePlan plan,
                                      InferenceBench.Samples samples, InferenceBench.Config config,
                                      InferenceBench.Result result) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model.toString());
        m.put("data", trained.data());
        m.put("kernel", plan.options().kernel().name().toLowerCase(Locale.ROOT));
        m.put("plan", plan.describe().lines().toList());
        m.put("inputs", samples.description());
        m.put("seconds", config.seconds());
        m.put("warmup_seconds", InferenceBench.round(result.warmupSeconds(), 3));
        m.put("machine", InferenceBench.machine());
        m.put("other_processes_cores", InferenceBench.round(result.otherCores(), 2));
        List<Map<String, Object>> list = new ArrayList<>();
        for (InferenceBench.Measurement r : result.rows()) {
            list.add(r.toJson());
        }
        m.put("rows", list);
        m.put("notes", InferenceBench.notes(result.rows()));
        return m;
    }

    /** A comma-separated list of whole numbers from 1 to max, sorted, each once. */
    static List<Integer> counts(String option, String text, int max) {
        TreeSet<Integer> values = new TreeSet<>();
        for (String part : text.split(",", -1)) {
            String p = part.trim();
            int v;
            try {
                v = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new UsageError(option + ": '" + p + "' is not a whole number; expected a list like 1,2,4 of "
                        + "numbers from 1 to " + max);
            }
            if (v < 1 || v > max) {
                throw new UsageError(option + ": " + v + " is out of range; expected numbers from 1 to " + max);
            }
            values.add(v);
        }
        return List.copyOf(values);
    }

    static PlanOptions.Kernel kernel(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> PlanOptions.Kernel.AUTO;
            case "vector" -> PlanOptions.Kernel.VECTOR;
            case "blas" -> PlanOptions.Kernel.BLAS;
            default -> throw new UsageError("unknown kernel '" + name + "': expected auto, vector or blas");
        };
    }
}
