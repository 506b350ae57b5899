package dev.isthmus.cli;

import dev.isthmus.kernels.Parallel;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.infer.InferencePlan;
import dev.isthmus.nn.infer.QuantizeOptions;
import dev.isthmus.nn.train.History;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code isthmus demo}: trains the MLP on Fashion-MNIST and writes the model, a report and loss/accuracy plots. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train the mlp on Fashion-MNIST, evaluate it, bench it, report on it.",
                "Uses the bundled sample when Fashion-MNIST is not installed. Writes the model, report.txt (with a "
                        + "short inference benchmark: compiled plan against the model, and the int8 quantization's "
                        + "report), model.int8.plan (the model quantized to int8), loss.png and accuracy.png to DIR."})
final class DemoCommand implements Callable<Integer> {
    static final String MODEL_FILE = "model.safetensors";
    static final String INT8_PLAN_FILE = "model.int8.plan";
    /** A short bench of the trained model: about 4 s on a quiet machine. */
    static final InferenceBench.Config BENCH = new InferenceBench.Config(List.of(1, 64), List.of(1, 2), 0.3, 0.2);

    @Spec
    CommandSpec spec;

    @Option(names = "--data", paramLabel = "fashion-mnist|DIR|FILE.csv",
            description = "The data (default: $" + DataSource.ENV + ", else fashion-mnist, else the bundled sample).")
    String data;

