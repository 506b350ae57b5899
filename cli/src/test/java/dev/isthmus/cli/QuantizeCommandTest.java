package dev.isthmus.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.infer.InferencePlan;
import dev.isthmus.nn.infer.Quantization;
import dev.isthmus.nn.infer.QuantizeOptions;
import dev.isthmus.nn.io.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantizeCommandTest {
    @TempDir
    static Path shared;
    static Path sample;
    static Path model;

    @TempDir
    Path dir;

    /** The mlp preset trained briefly on the bundled sample: every product has 128 or more inputs, so all go int8. */
    @BeforeAll
    static void trainAnImageMlp() throws Exception {
        sample = CommandRun.sampleDir(shared);
        model = shared.resolve("mlp.safetensors");
        CommandRun.of("train", "--data", sample.toString(), "--epochs", "1", "--limit", "2000", "--out",
                model.toString()).ok();
    }

    @Test
    void theWrittenPlanIsTheQuantizedPlanAndTheTextSaysWhatItCost() throws Exception {
        Path plan = dir.resolve("plans/mlp.int8.plan");
        CommandRun run = CommandRun.of("quantize", model.toString(), "--out", plan.toString(), "--data",
                sample.toString(), "--calibration-samples", "500", "--test-samples", "300", "--seconds", "0.05").ok();
        String out = run.out();
        for (String part : new String[] {"SQNR dB", "plan file: fp32", "top-1 accuracy on 300 samples",
                "decisions: 2 of 3 products int8", "static, mse calibration on the first 500 training examples",
                "wrote " + plan}) {
            assertTrue(out.contains(part), part + " missing in\n" + out);
        }
        assertTrue(out.lines().anyMatch(l -> l.matches("batch-1 latency p50: fp32 \\d+\\.\\d us, int8 \\d+\\.\\d us "
                + "\\(\\d+\\.\\d\\dx\\)")), out);

        // the same quantization in memory, on the same calibration inputs, gives the same outputs
        TrainedModel trained = TrainedModel.load(model);
        DataSource source = DataSource.load(sample.toString(), 42);
        float[] calibration = trained.prepare(source.train().subset(Training.firstIndices(500))).features();
        Quantization q = trained.model().compile().quantize(calibration, 500, QuantizeOptions.DEFAULT);
        InferencePlan loaded = InferencePlan.load(plan);
        Dataset test = trained.prepare(source.test().subset(Training.firstIndices(5)));
        float[] x = test.features();
        assertArrayEquals(q.plan().predict(x), loaded.predict(x));
        assertTrue(loaded.describe().contains("int8"), loaded.describe());
    }

    @Test
    void jsonHasTheReportTheLatencyAndThePath() throws Exception {
        Path plan = dir.resolve("mlp.int8.plan");
        CommandRun run = CommandRun.of("quantize", model.toString(), "--out", plan.toString(), "--data",
                sample.toString(), "--calibration", "percentile:99.9", "--seconds", "0.05", "--json").ok();
        Map<?, ?> root = (Map<?, ?>) Json.parse(run.out(), "quantize output");
        double fp32 = CommandRun.number(run.out(), "fp32_accuracy");
        double int8 = CommandRun.number(run.out(), "int8_accuracy");
        assertTrue(fp32 > 0.5 && Math.abs(fp32 - int8) < 0.02, "fp32 " + fp32 + ", int8 " + int8);
        assertEquals(1000, CommandRun.number(run.out(), "samples"), "the whole test set of the sample");
        assertTrue(CommandRun.number(run.out(), "size_ratio") <= 0.27, run.out());
        assertTrue(CommandRun.number(run.out(), "latency_ratio") > 0, run.out());
        assertTrue(CommandRun.number(run.out(), "int8_p50_us") > 0, run.out());
        assertEquals("percentile:99.9", root.get("calibration"));
        assertEquals("static", root.get("mode"));
        assertEquals(1000, CommandRun.number(run.out(), "calibration_samples"));
        assertEquals(plan.toString(), root.get("plan_path"));
        assertEquals(3, ((List<?>) root.get("layers")).size(), run.out());
        // the 128 x 10 output product is too small to gain from int8: it computes in fp32 on its int8 weights
        List<?> kept = (List<?>) root.get("kept_fp32");
        assertEquals(1, kept.size(), run.out());
        assertEquals(2L, ((dev.isthmus.nn.io.Json.Numeral) ((Map<?, ?>) kept.get(0)).get("step")).toLong(), run.out());
        assertTrue(Files.size(plan) > 0);
    }

    @Test
    void dynamicModeNeedsNoCalibrationAndAllInt8ForcesSmallProducts() throws Exception {
        Path plan = dir.resolve("dynamic.plan");
        CommandRun run = CommandRun.of("quantize", model.toString(), "--out", plan.toString(), "--data",
                sample.toString(), "--mode", "dynamic", "--test-samples", "200", "--seconds", "0.05", "--json").ok();
        Map<?, ?> root = (Map<?, ?>) Json.parse(run.out(), "quantize output");
        assertEquals("dynamic", root.get("mode"));
        assertNull(root.get("calibration"));
        assertEquals(0, CommandRun.number(run.out(), "calibration_samples"));
        assertTrue(CommandRun.number(run.out(), "int8_accuracy") > 0.5, run.out());
        float[] grey = new float[784];
        Arrays.fill(grey, 0.5f);
        assertEquals(10, InferencePlan.load(plan).predict(grey).length);

        // a 4-feature table: its first product (4 x 256 weights) and its last stay fp32 unless forced
        Path csv = CommandRun.clusters(dir, 90);
        Path small = dir.resolve("small.safetensors");
        CommandRun.of("train", "--data", csv.toString(), "--epochs", "1", "--out", small.toString()).ok();
        CommandRun kept = CommandRun.of("quantize", small.toString(), "--out", dir.resolve("s.plan").toString(),
                "--data", csv.toString(), "--seconds", "0.02").ok();
        assertTrue(kept.out().contains("decisions: 1 of 3 products int8"), kept.out());
        assertTrue(kept.out().contains("kept fp32: step 0 (dense 4 -> 256"), kept.out());
        assertTrue(kept.out().contains("on the first 72 training examples"), "all of a small training set:\n" + kept.out());
        CommandRun forced = CommandRun.of("quantize", small.toString(), "--out", dir.resolve("s.plan").toString(),
                "--data", csv.toString(), "--seconds", "0.02", "--all-int8").ok();
        assertTrue(forced.out().contains("decisions: all 3 products int8"), forced.out());
    }

    @Test
    void badValuesAreUsageErrorsNamingThem() {
        String m = model.toString();
        String o = dir.resolve("q.plan").toString();
        String d = sample.toString();
        CommandRun.of("quantize", m, "--out", o, "--data", d, "--calibration", "median").fails(2, "--calibration",
                "'median'", "minmax");
        CommandRun.of("quantize", m, "--out", o, "--data", d, "--calibration", "percentile:20").fails(2, "percentile:20",
                "(50, 100]");
        CommandRun.of("quantize", m, "--out", o, "--data", d, "--calibration-samples", "0").fails(2,
                "--calibration-samples", "0");
        CommandRun.of("quantize", m, "--out", o, "--data", d, "--calibration-samples", "5001").fails(2,
                "--calibration-samples 5001", "5000 training examples");
        CommandRun.of("quantize", m, "--out", o, "--data", d, "--test-samples", "0").fails(2, "--test-samples", "0");
        CommandRun.of("quantize", m, "--out", o, "--data", d, "--seconds", "0").fails(2, "--seconds", "0");
        CommandRun.of("quantize", m, "--out", o, "--data", d, "--mode", "fast").fails(2, "'fast'", "static or dynamic");
        CommandRun.of("quantize", m, "--out", o, "--data", d, "--mode", "dynamic", "--calibration", "mse").fails(2,
                "--mode dynamic", "--calibration");
        CommandRun.of("quantize", m, "--out", m, "--data", d).fails(2, "--out " + m, "model file itself");
        CommandRun unknown = CommandRun.of("quantize", m, "--out", o, "--bits", "4");
        assertEquals(2, unknown.code(), unknown.err());
        assertTrue(unknown.err().contains("--bits"), unknown.err());
        CommandRun missingOut = CommandRun.of("quantize", m);
        assertEquals(2, missingOut.code(), missingOut.err());
        assertTrue(missingOut.err().contains("--out"), missingOut.err());
        assertTrue(Files.notExists(dir.resolve("q.plan")), "nothing written after a usage error");
    }

    @Test
    void fileProblemsAreRuntimeErrorsNamingTheFile() throws Exception {
        String o = dir.resolve("q.plan").toString();
        String d = sample.toString();
        Path missing = dir.resolve("none.safetensors");
        CommandRun.of("quantize", missing.toString(), "--out", o, "--data", d).fails(1, missing.toString(),
                "no such model file");
        Path corrupt = dir.resolve("corrupt.safetensors");
        byte[] good = Files.readAllBytes(model);
        Files.write(corrupt, Arrays.copyOf(good, good.length / 2));
        CommandRun.of("quantize", corrupt.toString(), "--out", o, "--data", d).fails(1, corrupt.toString());
        CommandRun.of("quantize", model.toString(), "--out", dir.toString(), "--data", d).fails(1, dir.toString(),
                "is a directory");
        // under a regular file: the directory cannot be made, whoever runs the test
        Path underAFile = corrupt.resolve("q.plan");
        CommandRun.of("quantize", model.toString(), "--out", underAFile.toString(), "--data", d).fails(1,
                underAFile.toString(), "cannot create its directory");
    }

    @Test
    void helpListsQuantize() {
        assertTrue(CommandRun.of("--help").ok().out().contains("quantize"));
        String help = CommandRun.of("quantize", "--help").ok().out();
        for (String o : new String[] {"--out", "--mode", "--calibration", "--calibration-samples", "--all-int8",
                "--test-samples", "--seconds", "--json"}) {
            assertTrue(help.contains(o), o + " in\n" + help);
        }
    }
}
