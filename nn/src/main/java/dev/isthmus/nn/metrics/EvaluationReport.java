package dev.isthmus.nn.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How a classifier did on a dataset: the mean loss, the accuracy, precision, recall, F1 and
 * support per class, their macro and micro averages, and the confusion matrix. Build one with
 * {@link #of} (or get one from {@link Evaluation#evaluate}); print {@link #format()}, or write
 * {@link #toMap()} as JSON. Zero-denominator scores are 0, as {@link ConfusionMatrix} explains.
 *
 * @param loss      the mean loss over all examples (NaN when the model diverged)
 * @param accuracy  the fraction of examples predicted right
 * @param classes   the scores of each class, in class order
 * @param macro     the unweighted means of the per-class scores
 * @param micro     the scores of the pooled counts (each equal to the accuracy)
 * @param confusion the counts, rows the true classes, columns the predicted ones; copied in and out
 */
public record EvaluationReport(double loss, double accuracy, List<ClassScores> classes, Scores macro, Scores micro,
                               ConfusionMatrix confusion) {

    /** One class's scores and its support, the number of examples whose true class it is. */
    public record ClassScores(String name, double precision, double recall, double f1, long support) {}

    /** Precision, recall and F1 averaged over classes. */
    public record Scores(double precision, double recall, double f1) {}

    /** Checks that there is one score per class of the matrix, and copies the list and the matrix. */
    public EvaluationReport {
        if (classes == null || macro == null || micro == null || confusion == null) {
            throw new IllegalArgumentException(
                    "evaluation report: classes, averages and confusion matrix must not be null");
        }
        if (classes.size() != confusion.classes()) {
            throw new IllegalArgumentException("evaluation report: " + classes.size() + " class scores for a confusion"
                    + " matrix of " + confusion.classes() + " classes");
        }
        classes = List.copyOf(classes);
        confusion = confusion.copy();
    }

    /**
     * The report of this matrix and loss, with a name for each class ({@code classNames} null: the
     * class indices).
     *
     * @throws IllegalArgumentException when there is not one non-null name per class
     */
    public static EvaluationReport of(double loss, ConfusionMatrix confusion, String[] classNames) {
        if (confusion == null) {
            throw new IllegalArgumentException("evaluation report: confusion matrix is null");
        }
        int k = confusion.classes();
        List<String> names = names(classNames, k);
        List<ClassScores> scores = new ArrayList<>(k);
        for (int c = 0; c < k; c++) {
            scores.add(new ClassScores(names.get(c), confusion.precision(c), confusion.recall(c), confusion.f1(c),
                    confusion.support(c)));
        }
        return new EvaluationReport(loss, confusion.accuracy(), scores,
                new Scores(confusion.macroPrecision(), confusion.macroRecall(), confusion.macroF1()),
                new Scores(confusion.microPrecision(), confusion.microRecall(), confusion.microF1()), confusion);
    }

    /** The class names, or the indices when there are none, after checking there is one non-null name per class. */
    static List<String> names(String[] classNames, int classes) {
        if (classNames == null) {
            return ConfusionMatrix.indexNames(classes);
        }
        if (classNames.length != classes) {
            throw new IllegalArgumentException("evaluation report: " + classNames.length + " class names "
                    + Arrays.toString(classNames) + " for " + classes + " classes");
        }
        List<String> names = Arrays.asList(classNames.clone());
        if (names.contains(null)) {
            throw new IllegalArgumentException("evaluation report: class name " + names.indexOf(null) + " is null");
        }
        return names;
    }

    /** A copy of the confusion matrix. */
    @Override
    public ConfusionMatrix confusion() {
        return confusion.copy();
    }

    /** The number of examples evaluated. */
    public long samples() {
        return confusion.total();
    }

    /**
     * A text report: loss and accuracy, a table of precision, recall, F1 and support per class and
     * for the macro and micro averages, then the confusion matrix.
     */
    public String format() {
        int first = "micro avg".length();
        for (ClassScores c : classes) {
            first = Math.max(first, c.name().length());
        }
        String header = "%-" + first + "s %10s %10s %10s %10s%n";
        String row = "%-" + first + "s %10.4f %10.4f %10.4f %10d%n";
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "loss %.6f   accuracy %.4f   samples %d%n%n", loss, accuracy, samples()));
        b.append(String.format(Locale.ROOT, header, "class", "precision", "recall", "f1", "support"));
        for (ClassScores c : classes) {
            b.append(String.format(Locale.ROOT, row, c.name(), c.precision(), c.recall(), c.f1(), c.support()));
        }
        b.append('\n');
        long n = samples();
        b.append(String.format(Locale.ROOT, row, "macro avg", macro.precision(), macro.recall(), macro.f1(), n));
        b.append(String.format(Locale.ROOT, row, "micro avg", micro.precision(), micro.recall(), micro.f1(), n));
        b.append('\n');
        List<String> names = new ArrayList<>(classes.size());
        for (ClassScores c : classes) {
            names.add(c.name());
        }
        b.append(confusion.table(names));
        return b.toString();
    }

    /**
     * The report as nested maps and lists of strings and numbers, ready for a JSON writer: keys
     * {@code loss, accuracy, samples, classes} (a list of {@code name, precision, recall, f1, support}),
     * {@code macro, micro} ({@code precision, recall, f1}) and {@code confusion_matrix} (rows of
     * counts, true class first). A NaN loss stays a NaN Double, which JSON cannot spell: the writer
     * decides (null, or a string).
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss", loss);
        m.put("accuracy", accuracy);
        m.put("samples", samples());
        List<Map<String, Object>> perClass = new ArrayList<>(classes.size());
        for (ClassScores c : classes) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", c.name());
            s.put("precision", c.precision());
            s.put("recall", c.recall());
            s.put("f1", c.f1());
            s.put("support", c.support());
            perClass.add(s);
        }
        m.put("classes", perClass);
        m.put("macro", scores(macro));
        m.put("micro", scores(micro));
        List<List<Long>> rows = new ArrayList<>(classes.size());
        for (long[] counts : confusion.counts()) {
            rows.add(Arrays.stream(counts).boxed().toList());
        }
        m.put("confusion_matrix", rows);
        return m;
    }

    private static Map<String, Object> scores(Scores s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("precision", s.precision());
        m.put("recall", s.recall());
        m.put("f1", s.f1());
        return m;
    }
}