    @Option(names = "--epochs", defaultValue = "3", description = "Passes over the training set (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--out", defaultValue = "isthmus-demo", paramLabel = "DIR", description = "Where to write the results (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print one JSON object at the end; progress goes to standard error.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Training.Config config = Training.Config.defaults("mlp", epochs);
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter progress = json ? spec.commandLine().getErr() : stdout;
        DataSource source = DataSource.resolve(data, config.seed());
        TrainCommand.describeData(source, progress);
        StringBuilder header = new StringBuilder();
        Training.Result r = Training.run(config, source, progress, Progress.terminal(), text -> {
            header.append(text);
            progress.print(text);
        });
        Files.createDirectories(out);
        Path model = out.resolve(MODEL_FILE);
        r.trained().save(model);
        progress.println("measuring inference speed: compiled plan and model, batch 1 and 64, 1 and 2 callers...");
        progress.flush();
        InferenceBench.Samples samples = benchSamples(source, r.trained());
        InferencePlan fp32 = r.trained().model().compile();
        InferenceBench.Result bench = InferenceBench.run(r.trained().model(), fp32, samples, BENCH, row -> {});
        progress.println("quantizing to int8 and comparing the int8 plan with the fp32 one...");
        progress.flush();
        QuantizationRun int8 = QuantizationRun.run(r.trained(), fp32, source.train(), source.test(),
                QuantizeOptions.DEFAULT, Math.min(QuantizeCommand.DEFAULT_CALIBRATION_SAMPLES, source.train().size()),
                out.resolve(INT8_PLAN_FILE), BENCH.seconds());
        Path report = out.resolve("report.txt");
        Files.writeString(report, report(source, header.toString(), r, model, samples, bench, int8));
        History h = r.history();
        Path loss = out.resolve("loss.png");
        Path accuracy = out.resolve("accuracy.png");
        Plot.lines(loss, "Loss per epoch", "epoch", "cross-entropy", series(h, "loss"));
        Plot.lines(accuracy, "Accuracy per epoch", "epoch", "accuracy", series(h, "accuracy"));
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("data", source.description());
            m.put("sample", source.sample());
            m.put("history", r.epochs());
            m.put("test_accuracy", r.test().accuracy());
            m.put("test_loss", r.test().loss());
            m.put("images_per_second", r.imagesPerSecond());
            m.put("seconds", r.seconds());
            m.put("model_path", model.toString());
            m.put("inference", bench.rows().stream().map(InferenceBench.Measurement::toJson).toList());
            m.put("quantization", int8.toJson());
            m.put("report", report.toString());
            m.put("plots", List.of(loss.toString(), accuracy.toString()));
            stdout.println(Json.write(m));
        } else {
            stdout.printf(Locale.ROOT, "wrote %s, %s, %s, %s and %s%n", model, int8.file(), report, loss, accuracy);
            stdout.printf(Locale.ROOT, "%.1f s, %,.0f images/s, %d threads%n", r.seconds(), r.imagesPerSecond(),
                    Parallel.threads());
            stdout.println(benchSummary(bench));
            stdout.println(int8.summary());
            stdout.printf(Locale.ROOT, "test accuracy: %.4f%n", r.test().accuracy());
        }
        stdout.flush();
        return 0;
    }

    /** Training and validation values of one metric, as the plot's series. */
    private static LinkedHashMap<String, double[]> series(History h, String metric) {
        LinkedHashMap<String, double[]> s = new LinkedHashMap<>();
        s.put("training", h.metric(metric));
        if (h.names().contains("val_" + metric)) {
            s.put("validation", h.metric("val_" + metric));
        }
        return s;
    }

    /** The first test images, normalized as the model was trained: real inputs for the bench. */
    private static InferenceBench.Samples benchSamples(DataSource source, TrainedModel trained) {
        Dataset test = source.test();
        test = test.subset(Training.firstIndices(Math.min(256, test.size())));
        return InferenceBench.Samples.of(trained.prepare(test), test.size(), "test images, normalized as in training");
    }

    /** One line: the plan's batch-1 latency and tail with 2 callers, its batch-64 throughput, each against the model. */
    static String benchSummary(InferenceBench.Result bench) {
        List<InferenceBench.Measurement> rows = bench.rows();
        var plan1 = InferenceBench.find(rows, InferenceBench.Impl.PLAN, 1, 1).orElseThrow();
        var model1 = InferenceBench.find(rows, InferenceBench.Impl.MODEL, 1, 1).orElseThrow();
        var plan2 = InferenceBench.find(rows, InferenceBench.Impl.PLAN, 2, 1).orElseThrow();
        var plan64 = InferenceBench.find(rows, InferenceBench.Impl.PLAN, 1, 64).orElseThrow();
        String line = String.format(Locale.ROOT, "inference (compiled plan): batch 1 p50 %.1f us (model %.1f us), "
                        + "p99/p50 %.2f with 2 callers; batch 64 %,.0f images/s, %.1fx the model", plan1.p50Micros(),
                model1.p50Micros(), plan2.tailRatio(), plan64.imagesPerSecond(), plan64.planVsModel());
        return bench.contention().isEmpty() ? line
                : line + String.format(Locale.ROOT, " (other processes used %.1f cores meanwhile)", bench.otherCores());
    }

    private static String report(DataSource source, String header, Training.Result r, Path model,
                                 InferenceBench.Samples samples, InferenceBench.Result bench, QuantizationRun int8) {
        StringWriter text = new StringWriter();
        PrintWriter w = new PrintWriter(text);
        w.println("Isthmus demo: the mlp preset on Fashion-MNIST");
        w.println();
        TrainCommand.describeData(source, w);
        w.println();
        w.print(header);
        w.println();
        w.println("history:");
        w.print(r.history().format());
        w.println();
        w.printf(Locale.ROOT, "throughput: %,.0f images/s in training steps on %d threads; %.1f s in all%n",
                r.imagesPerSecond(), Parallel.threads(), r.seconds());
        w.println();
        w.println("test set evaluation:");
        w.print(r.test().format());
        w.println();
        w.printf(Locale.ROOT, "inference speed: compiled plan against the model, %.1f s per row (isthmus bench %s "
                + "measures longer and at batch 1024 too)%n", BENCH.seconds(), model);
        w.println("inputs: " + samples.description());
        w.println(InferenceBench.machineLine());
        w.print(InferenceBench.table(bench.rows()));
        for (String note : InferenceBench.notes(bench.rows())) {
            w.println("note: " + note);
        }
        bench.contention().ifPresent(note -> w.println("note: " + note));
        w.println();
        w.printf(Locale.ROOT, "int8 quantization of the compiled plan, compared with fp32 on the test set (isthmus "
                + "quantize %s --out FILE does this with more options):%n", model);
        w.print(int8.text());
        w.flush();
        return text.toString();
    }
}
