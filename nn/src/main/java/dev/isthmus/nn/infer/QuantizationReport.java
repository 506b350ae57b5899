package dev.isthmus.nn.infer;

import dev.isthmus.nn.quant.ErrorStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What quantization cost: per product of the fp32 plan, how far the int8 plan's output there is from
 * the fp32 plan's on the same inputs (the error accumulated up to that layer); the plan files'
 * sizes; and top-1 accuracy of both plans on labelled data. Latency is measured elsewhere (JMH,
 * {@code isthmus bench}), where the machine can be kept quiet.
 *
 * @param layers       one row per dense or conv2d step of the fp32 plan
 * @param fp32Bytes    bytes of the fp32 plan's file
 * @param int8Bytes    bytes of the int8 plan's file
 * @param samples      labelled samples the accuracies are over
 * @param fp32Accuracy top-1 accuracy of the fp32 plan
 * @param int8Accuracy top-1 accuracy of the int8 plan
 */
public record QuantizationReport(List<LayerError> layers, long fp32Bytes, long int8Bytes, int samples,
                                 double fp32Accuracy, double int8Accuracy) {
    /** Samples the per-layer comparison runs (it runs the network once per layer). */
    static final int TRACE_SAMPLES = 256;

    /**
     * One product of the fp32 plan.
     *
     * @param sqnrDb       signal-to-quantization-noise ratio of its output, in dB (higher is closer)
     * @param maxAbsError  max |int8 - fp32| of its output
     * @param meanAbsError mean |int8 - fp32| of its output
     */
    public record LayerError(int step, String layer, boolean int8, String reason, double sqnrDb, double maxAbsError,
                             double meanAbsError) {}

    /** int8 file size over fp32 file size. */
    public double sizeRatio() {
        return (double) int8Bytes / fp32Bytes;
    }

    /** fp32 accuracy minus int8 accuracy, in percentage points. */
    public double accuracyDropPoints() {
        return 100 * (fp32Accuracy - int8Accuracy);
    }

    /**
     * Compares a quantization with the fp32 plan it came from on {@code samples} labelled inputs.
     *
     * @throws IllegalArgumentException on short arrays, a label outside the outputs, or plans that do not match
     */
    public static QuantizationReport evaluate(InferencePlan fp32, Quantization q, float[] x, int[] labels, int samples) {
        if (fp32 == null || q == null || x == null || labels == null || samples < 1) {
            throw new IllegalArgumentException("QuantizationReport.evaluate: plans, inputs and labels must not be null "
                    + "and samples >= 1, got " + samples);
        }
        int in = fp32.inputShape().size();
        int out = fp32.outputShape().size();
        if ((long) samples * in > x.length || samples > labels.length) {
            throw new IllegalArgumentException("QuantizationReport.evaluate: " + samples + " samples need "
                    + (long) samples * in + " input floats and " + samples + " labels, got " + x.length + " and "
                    + labels.length);
        }
        if (!q.plan().inputShape().equals(fp32.inputShape()) || !q.plan().outputShape().equals(fp32.outputShape())) {
            throw new IllegalArgumentException("QuantizationReport.evaluate: the int8 plan " + q.plan()
                    + " does not come from the fp32 plan " + fp32);
        }
        List<LayerError> layers = layerErrors(fp32, q, x, Math.min(samples, TRACE_SAMPLES));
        double fp32Accuracy = accuracy(fp32, x, labels, samples, out);
        // int8 at every batch size (not the fp32 twin that large batches run): what batch-1 serving gives
        double int8Accuracy = accuracy(q.plan().int8Only(), x, labels, samples, out);
        long[] bytes = fileSizes(fp32, q.plan());
        return new QuantizationReport(List.copyOf(layers), bytes[0], bytes[1], samples, fp32Accuracy, int8Accuracy);
    }

    private static double accuracy(InferencePlan plan, float[] x, int[] labels, int samples, int out) {
        int batch = 1024;
        float[] y = new float[batch * out];
        int correct = 0;
        for (int first = 0; first < samples; first += batch) {
            int rows = Math.min(batch, samples - first);
            plan.predict(x, first * plan.inputShape().size(), rows, y, 0);
            for (int r = 0; r < rows; r++) {
                int label = labels[first + r];
                if (label < 0 || label >= out) {
                    throw new IllegalArgumentException("QuantizationReport.evaluate: label " + label + " of sample "
                            + (first + r) + " is not a class in [0, " + out + ")");
                }
                int best = 0;
                for (int j = 1; j < out; j++) {
                    best = y[r * out + j] > y[r * out + best] ? j : best;
                }
                correct += best == label ? 1 : 0;
            }
        }
        return (double) correct / samples;
    }

    /** Each fp32 product's output against the int8 plan's at the same place, on the same inputs. */
    private static List<LayerError> layerErrors(InferencePlan fp32, Quantization q, float[] x, int rows) {
        List<Step> ref = fp32.steps();
        float[][] expected = new float[ref.size()][];
        float[] cur = java.util.Arrays.copyOf(x, rows * fp32.inputShape().size());
        for (int s = 0; s < ref.size(); s++) {
            float[] y = new float[rows * ref.get(s).outSize()];
            InferencePlan.single(ref.get(s)).predict(cur, 0, rows, y, 0);
            expected[s] = y;
            cur = y;
        }
        float[][] actual = new float[ref.size()][];
        cur = java.util.Arrays.copyOf(x, rows * fp32.inputShape().size());
        // the int8 plan's steps follow the fp32 plan's: an int8 step replaces the steps its operations
        // name; every other step stands for the next fp32 step, except the activation an int8 step
        // could not fuse, which completes the fp32 product before it
        int next = 0;
        Step previous = null;
        for (Step s : q.plan().steps()) {
            float[] y;
            if (s instanceof QuantizedStep qs) {
                // the last operation's traced output is the step's output
                float[][] traced = qs.trace(cur, 0, rows);
                for (int op = 0; op < traced.length; op++) {
                    actual[qs.source(op)] = traced[op];
                    next = qs.source(op) + 1;
                }
                y = traced[traced.length - 1];
            } else {
                y = new float[rows * s.outSize()];
                InferencePlan.single(s).predict(cur, 0, rows, y, 0);
                if (previous instanceof QuantizedStep && s instanceof ActivationStep) {
                    actual[next - 1] = y;
                } else {
                    actual[next++] = y;
                }
            }
            previous = s;
            cur = y;
        }
        List<LayerError> out = new ArrayList<>();
        for (Quantization.Layer l : q.layers()) {
            ErrorStats e = new ErrorStats();
            float[] a = actual[l.step()];
            float[] b = expected[l.step()];
            if (a != null && a.length == b.length) {
                e.add(b, 0, a, 0, b.length);
            }
            out.add(new LayerError(l.step(), l.layer(), l.int8(), l.reason(), e.count() == 0 ? Double.NaN : e.sqnrDb(),
                    e.count() == 0 ? Double.NaN : e.maxAbsError(), e.count() == 0 ? Double.NaN : e.meanAbsError()));
        }
        return out;
    }

    private static long[] fileSizes(InferencePlan fp32, InferencePlan int8) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("isthmus-quantization-report");
            Path a = dir.resolve("fp32.plan");
            Path b = dir.resolve("int8.plan");
            fp32.save(a);
            int8.save(b);
            long[] sizes = {Files.size(a), Files.size(b)};
            Files.delete(a);
            Files.delete(b);
            return sizes;
        } catch (IOException e) {
            throw new UncheckedIOException("QuantizationReport: could not write the plans to measure their files", e);
        } finally {
            if (dir != null) {
                try {
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a leftover empty temporary directory is harmless
                }
            }
        }
    }

    /** The report as a table a person reads. */
    public String toText() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-4s %-52s %-5s %9s %10s %10s%n", "step", "layer", "int8", "SQNR dB",
                "max |err|", "mean |err|"));
        for (LayerError l : layers) {
            String sqnr = Double.isInfinite(l.sqnrDb()) ? "exact" : String.format(Locale.ROOT, "%.1f", l.sqnrDb());
            s.append(String.format(Locale.ROOT, "%-4d %-52s %-5s %9s %10.4f %10.5f%n", l.step(),
                    l.layer().length() > 52 ? l.layer().substring(0, 52) : l.layer(), l.int8() ? "yes" : "no",
                    sqnr, l.maxAbsError(), l.meanAbsError()));
            if (!l.int8()) {
                s.append("     kept fp32: ").append(l.reason()).append(System.lineSeparator());
            }
        }
        s.append(String.format(Locale.ROOT, "plan file: fp32 %,d bytes, int8 %,d bytes (%.3fx)%n", fp32Bytes, int8Bytes,
                sizeRatio()));
        s.append(String.format(Locale.ROOT, "top-1 accuracy on %d samples: fp32 %.2f%%, int8 %.2f%% (drop %.2f points)%n",
                samples, 100 * fp32Accuracy, 100 * int8Accuracy, accuracyDropPoints()));
        return s.toString();
    }

    /** The report as JSON-ready maps and lists (for {@code nn.io.Json.write}). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Object> rows = new ArrayList<>();
        for (LayerError l : layers) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("step", l.step());
            r.put("layer", l.layer());
            r.put("int8", l.int8());
            r.put("reason", l.reason());
            r.put("sqnr_db", finite(l.sqnrDb()));
            r.put("max_abs_error", finite(l.maxAbsError()));
            r.put("mean_abs_error", finite(l.meanAbsError()));
            rows.add(r);
        }
        m.put("layers", rows);
        m.put("fp32_file_bytes", fp32Bytes);
        m.put("int8_file_bytes", int8Bytes);
        m.put("size_ratio", sizeRatio());
        m.put("samples", samples);
        m.put("fp32_accuracy", fp32Accuracy);
        m.put("int8_accuracy", int8Accuracy);
        m.put("accuracy_drop_points", accuracyDropPoints());
        return m;
    }

    /** JSON has no NaN or infinity: an exact layer's SQNR is written as null. */
    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
