package dev.isthmus.cli;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.infer.InferencePlan;
import dev.isthmus.nn.infer.PlanOptions;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.prune.MagnitudePruning;
import dev.isthmus.nn.prune.SparsitySchedule;
import dev.isthmus.nn.structure.StructuredPruning;
import dev.isthmus.nn.train.Callback;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code isthmus prune}: a saved model made smaller, structurally or by sparse weights, fine-tuned, and what it cost and gained. */
@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prune a saved model, fine-tune it, and report accuracy, size and batch-1 latency before and after.",
                "--structured F removes the fraction F of the units of every hidden dense layer and convolution "
                        + "(whole neurons or channels, ranked by weight norm or batch-norm scale) and writes a genuinely "
                        + "smaller model. --sparsity S zeroes the fraction S of the weights by magnitude, ramping up "
                        + "during fine-tuning with masks that keep pruned weights at zero; the compiled plan runs a "
                        + "dense layer on the sparse kernel where that measured faster. Before fine-tuning, a sweep "
                        + "prunes the model one-shot at several levels and times each plan, to show the trade-off "
                        + "(and, for --sparsity, the sparsity from which the sparse kernel beats the dense one). Fine-tuning "
                        + "runs " + PruneCommand.DEFAULT_EPOCHS_STRUCTURED + " epochs for --structured and "
                        + PruneCommand.DEFAULT_EPOCHS_SPARSE + " for --sparsity unless --epochs says otherwise."})
final class PruneCommand implements Callable<Integer> {
    /** Fine-tuning epochs by default: what reached the targets on the mlp (bench/RESULTS.md section 8). */
    static final int DEFAULT_EPOCHS_STRUCTURED = 2;
    static final int DEFAULT_EPOCHS_SPARSE = 4;
    static final double DEFAULT_LR = 1e-3;
    static final double[] STRUCTURED_SWEEP = {0.25, 0.5, 0.75};
    static final double[] SPARSE_SWEEP = {0.5, 0.7, 0.8, 0.9, 0.95};

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model file written by isthmus train or demo.")
    Path modelFile;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the pruned, fine-tuned model.")
    Path out;

    @Option(names = "--structured", paramLabel = "F", description = "Remove this fraction of the units of each hidden layer.")
    Double structured;

    @Option(names = "--criterion", defaultValue = "weight-norm", paramLabel = "weight-norm|bn-scale",
            description = "How --structured ranks units: the L2 norm of their incoming weights, or |gamma| of the batch "
                    + "normalization after the layer (default: ${DEFAULT-VALUE}).")
    String criterion;

    @Option(names = "--sparsity", paramLabel = "S", description = "Zero this fraction of the weights, smallest magnitudes first.")
    Double sparsity;

    @Option(names = "--scope", defaultValue = "global", paramLabel = "global|layer",
            description = "--sparsity over all layers' weights together, or the same fraction in each layer (default: ${DEFAULT-VALUE}).")
    String scope;

    @Option(names = "--schedule", defaultValue = "polynomial", paramLabel = "polynomial|constant",
            description = "polynomial ramps the sparsity from 0 to S over the first --ramp of the fine-tuning steps "
                    + "(cubic, fast at first); constant prunes to S at once (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--ramp", defaultValue = "0.7", paramLabel = "FRACTION",
            description = "The share of the fine-tuning steps the polynomial ramp takes (default: ${DEFAULT-VALUE}).")
    double ramp;

    @Option(names = "--every", defaultValue = "50", paramLabel = "STEPS",
            description = "Steps between mask updates during the ramp (default: ${DEFAULT-VALUE}).")
    int every;

    @Option(names = "--sweep", split = ",", paramLabel = "LEVEL",
            description = "One-shot pruning levels to time and test before fine-tuning (default: 0.25,0.5,0.75 "
                    + "for --structured, 0.5,0.7,0.8,0.9,0.95 for --sparsity); the level asked for and 0, the model as it is, are added.")
    double[] sweep;

    @Option(names = "--no-sweep", description = "Skip the sweep.")
    boolean noSweep;

    @Mixin
    Tuning.Options tuning;

