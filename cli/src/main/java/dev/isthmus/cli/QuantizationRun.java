package dev.isthmus.cli;

import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.infer.InferencePlan;
import dev.isthmus.nn.infer.Quantization;
import dev.isthmus.nn.infer.QuantizationReport;
import dev.isthmus.nn.infer.QuantizeOptions;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One int8 quantization of a trained model as quantize and demo do it: calibrate on the first
 * training examples normalized as in training, quantize the compiled fp32 plan, save the int8 plan,
 * compare the two on the test set, and time both at batch 1 with one caller.
 *
 * @param quantization       the int8 plan and which products stayed fp32, and why
 * @param report             errors per layer, plan file sizes, top-1 accuracy of both plans
 * @param latency            the fp32 plan's row, then the int8 plan's
 * @param calibrationSamples training examples calibrated on (0 for dynamic quantization)
 * @param file               where the int8 plan was written
 */
record QuantizationRun(Quantization quantization, QuantizationReport report, InferenceBench.Result latency,
                       int calibrationSamples, Path file) {
    /** Inputs the latency callers copy theirs from: the first test examples. */
    private static final int LATENCY_INPUTS = 256;

    /** Batch 1, one caller, {@code seconds} per plan after a warm-up of at least the smaller of 0.25 and it. */
    static InferenceBench.Config timing(double seconds) {
        return new InferenceBench.Config(List.of(1), List.of(1), seconds, Math.min(0.25, seconds));
    }

    /**
     * Quantizes {@code fp32} (compiled from {@code trained}'s model), writes the int8 plan to
     * {@code file} and measures both plans.
     *
     * @param train raw training data, of which the first {@code calibrationSamples} calibrate static quantization
     * @param test  raw test data, all of it compared
     */
    static QuantizationRun run(TrainedModel trained, InferencePlan fp32, Dataset train, Dataset test,
                               QuantizeOptions options, int calibrationSamples, Path file, double seconds)
            throws IOException {
        float[] calibration = null;
        int samples = 0;
        if (options.mode() == QuantizeOptions.Mode.STATIC) {
            samples = calibrationSamples;
            calibration = trained.prepare(train.subset(Training.firstIndices(samples))).features();
        }
        Quantization q = fp32.quantize(calibration, samples, options);
        q.plan().save(file);
        Dataset prepared = trained.prepare(test);
        QuantizationReport report = QuantizationReport.evaluate(fp32, q, prepared.features(), prepared.labels(),
                prepared.size());
        InferenceBench.Samples inputs = InferenceBench.Samples.of(prepared, LATENCY_INPUTS,
                "test examples, normalized as in training");
        InferenceBench.Result latency = InferenceBench.compare(List.of(fp32, q.plan()), inputs, timing(seconds));
        return new QuantizationRun(q, report, latency, samples, file);
    }

    InferenceBench.Measurement fp32Latency() {
        return latency.rows().get(0);
    }

    InferenceBench.Measurement int8Latency() {
        return latency.rows().get(1);
    }

    /** The int8 plan's p50 latency over the fp32 plan's. */
    double latencyRatio() {
        return int8Latency().p50Micros() / fp32Latency().p50Micros();
    }

    /** How it was quantized, in words. */
    String method() {
        QuantizeOptions o = quantization.options();
        String activations = o.mode() == QuantizeOptions.Mode.STATIC
                ? String.format(Locale.ROOT, "static, %s calibration on the first %,d training examples",
                        o.calibration(), calibrationSamples)
                : "dynamic (each product quantizes its input per call)";
        String layers = o.layers() == QuantizeOptions.Layers.ALL_INT8 ? "every product forced to int8"
                : "products where int8 measured slower (fewer than " + QuantizeOptions.MIN_INT8_WEIGHTS
                        + " weights, or convolutions with " + QuantizeOptions.FP32_FROM_BATCH
                        + "+ output pixels) computed in fp32 on their int8 weights";
        return activations + "; " + layers;
    }

    /** Which products stayed fp32 and why, one line each after a count. */
    List<String> decisions() {
        List<Quantization.Layer> layers = quantization.layers();
        List<Quantization.Layer> kept = quantization.keptFp32();
        List<String> lines = new ArrayList<>();
        lines.add(kept.isEmpty() ? "decisions: all " + layers.size() + " products int8"
                : "decisions: " + (layers.size() - kept.size()) + " of " + layers.size() + " products int8");
        for (Quantization.Layer l : kept) {
            lines.add("kept fp32: step " + l.step() + " (" + l.layer() + "): " + l.reason());
        }
        return lines;
    }

    String latencyLine() {
        return String.format(Locale.ROOT, "batch-1 latency p50: fp32 %.1f us, int8 %.1f us (%.2fx)",
                fp32Latency().p50Micros(), int8Latency().p50Micros(), latencyRatio());
    }

    /** The one line demo prints. */
    String summary() {
        return String.format(Locale.ROOT, "int8: accuracy %.2f%% (fp32 %.2f%%), file %.2fx, batch-1 latency %.2fx fp32",
                100 * report.int8Accuracy(), 100 * report.fp32Accuracy(), report.sizeRatio(), latencyRatio());
    }

    /** The method, the report's table, the decisions, the latency and where the plan went, as lines of text. */
    String text() {
        StringBuilder b = new StringBuilder();
        b.append("quantization: ").append(method()).append('\n');
        b.append(report.toText());
        decisions().forEach(l -> b.append(l).append('\n'));
        b.append(latencyLine()).append('\n');
        latency.contention().ifPresent(n -> b.append("note: ").append(n).append('\n'));
        b.append("wrote ").append(file).append('\n');
        return b.toString();
    }

    /** The report's keys, then how it was made, the latency and the file. */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>(report.toJson());
        QuantizeOptions o = quantization.options();
        m.put("mode", o.mode().name().toLowerCase(Locale.ROOT));
        m.put("calibration", o.mode() == QuantizeOptions.Mode.STATIC ? o.calibration().toString() : null);
        m.put("calibration_samples", calibrationSamples);
        m.put("all_int8", o.layers() == QuantizeOptions.Layers.ALL_INT8);
        List<Map<String, Object>> kept = new ArrayList<>();
        for (Quantization.Layer l : quantization.keptFp32()) {
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("step", l.step());
            k.put("layer", l.layer());
            k.put("reason", l.reason());
            kept.add(k);
        }
        m.put("kept_fp32", kept);
        m.put("latency_batch", 1);
        m.put("fp32_p50_us", InferenceBench.round(fp32Latency().p50Micros(), 2));
        m.put("int8_p50_us", InferenceBench.round(int8Latency().p50Micros(), 2));
        m.put("latency_ratio", InferenceBench.round(latencyRatio(), 3));
        m.put("other_processes_cores", InferenceBench.round(latency.otherCores(), 2));
        m.put("plan_path", file.toString());
        return m;
    }
}
