package dev.isthmus.cli;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Tensor;

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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code isthmus predict}: the most likely classes, with probabilities, of each example in a file. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Predict the class of each example in a file with a saved model.",
                "INPUT is an IDX images file (raw or .gz), a CSV file of feature rows (a header row; a 'label' "
                        + "column is ignored) or a PNG/JPEG image (grey-scale, resized to the model's image size). "
                        + "Probabilities are the softmax of the outputs."})
final class PredictCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model file written by isthmus train.")
    Path modelFile;

    @Parameters(index = "1", paramLabel = "INPUT", description = "The examples: FILE.idx3-ubyte[.gz], FILE.csv, FILE.png or FILE.jpg.")
    Path input;

    @Option(names = "--top", defaultValue = "1", paramLabel = "K", description = "Show the K most likely classes (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (top < 1) {
            throw new UsageError("--top must be >= 1, got " + top);
        }
        TrainedModel trained = TrainedModel.load(modelFile);
        Sequential model = trained.model();
        Inputs inputs = Inputs.read(input, model.inputShape());
        trained.checkFeatures(inputs.rowShape());
        float[] x = inputs.values();
        if (trained.normalization() != null) {
            trained.normalization().applyInPlace(x, 0, inputs.rows());
        }
        float[][] probabilities = probabilities(model, x, inputs.rows());
        List<String> names = trained.classNames();
        int k = Math.min(top, probabilities.length == 0 ? 1 : probabilities[0].length);
        List<Map<String, Object>> predictions = new ArrayList<>();
        PrintWriter out = spec.commandLine().getOut();
        if (!json) {
            out.printf("%-6s %-16s %s%n", "index", "class", "probability");
        }
        for (int i = 0; i < probabilities.length; i++) {
            Integer[] order = ranked(probabilities[i]);
            List<Map<String, Object>> best = new ArrayList<>();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-6d", i));
            for (int r = 0; r < k; r++) {
                int c = order[r];
                String name = c < names.size() ? names.get(c) : Integer.toString(c);
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("class", name);
                p.put("label", c);
                p.put("probability", (double) probabilities[i][c]);
                best.add(p);
                line.append(String.format(Locale.ROOT, r == 0 ? " %-16s %.4f" : ", %s %.4f", name, probabilities[i][c]));
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("index", i);
            row.putAll(best.getFirst());
            if (k > 1) {
                row.put("top", best);
            }
            predictions.add(row);
            if (!json) {
                out.println(line);
            }
        }
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", modelFile.toString());
            m.put("input", input.toString());
            m.put("predictions", predictions);
            out.println(Json.write(m));
        }
        out.flush();
        return 0;
    }

    /** Each row's class probabilities: the softmax of its outputs, or for one output its sigmoid as class 1's. */
    private static float[][] probabilities(Sequential model, float[] x, int rows) {
        int size = model.inputShape().size();
        int[] sample = model.inputShape().dims();
        float[][] p = new float[rows][];
        for (int start = 0; start < rows; start += Training.EVALUATION_BATCH) {
            int n = Math.min(Training.EVALUATION_BATCH, rows - start);
            int[] shape = new int[sample.length + 1];
            shape[0] = n;
            System.arraycopy(sample, 0, shape, 1, sample.length);
            Tensor y = model.predict(Tensor.of(Arrays.copyOfRange(x, start * size, (start + n) * size), shape));
            int width = y.size() / n;
            float[] out = y.data();
            for (int i = 0; i < n; i++) {
                p[start + i] = width == 1 ? binary(out[i]) : softmax(out, i * width, width);
            }
        }
        return p;
    }

    private static float[] softmax(float[] logits, int off, int width) {
        // shifting by the maximum keeps exp from overflowing; it cancels in the ratio
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < width; j++) {
            max = Math.max(max, logits[off + j]);
        }
        double sum = 0;
        float[] p = new float[width];
        for (int j = 0; j < width; j++) {
            p[j] = (float) Math.exp(logits[off + j] - max);
            sum += p[j];
        }
        for (int j = 0; j < width; j++) {
            p[j] = (float) (p[j] / sum);
        }
        return p;
    }

    private static float[] binary(float logit) {
        float one = (float) (1 / (1 + Math.exp(-logit)));
        return new float[] {1 - one, one};
    }

    private static Integer[] ranked(float[] p) {
        Integer[] order = new Integer[p.length];
        for (int j = 0; j < p.length; j++) {
            order[j] = j;
        }
        Arrays.sort(order, (a, b) -> Float.compare(p[b], p[a]));
        return order;
    }
}