    @Override
    public Integer call() throws IOException {
        tuning.check(sparsity != null ? DEFAULT_EPOCHS_SPARSE : DEFAULT_EPOCHS_STRUCTURED, DEFAULT_LR, 0);
        double level = level();
        StructuredPruning.Criterion rank = rank();
        MagnitudePruning.Scope magnitudeScope = magnitudeScope();
        if (!schedule.equals("polynomial") && !schedule.equals("constant")) {
            throw new UsageError("unknown --schedule '" + schedule + "': expected polynomial or constant");
        }
        if (!(ramp > 0 && ramp <= 1)) {
            throw new UsageError("--ramp must be in (0, 1], got " + ramp);
        }
        if (every < 1) {
            throw new UsageError("--every must be >= 1, got " + every);
        }
        double[] levels = levels(level);
        Tuning.checkOut(out, modelFile);
        TrainedModel trained = TrainedModel.load(modelFile);
        DataSource source = DataSource.resolve(tuning.data, tuning.seed);
        Dataset train = trained.prepare(tuning.train(source));
        Dataset test = trained.prepare(tuning.test(source));
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter progress = tuning.json ? spec.commandLine().getErr() : stdout;
        TrainCommand.describeData(source, progress);
        progress.println("model: " + modelFile + " (" + Tuning.widths(trained.model()) + ", trained on " + trained.data() + ")");

        Sequential original = trained.model();
        InferencePlan originalPlan = original.compile();
        double originalAccuracy = Tuning.accuracy(original, test);

        List<SweepPoint> points = new ArrayList<>();
        if (levels.length > 0) {
            progress.printf(Locale.ROOT, "sweep: one-shot pruning at %s, no fine-tuning, timing each plan for %.1f s...%n",
                    Arrays.toString(levels), tuning.seconds);
            progress.flush();
            points = structured != null ? structuredSweep(trained, levels, rank, test)
                    : sparseSweep(trained, levels, magnitudeScope, test);
        }

        // the pruned model, fine-tuned
        progress.println("pruning and fine-tuning: " + tuning.describe() + ", " + train.size() + " training examples");
        progress.flush();
        Sequential pruned;
        String how;
        List<Map<String, Object>> layerChanges = new ArrayList<>();
        if (structured != null) {
            StructuredPruning.Result r = StructuredPruning.prune(TrainedModel.load(modelFile).model(), level, rank);
            pruned = r.model();
            for (StructuredPruning.LayerChange c : r.changes()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("layer", c.layer());
                m.put("kind", c.kind());
                m.put("before", c.before());
                m.put("after", c.after());
                layerChanges.add(m);
            }
            how = String.format(Locale.ROOT, "structured: %.0f%% of the units of each hidden layer removed, ranked by %s",
                    100 * level, criterion);
            Tuning.fit(pruned, new SparseCategoricalCrossEntropy(), train, null, tuning, progress, List.of());
        } else {
            pruned = TrainedModel.load(modelFile).model();
            int stepsPerEpoch = (train.size() + tuning.batchSize - 1) / tuning.batchSize;
            long steps = (long) stepsPerEpoch * tuning.epochs;
            SparsitySchedule s = schedule.equals("constant") || steps == 0 ? SparsitySchedule.constant(level)
                    : SparsitySchedule.polynomial(0, level, 0, Math.max(1, Math.round(ramp * steps)), 3);
            MagnitudePruning pruning = MagnitudePruning.builder(pruned).schedule(s).scope(magnitudeScope).every(every).build();
            List<Callback> callbacks = List.of(pruning);
            Tuning.fit(pruned, new SparseCategoricalCrossEntropy(), train, null, tuning, progress, callbacks);
            pruning.pruneTo(level);  // the schedule's end, also when there was no fine-tuning
            for (MagnitudePruning.LayerSparsity l : pruning.layers()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("layer", l.layer());
                m.put("kind", l.kind());
                m.put("weights", l.weights());
                m.put("pruned", l.pruned());
                layerChanges.add(m);
            }
            how = String.format(Locale.ROOT, "unstructured: %.0f%% of the weights zeroed by magnitude (%s), %s", 100 * level,
                    magnitudeScope == MagnitudePruning.Scope.GLOBAL ? "one threshold over all layers" : "each layer alike",
                    s);
        }
        InferencePlan prunedPlan = pruned.compile();
        double prunedAccuracy = Tuning.accuracy(pruned, test);
        double[] p50 = Tuning.latencies(List.of(originalPlan, prunedPlan), test, tuning.seconds);
        new TrainedModel(pruned, trained.normalization(), trained.classNames(), trained.data()).save(out);

        Report report = new Report(how, original, pruned, originalAccuracy, prunedAccuracy, p50[0], p50[1], points,
                layerChanges, prunedPlan.describe(), test.size());
        if (tuning.plot != null) {
            plot(report);
        }
        if (tuning.json) {
            Map<String, Object> m = report.toJson();
            m.put("model", modelFile.toString());
            m.put("out", out.toString());
            m.put("data", source.description());
            m.put("sample", source.sample());
            m.put("fine_tuning", tuning.describe());
            m.put("plot", tuning.plot == null ? null : tuning.plot.toString());
            m.put("machine", InferenceBench.machine());
            stdout.println(Json.write(m));
        } else {
            stdout.print(report.text());
            stdout.println(InferenceBench.machineLine());
            if (tuning.plot != null) {
                stdout.println("plot: " + tuning.plot);
            }
            stdout.println("wrote " + out);
        }
        stdout.flush();
        return 0;
    }

