package dev.isthmus.cli;

import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.data.Normalization;
import dev.isthmus.nn.search.SizeSearch;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code isthmus search-sizes}: mlps of several hidden widths trained briefly, side by side, with their Pareto front. */
@Command(name = "search-sizes", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train an mlp for each list of hidden widths and report test accuracy, parameters and batch-1 "
                + "latency side by side.",
                "Each candidate trains the same epochs from the same seed on standardized inputs; latency is the "
                        + "median of timed batch-1 calls of its compiled plan on one thread. A candidate is on the Pareto "
                        + "front when no other is at least as accurate and at least as fast (and better in one)."})
final class SearchSizesCommand implements Callable<Integer> {
    static final int DEFAULT_EPOCHS = 2;
    static final double DEFAULT_LR = 1e-3;
    static final String DEFAULT_HIDDEN = "32,64,128,256,512,256x128";

    @Spec
    CommandSpec spec;

    @Option(names = "--hidden", defaultValue = DEFAULT_HIDDEN, split = ",", paramLabel = "WIDTHS",
            description = "Candidates, comma-separated; each is one hidden width (64), several joined by x (256x128), or "
                    + "none (default: ${DEFAULT-VALUE}).")
    List<String> hidden;

    @Option(names = "--latency-calls", defaultValue = "2000", paramLabel = "N",
            description = "Timed batch-1 calls per candidate, after as many warm-up calls (default: ${DEFAULT-VALUE}).")
    int latencyCalls;

    @Mixin
    Tuning.Options tuning;

    @Override
    public Integer call() throws IOException {
        tuning.check(DEFAULT_EPOCHS, DEFAULT_LR, 1);
        if (latencyCalls < 1) {
            throw new UsageError("--latency-calls must be >= 1, got " + latencyCalls);
        }
        List<int[]> candidates = new ArrayList<>();
        for (String h : hidden) {
            candidates.add(Tuning.parseHidden("--hidden", h));
        }
        DataSource source = DataSource.resolve(tuning.data, tuning.seed);
        Dataset train = tuning.train(source);
        Normalization normalization = Normalization.standardize(train);
        train = normalization.apply(train);
        Dataset test = normalization.apply(tuning.test(source));
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter progress = tuning.json ? spec.commandLine().getErr() : stdout;
        TrainCommand.describeData(source, progress);
        progress.printf(Locale.ROOT, "searching %d sizes: %s, %,d training examples%n", candidates.size(),
                tuning.describe(), train.size());
        progress.flush();
        List<SizeSearch.Candidate> results = SizeSearch.builder(train, test).hidden(candidates).epochs(tuning.epochs)
                .batchSize(tuning.batchSize).learningRate(tuning.lr).seed(tuning.seed).threads(tuning.threads)
                .latencyCalls(latencyCalls).progress(line -> {
                    progress.println(line);
                    progress.flush();
                }).build().run();
        if (tuning.plot != null) {
            plot(results);
        }
        if (tuning.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("data", source.description());
            m.put("sample", source.sample());
            m.put("training", tuning.describe());
            m.put("test_examples", test.size());
            m.put("latency_calls", latencyCalls);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (SizeSearch.Candidate c : results) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("hidden", Tuning.hidden(c.hidden()));
                r.put("parameters", c.parameters());
                r.put("accuracy", InferenceBench.round(c.accuracy(), 4));
                r.put("p50_us", InferenceBench.round(c.latencyMicros(), 2));
                r.put("pareto", c.pareto());
                rows.add(r);
            }
            m.put("candidates", rows);
            m.put("plot", tuning.plot == null ? null : tuning.plot.toString());
            m.put("machine", InferenceBench.machine());
            stdout.println(Json.write(m));
        } else {
            stdout.print(SizeSearch.table(results));
            stdout.println(InferenceBench.machineLine());
            if (tuning.plot != null) {
                stdout.println("plot: " + tuning.plot);
            }
        }
        stdout.flush();
        return 0;
    }

    /** Accuracy against batch-1 latency, every candidate labelled by its widths, the Pareto front joined. */
    private void plot(List<SizeSearch.Candidate> results) throws IOException {
        double[] x = results.stream().mapToDouble(SizeSearch.Candidate::latencyMicros).toArray();
        double[] y = results.stream().mapToDouble(c -> 100 * c.accuracy()).toArray();
        String[] labels = results.stream().map(c -> Tuning.hidden(c.hidden())).toArray(String[]::new);
        List<SizeSearch.Candidate> front = results.stream().filter(SizeSearch.Candidate::pareto)
                .sorted((a, b) -> Double.compare(a.latencyMicros(), b.latencyMicros())).toList();
        Plot.xy(tuning.plot, "Hidden sizes: accuracy against latency", "batch-1 latency p50 (us)", "test accuracy (%)",
                List.of(Plot.Series.points("candidates", x, y, labels),
                        Plot.Series.line("Pareto front", front.stream().mapToDouble(SizeSearch.Candidate::latencyMicros).toArray(),
                                front.stream().mapToDouble(c -> 100 * c.accuracy()).toArray())));
    }
}
