package dev.isthmus.cli;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.distill.DistillationLoss;
import dev.isthmus.nn.infer.InferencePlan;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.search.SizeSearch;
import dev.isthmus.nn.train.History;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
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

/** {@code isthmus distill}: a small student trained from a saved teacher's softened outputs, against the same student trained alone. */
@Command(name = "distill", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a small mlp student from a saved teacher by knowledge distillation, and the same student "
                + "alone for comparison.",
                "The distilled student minimizes softWeight * T^2 * KL(teacher || student at temperature T) + "
                        + "(1 - softWeight) * cross-entropy with the labels; the student alone minimizes the cross-entropy. "
                        + "Both start from the same weights (same seed) and train the same epochs on the same batches. "
                        + "The report compares test accuracy, parameters and batch-1 latency of teacher and students."})
final class DistillCommand implements Callable<Integer> {
    static final int DEFAULT_EPOCHS = 5;
    static final double DEFAULT_LR = 1e-3;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TEACHER", description = "The teacher: a model file written by isthmus train or demo.")
    Path teacherFile;

    @Option(names = "--student", required = true, paramLabel = "WIDTHS",
            description = "The student's hidden widths: 64, or 128x64 for two layers (ReLU after each).")
    String student;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the distilled student.")
    Path out;

    @Option(names = "--temperature", defaultValue = "2", paramLabel = "T",
            description = "Softens both models' outputs, softmax(logits / T) (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--soft-weight", defaultValue = "0.9", paramLabel = "ALPHA",
            description = "Weight of the teacher's soft targets against the labels, in [0, 1] (default: ${DEFAULT-VALUE}).")
    double softWeight;

    @Option(names = "--no-baseline", description = "Skip training the student alone.")
    boolean noBaseline;

    @Mixin
    Tuning.Options tuning;