    private double level() {
        if ((structured == null) == (sparsity == null)) {
            throw new UsageError("give exactly one of --structured F (remove whole units) and --sparsity S (zero weights)");
        }
        double v = structured != null ? structured : sparsity;
        String option = structured != null ? "--structured" : "--sparsity";
        if (!(v > 0 && v < 1)) {
            throw new UsageError(option + " must be in (0, 1), got " + v);
        }
        return v;
    }

    private StructuredPruning.Criterion rank() {
        return switch (criterion.strip().toLowerCase(Locale.ROOT)) {
            case "weight-norm" -> StructuredPruning.Criterion.WEIGHT_NORM;
            case "bn-scale" -> StructuredPruning.Criterion.BATCHNORM_SCALE;
            default -> throw new UsageError("unknown --criterion '" + criterion + "': expected weight-norm or bn-scale");
        };
    }

    private MagnitudePruning.Scope magnitudeScope() {
        return switch (scope.strip().toLowerCase(Locale.ROOT)) {
            case "global" -> MagnitudePruning.Scope.GLOBAL;
            case "layer" -> MagnitudePruning.Scope.PER_LAYER;
            default -> throw new UsageError("unknown --scope '" + scope + "': expected global or layer");
        };
    }

    /** The sweep's levels, ascending, with the level asked for; none for --no-sweep. */
    private double[] levels(double level) {
        if (noSweep) {
            if (sweep != null) {
                throw new UsageError("--no-sweep and --sweep contradict each other; give one");
            }
            return new double[0];
        }
        double[] given = sweep != null ? sweep : structured != null ? STRUCTURED_SWEEP : SPARSE_SWEEP;
        for (double v : given) {
            if (!(v >= 0 && v < 1)) {
                throw new UsageError("--sweep levels must be in [0, 1), got " + v);
            }
        }
        double[] all = Arrays.copyOf(given, given.length + 2);
        all[given.length] = level;
        all[given.length + 1] = 0;  // the model as it is, timed in the same run as the pruned ones
        return Arrays.stream(all).sorted().distinct().toArray();
    }

