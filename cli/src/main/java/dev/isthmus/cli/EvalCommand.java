package dev.isthmus.cli;

import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.metrics.Evaluation;
import dev.isthmus.nn.metrics.EvaluationReport;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code isthmus eval}: a saved model's accuracy, per-class scores and confusion matrix on a test set. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a saved model: accuracy, per-class scores, confusion matrix.",
                "With the input normalization it was trained with: loss, accuracy, precision/recall/F1 per class "
                        + "and averaged, and the confusion matrix."})
final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model file written by isthmus train.")
    Path modelFile;

    @Option(names = "--data", paramLabel = "fashion-mnist|DIR|FILE.csv",
            description = "The data whose test set to use (default: $" + DataSource.ENV + ", else fashion-mnist).")
    String data;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of a CSV file's train/test split; use train's (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Use only the first N test examples.")
    int limit;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (limit < 0) {
            throw new UsageError("--limit must be >= 0, got " + limit);
        }
        TrainedModel trained = TrainedModel.load(modelFile);
        DataSource source = DataSource.resolve(data, seed);
        Dataset test = source.test();
        if (limit > 0 && limit < test.size()) {
            test = test.subset(Training.firstIndices(limit));
        }
        test = trained.prepare(test);
        EvaluationReport report = Evaluation.evaluate(trained.model(), test, new SparseCategoricalCrossEntropy(),
                Training.EVALUATION_BATCH, trained.classNames().toArray(String[]::new));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(toJson(report, source, modelFile)));
        } else {
            TrainCommand.describeData(source, out);
            out.println("model: " + modelFile + " (trained on " + trained.data() + ")");
            out.println();
            out.print(report.format());
        }
        out.flush();
        return 0;
    }

    /** The report with the flat keys scripts look for first: accuracy, loss, macro_f1, per_class, confusion. */
    static Map<String, Object> toJson(EvaluationReport report, DataSource source, Path model) {
        Map<String, Object> full = report.toMap();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model.toString());
        m.put("data", source.description());
        m.put("sample", source.sample());
        m.put("accuracy", report.accuracy());
        m.put("loss", report.loss());
        m.put("samples", report.samples());
        m.put("macro_f1", report.macro().f1());
        m.put("micro_f1", report.micro().f1());
        m.put("macro", full.get("macro"));
        m.put("micro", full.get("micro"));
        m.put("per_class", full.get("classes"));
        m.put("confusion", full.get("confusion_matrix"));
        return m;
    }
}