    @Override
    public Integer call() throws IOException {
        tuning.check(DEFAULT_EPOCHS, DEFAULT_LR, 1);
        int[] hidden = Tuning.parseHidden("--student", student);
        if (!(temperature > 0 && temperature <= 1000)) {
            throw new UsageError("--temperature must be > 0 and at most 1000, got " + temperature);
        }
        if (!(softWeight >= 0 && softWeight <= 1)) {
            throw new UsageError("--soft-weight must be in [0, 1], got " + softWeight);
        }
        Tuning.checkOut(out, teacherFile);
        TrainedModel teacher = TrainedModel.load(teacherFile);
        DataSource source = DataSource.resolve(tuning.data, tuning.seed);
        Dataset train = teacher.prepare(tuning.train(source));
        Dataset test = teacher.prepare(tuning.test(source));
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter progress = tuning.json ? spec.commandLine().getErr() : stdout;
        TrainCommand.describeData(source, progress);

        Sequential teacherModel = teacher.model();
        InferencePlan teacherPlan = teacherModel.compile();
        double teacherAccuracy = Tuning.accuracy(teacherModel, test);
        Sequential distilled = SizeSearch.mlp(train, hidden, tuning.seed);
        progress.printf(Locale.ROOT, "teacher: %s, %,d parameters, test accuracy %s%n", Tuning.widths(teacherModel),
                teacherModel.parameterCount(), PruneCommand.pct(teacherAccuracy));
        progress.printf(Locale.ROOT, "student: %s, %,d parameters (%s of the teacher's); %s, %,d training examples%n",
                Tuning.widths(distilled), distilled.parameterCount(),
                Tuning.ratio(distilled.parameterCount(), teacherModel.parameterCount()), tuning.describe(), train.size());

        progress.printf(Locale.ROOT, "distilling: temperature %s, soft weight %s%n", temperature, softWeight);
        progress.flush();
        DistillationLoss loss = new DistillationLoss(teacherPlan, temperature, softWeight);
        History distilledHistory = Tuning.fit(distilled, loss, train, test, tuning, progress, List.of());
        double distilledAccuracy = Tuning.accuracy(distilled, test);

        Sequential alone = null;
        History aloneHistory = null;
        double aloneAccuracy = Double.NaN;
        if (!noBaseline) {
            progress.println("the same student alone (labels only, same seed, epochs and batches):");
            progress.flush();
            alone = SizeSearch.mlp(train, hidden, tuning.seed);
            aloneHistory = Tuning.fit(alone, new SparseCategoricalCrossEntropy(), train, test, tuning, progress, List.of());
            aloneAccuracy = Tuning.accuracy(alone, test);
        }
        double[] p50 = Tuning.latencies(List.of(teacherPlan, distilled.compile()), test, tuning.seconds);
        new TrainedModel(distilled, teacher.normalization(), teacher.classNames(), teacher.data()).save(out);

        if (tuning.plot != null) {
            plot(distilledHistory, aloneHistory, teacherAccuracy);
        }
        if (tuning.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("teacher", teacherFile.toString());
            m.put("out", out.toString());
            m.put("data", source.description());
            m.put("sample", source.sample());
            m.put("training", tuning.describe());
            m.put("temperature", temperature);
            m.put("soft_weight", softWeight);
            m.put("test_examples", test.size());
            m.put("teacher_widths", Tuning.widths(teacherModel));
            m.put("teacher_parameters", teacherModel.parameterCount());
            m.put("teacher_accuracy", InferenceBench.round(teacherAccuracy, 4));
            m.put("teacher_p50_us", InferenceBench.round(p50[0], 2));
            m.put("student_widths", Tuning.widths(distilled));
            m.put("student_parameters", distilled.parameterCount());
            m.put("parameter_ratio", InferenceBench.round((double) distilled.parameterCount() / teacherModel.parameterCount(), 4));
            m.put("distilled_accuracy", InferenceBench.round(distilledAccuracy, 4));
            m.put("alone_accuracy", noBaseline ? null : InferenceBench.round(aloneAccuracy, 4));
            m.put("gap_closed", noBaseline ? null : InferenceBench.round(gapClosed(teacherAccuracy, aloneAccuracy,
                    distilledAccuracy), 4));
            m.put("student_p50_us", InferenceBench.round(p50[1], 2));
            m.put("latency_ratio", InferenceBench.round(p50[1] / p50[0], 3));
            m.put("distilled_test_accuracy_per_epoch", Arrays.stream(distilledHistory.metric("val_accuracy")).boxed().toList());
            if (aloneHistory != null) {
                m.put("alone_test_accuracy_per_epoch", Arrays.stream(aloneHistory.metric("val_accuracy")).boxed().toList());
            }
            m.put("plot", tuning.plot == null ? null : tuning.plot.toString());
            m.put("machine", InferenceBench.machine());
            stdout.println(Json.write(m));
        } else {
            String f = "%-18s %-16s %12s %10s %14s%n";
            stdout.printf(Locale.ROOT, f, "", "widths", "parameters", "accuracy", "batch-1 p50");
            stdout.printf(Locale.ROOT, f, "teacher", Tuning.widths(teacherModel),
                    String.format(Locale.ROOT, "%,d", teacherModel.parameterCount()), PruneCommand.pct(teacherAccuracy),
                    PruneCommand.us(p50[0]));
            if (!noBaseline) {
                stdout.printf(Locale.ROOT, f, "student alone", Tuning.widths(alone),
                        String.format(Locale.ROOT, "%,d", alone.parameterCount()), PruneCommand.pct(aloneAccuracy), "");
            }
            stdout.printf(Locale.ROOT, f, "student distilled", Tuning.widths(distilled),
                    String.format(Locale.ROOT, "%,d", distilled.parameterCount()), PruneCommand.pct(distilledAccuracy),
                    PruneCommand.us(p50[1]));
            if (!noBaseline) {
                stdout.printf(Locale.ROOT, "distillation: %+.2f points over the student alone; it closed %.0f%% of the "
                                + "gap to the teacher (%s of its parameters, %s of its batch-1 latency)%n",
                        100 * (distilledAccuracy - aloneAccuracy),
                        100 * gapClosed(teacherAccuracy, aloneAccuracy, distilledAccuracy),
                        Tuning.ratio(distilled.parameterCount(), teacherModel.parameterCount()), Tuning.ratio(p50[1], p50[0]));
            }
            stdout.println(InferenceBench.machineLine());
            if (tuning.plot != null) {
                stdout.println("plot: " + tuning.plot);
            }
            stdout.println("wrote " + out);
        }
        stdout.flush();
        return 0;
    }

    /** The share of the teacher's lead over the student alone that distillation recovered (negative: it lost ground). */
    static double gapClosed(double teacher, double alone, double distilled) {
        return teacher == alone ? Double.NaN : (distilled - alone) / (teacher - alone);
    }

    /** Test accuracy per epoch of both students, with the teacher's as a flat line. */
    private void plot(History distilled, History alone, double teacherAccuracy) throws IOException {
        LinkedHashMap<String, double[]> series = new LinkedHashMap<>();
        double[] d = distilled.metric("val_accuracy");
        series.put("distilled student", percent(d));
        if (alone != null) {
            series.put("student alone", percent(alone.metric("val_accuracy")));
        }
        double[] t = new double[d.length];
        Arrays.fill(t, 100 * teacherAccuracy);
        series.put("teacher", t);
        Plot.lines(tuning.plot, "Distillation: test accuracy per epoch", "epoch", "test accuracy (%)", series);
    }

    private static double[] percent(double[] v) {
        double[] p = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            p[i] = 100 * v[i];
        }
        return p;
    }
}