    /**
     * One level of the sweep: one-shot pruned accuracy, and batch-1 p50 of the plan as compiled; for
     * sparsity also with the sparse kernel forced and refused, and which of the two the plan chose.
     */
    record SweepPoint(double level, String widths, long parameters, double accuracy, double p50Micros,
                      double denseKernelMicros, double sparseKernelMicros, int sparseSteps) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("level", level);
            m.put("widths", widths);
            m.put("parameters", parameters);
            m.put("accuracy", InferenceBench.round(accuracy, 4));
            m.put("p50_us", InferenceBench.round(p50Micros, 2));
            if (!Double.isNaN(denseKernelMicros)) {
                m.put("dense_kernel_p50_us", InferenceBench.round(denseKernelMicros, 2));
                m.put("sparse_kernel_p50_us", InferenceBench.round(sparseKernelMicros, 2));
                m.put("sparse_steps", sparseSteps);
            }
            return m;
        }
    }

    private List<SweepPoint> structuredSweep(TrainedModel trained, double[] levels, StructuredPruning.Criterion rank,
                                             Dataset test) {
        List<SweepPoint> points = new ArrayList<>();
        List<InferencePlan> plans = new ArrayList<>();
        List<Sequential> models = new ArrayList<>();
        for (double level : levels) {
            Sequential m = level == 0 ? trained.model() : StructuredPruning.prune(trained.model(), level, rank).model();
            models.add(m);
            plans.add(m.compile());
        }
        double[] p50 = Tuning.latencies(plans, test, tuning.seconds);
        for (int i = 0; i < levels.length; i++) {
            Sequential m = models.get(i);
            points.add(new SweepPoint(levels[i], Tuning.widths(m), m.parameterCount(), Tuning.accuracy(m, test), p50[i],
                    Double.NaN, Double.NaN, 0));
        }
        return points;
    }

    private List<SweepPoint> sparseSweep(TrainedModel trained, double[] levels, MagnitudePruning.Scope scope,
                                         Dataset test) throws IOException {
        // one copy pruned further at each level: with pruned weights at zero, pruning to a higher level
        // selects the same weights as pruning the original to it
        Sequential m = TrainedModel.load(modelFile).model();
        MagnitudePruning pruning = MagnitudePruning.builder(m).schedule(SparsitySchedule.constant(levels[levels.length - 1]))
                .scope(scope).build();
        List<SweepPoint> points = new ArrayList<>();
        for (double level : levels) {
            if (level > 0) {
                pruning.pruneTo(level);
            }
            InferencePlan auto = m.compile();
            InferencePlan dense = m.compile(PlanOptions.DEFAULT.withSparse(PlanOptions.Sparse.NEVER));
            InferencePlan sparse = m.compile(PlanOptions.DEFAULT.withSparse(PlanOptions.Sparse.ALWAYS));
            double[] p50 = Tuning.latencies(List.of(auto, dense, sparse), test, tuning.seconds);
            int sparseSteps = (int) auto.describe().lines().filter(l -> l.contains("sparse")).count();
            points.add(new SweepPoint(level, Tuning.widths(m), m.parameterCount(), Tuning.accuracy(m, test), p50[0],
                    p50[1], p50[2], sparseSteps));
        }
        return points;
    }

    /** The lowest swept sparsity from which the sparse kernel was faster at every higher level; NaN when never. */
    static double crossover(List<SweepPoint> points) {
        double from = Double.NaN;
        for (int i = points.size() - 1; i >= 0; i--) {
            SweepPoint p = points.get(i);
            if (!(p.sparseKernelMicros() < p.denseKernelMicros())) {
                break;
            }
            from = p.level();
        }
        return from;
    }

    record Report(String how, Sequential before, Sequential after, double accuracyBefore, double accuracyAfter,
                  double p50Before, double p50After, List<SweepPoint> sweep, List<Map<String, Object>> layers,
                  String plan, int testExamples) {
        String text() {
            StringBuilder b = new StringBuilder();
            b.append(how).append('\n');
            long[] wb = Tuning.weightsAndZeros(before);
            long[] wa = Tuning.weightsAndZeros(after);
            String f = "%-22s %18s %18s  %s%n";
            b.append(String.format(Locale.ROOT, f, "", "before", "after", ""));
            b.append(String.format(Locale.ROOT, f, "widths", Tuning.widths(before), Tuning.widths(after), ""));
            b.append(String.format(Locale.ROOT, f, "parameters", String.format(Locale.ROOT, "%,d", before.parameterCount()),
                    String.format(Locale.ROOT, "%,d", after.parameterCount()),
                    Tuning.ratio(after.parameterCount(), before.parameterCount())));
            b.append(String.format(Locale.ROOT, f, "nonzero weights", String.format(Locale.ROOT, "%,d", wb[0] - wb[1]),
                    String.format(Locale.ROOT, "%,d", wa[0] - wa[1]), Tuning.ratio(wa[0] - wa[1], wb[0] - wb[1])));
            b.append(String.format(Locale.ROOT, f, "test accuracy", pct(accuracyBefore), pct(accuracyAfter),
                    String.format(Locale.ROOT, "%+.2f points on %,d examples", 100 * (accuracyAfter - accuracyBefore),
                            testExamples)));
            b.append(String.format(Locale.ROOT, f, "batch-1 latency p50", us(p50Before), us(p50After),
                    Tuning.ratio(p50After, p50Before)));
            b.append("pruned plan:\n").append(plan.indent(2));
            if (!sweep.isEmpty()) {
                boolean sparse = !Double.isNaN(sweep.getFirst().denseKernelMicros());
                b.append("sweep (one-shot, before fine-tuning):\n");
                if (sparse) {
                    b.append(String.format(Locale.ROOT, "  %8s %9s %12s %12s %13s %12s  %s%n", "sparsity", "accuracy",
                            "plan p50", "dense kernel", "sparse kernel", "sparse/dense", "plan uses"));
                    for (SweepPoint p : sweep) {
                        b.append(String.format(Locale.ROOT, "  %7.0f%% %9s %12s %12s %13s %12s  %s%n", 100 * p.level(),
                                pct(p.accuracy()), us(p.p50Micros()), us(p.denseKernelMicros()), us(p.sparseKernelMicros()),
                                Tuning.ratio(p.sparseKernelMicros(), p.denseKernelMicros()),
                                p.sparseSteps() == 0 ? "dense" : p.sparseSteps() + " sparse step" + (p.sparseSteps() == 1 ? "" : "s")));
                    }
                    double c = crossover(sweep);
                    b.append(Double.isNaN(c) ? "  crossover: the sparse kernel was not faster at the highest swept sparsity\n"
                            : String.format(Locale.ROOT, "  crossover: the sparse kernel was faster from %.0f%% sparsity on%n",
                            100 * c));
                } else {
                    b.append(String.format(Locale.ROOT, "  %8s %-18s %12s %9s %12s%n", "removed", "widths", "parameters",
                            "accuracy", "plan p50"));
                    for (SweepPoint p : sweep) {
                        b.append(String.format(Locale.ROOT, "  %7.0f%% %-18s %,12d %9s %12s%n", 100 * p.level(), p.widths(),
                                p.parameters(), pct(p.accuracy()), us(p.p50Micros())));
                    }
                }
            }
            return b.toString();
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pruning", how);
            m.put("layers", layers);
            long[] wb = Tuning.weightsAndZeros(before);
            long[] wa = Tuning.weightsAndZeros(after);
            m.put("widths_before", Tuning.widths(before));
            m.put("widths_after", Tuning.widths(after));
            m.put("parameters_before", before.parameterCount());
            m.put("parameters_after", after.parameterCount());
            m.put("nonzero_weights_before", wb[0] - wb[1]);
            m.put("nonzero_weights_after", wa[0] - wa[1]);
            m.put("test_examples", testExamples);
            m.put("accuracy_before", InferenceBench.round(accuracyBefore, 4));
            m.put("accuracy_after", InferenceBench.round(accuracyAfter, 4));
            m.put("p50_us_before", InferenceBench.round(p50Before, 2));
            m.put("p50_us_after", InferenceBench.round(p50After, 2));
            m.put("latency_ratio", InferenceBench.round(p50After / p50Before, 3));
            m.put("plan", plan.lines().toList());
            m.put("sweep", sweep.stream().map(SweepPoint::toJson).toList());
            if (!sweep.isEmpty() && !Double.isNaN(sweep.getFirst().denseKernelMicros())) {
                double c = crossover(sweep);
                m.put("crossover_sparsity", Double.isNaN(c) ? null : c);
            }
            return m;
        }
    }

    /** Accuracy against batch-1 latency: the sweep's points labelled by level, and the model before and after fine-tuning. */
    private void plot(Report r) throws IOException {
        List<Plot.Series> series = new ArrayList<>();
        if (!r.sweep().isEmpty()) {
            double[] x = r.sweep().stream().mapToDouble(SweepPoint::p50Micros).toArray();
            double[] y = r.sweep().stream().mapToDouble(p -> 100 * p.accuracy()).toArray();
            String[] labels = r.sweep().stream().map(p -> String.format(Locale.ROOT, "%.0f%%", 100 * p.level()))
                    .toArray(String[]::new);
            series.add(Plot.Series.points("one-shot, no fine-tuning", x, y, labels));
        }
        series.add(Plot.Series.points("original", new double[] {r.p50Before()}, new double[] {100 * r.accuracyBefore()},
                null));
        series.add(Plot.Series.points("pruned, fine-tuned", new double[] {r.p50After()},
                new double[] {100 * r.accuracyAfter()}, null));
        Plot.xy(tuning.plot, structured != null ? "Structured pruning: accuracy against latency"
                : "Unstructured pruning: accuracy against latency", "batch-1 latency p50 (us)", "test accuracy (%)", series);
    }

    static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    static String us(double v) {
        return String.format(Locale.ROOT, "%.1f us", v);
    }
}
