package dev.isthmus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.io.Json;
import dev.isthmus.nn.layer.Dense;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** prune, distill and search-sizes on the bundled sample, with a briefly trained mlp as the model and teacher. */
class StructureCommandsTest {
    @TempDir
    static Path shared;
    static Path sample;
    static Path model;

    @TempDir
    Path dir;

    @BeforeAll
    static void trainAnMlp() throws Exception {
        sample = CommandRun.sampleDir(shared);
        model = shared.resolve("mlp.safetensors");
        CommandRun.of("train", "--data", sample.toString(), "--epochs", "1", "--limit", "2000", "--out",
                model.toString()).ok();
    }

    /** The options that keep a run short: few examples, a brief latency measurement. */
    private static String[] quick(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--data", sample.toString(), "--limit", "1000", "--test-samples", "300", "--seconds", "0.05"));
        return all.toArray(String[]::new);
    }

    private static long mlpParameters(int... widths) {
        long n = 0;
        for (int i = 1; i < widths.length; i++) {
            n += (long) widths[i - 1] * widths[i] + widths[i];
        }
        return n;
    }

    @Test
    void structuredPruningWritesTheHalvedModelItReports() throws Exception {
        Path out = dir.resolve("half.safetensors");
        Path png = dir.resolve("half.png");
        CommandRun run = CommandRun.of(quick("prune", model.toString(), "--structured", "0.5", "--epochs", "1",
                "--sweep", "0.25", "--out", out.toString(), "--plot", png.toString(), "--json")).ok();
        Map<?, ?> root = (Map<?, ?>) Json.parse(run.out(), "prune output");
        assertEquals("784-256-128-10", root.get("widths_before"));
        assertEquals("784-128-64-10", root.get("widths_after"));
        assertEquals(mlpParameters(784, 256, 128, 10), CommandRun.number(run.out(), "parameters_before"));
        assertEquals(mlpParameters(784, 128, 64, 10), CommandRun.number(run.out(), "parameters_after"));
        double before = CommandRun.number(run.out(), "accuracy_before");
        double after = CommandRun.number(run.out(), "accuracy_after");
        assertTrue(before > 0.6 && after > 0.5, "accuracy before " + before + ", after " + after);
        assertTrue(CommandRun.number(run.out(), "latency_ratio") > 0, run.out());
        assertEquals(3, ((List<?>) root.get("sweep")).size(), "0, 0.25 and the level asked for");

        Sequential pruned = TrainedModel.load(out).model();
        assertEquals(mlpParameters(784, 128, 64, 10), pruned.parameterCount());
        assertEquals("784-128-64-10", Tuning.widths(pruned));
        assertNotNull(ImageIO.read(png.toFile()), "the plot decodes");
    }

    @Test
    void unstructuredPruningKeepsTheSparsityThroughFineTuningAndReportsTheCrossover() throws Exception {
        Path out = dir.resolve("sparse.safetensors");
        CommandRun run = CommandRun.of(quick("prune", model.toString(), "--sparsity", "0.9", "--epochs", "1",
                "--every", "5", "--sweep", "0.5", "--out", out.toString())).ok();
        String text = run.out();
        for (String part : new String[] {"unstructured: 90% of the weights zeroed by magnitude", "test accuracy",
                "batch-1 latency p50", "sweep (one-shot, before fine-tuning)", "crossover", "wrote " + out}) {
            assertTrue(text.contains(part), part + " missing in\n" + text);
        }
        Sequential pruned = TrainedModel.load(out).model();
        long[] wz = Tuning.weightsAndZeros(pruned);
        assertEquals(784 * 256 + 256 * 128 + 128 * 10, wz[0]);
        assertEquals(Math.round(0.9 * wz[0]), wz[1], "exactly 90% of the weights are zero after fine-tuning");
        assertEquals(mlpParameters(784, 256, 128, 10), pruned.parameterCount(), "unstructured pruning keeps the shapes");
        for (var l : pruned.layers()) {
            if (l instanceof Dense d) {
                assertTrue(d.bias().value().length > 0);
            }
        }
    }

    @Test
    void distillationComparesTheStudentWithItselfTrainedAlone() throws Exception {
        Path out = dir.resolve("student.safetensors");
        Path png = dir.resolve("distill.png");
        CommandRun run = CommandRun.of(quick("distill", model.toString(), "--student", "32", "--epochs", "2",
                "--out", out.toString(), "--plot", png.toString(), "--json")).ok();
        assertEquals(mlpParameters(784, 32, 10), CommandRun.number(run.out(), "student_parameters"));
        assertEquals(mlpParameters(784, 256, 128, 10), CommandRun.number(run.out(), "teacher_parameters"));
        double alone = CommandRun.number(run.out(), "alone_accuracy");
        double distilled = CommandRun.number(run.out(), "distilled_accuracy");
        assertTrue(alone > 0.5 && distilled > 0.5, "alone " + alone + ", distilled " + distilled);
        Map<?, ?> root = (Map<?, ?>) Json.parse(run.out(), "distill output");
        assertEquals(2, ((List<?>) root.get("distilled_test_accuracy_per_epoch")).size());
        assertEquals(2, ((List<?>) root.get("alone_test_accuracy_per_epoch")).size());
        assertEquals(mlpParameters(784, 32, 10), TrainedModel.load(out).model().parameterCount());
        assertNotNull(ImageIO.read(png.toFile()), "the plot decodes");
    }

    @Test
    void sizeSearchListsEveryCandidateWithExactParametersAndAConsistentFront() throws Exception {
        Path png = dir.resolve("sizes.png");
        CommandRun run = CommandRun.of(quick("search-sizes", "--hidden", "16,64x32,none", "--epochs", "1",
                "--latency-calls", "50", "--plot", png.toString(), "--json")).ok();
        Map<?, ?> root = (Map<?, ?>) Json.parse(run.out(), "search-sizes output");
        List<?> rows = (List<?>) root.get("candidates");
        assertEquals(3, rows.size());
        long[] expected = {mlpParameters(784, 16, 10), mlpParameters(784, 64, 32, 10), mlpParameters(784, 10)};
        String[] names = {"16", "64x32", "none"};
        double[] acc = new double[3];
        double[] p50 = new double[3];
        boolean[] pareto = new boolean[3];
        for (int i = 0; i < 3; i++) {
            Map<?, ?> r = (Map<?, ?>) rows.get(i);
            assertEquals(names[i], r.get("hidden"));
            assertEquals(expected[i], ((Json.Numeral) r.get("parameters")).toDouble());
            acc[i] = ((Json.Numeral) r.get("accuracy")).toDouble();
            p50[i] = ((Json.Numeral) r.get("p50_us")).toDouble();
            pareto[i] = (Boolean) r.get("pareto");
            assertTrue(acc[i] > 0.3 && acc[i] <= 1, "accuracy " + acc[i]);
        }
        for (int i = 0; i < 3; i++) {
            boolean dominated = false;
            for (int j = 0; j < 3; j++) {
                dominated |= j != i && acc[j] >= acc[i] && p50[j] <= p50[i] && (acc[j] > acc[i] || p50[j] < p50[i]);
            }
            assertEquals(!dominated, pareto[i], "candidate " + names[i]);
        }
        assertTrue(Files.size(png) > 0);
    }

    @Test
    void badOptionsAreUsageErrorsNamingTheValue() {
        CommandRun.of("prune", model.toString(), "--out", dir.resolve("a").toString(), "--structured", "0.5",
                "--sparsity", "0.9").fails(2, "exactly one of --structured");
        CommandRun.of("prune", model.toString(), "--out", dir.resolve("a").toString(), "--sparsity", "1.5")
                .fails(2, "--sparsity", "1.5");
        CommandRun.of("prune", model.toString(), "--out", dir.resolve("a").toString(), "--sparsity", "0.5",
                "--scope", "everywhere").fails(2, "everywhere");
        CommandRun.of("prune", model.toString(), "--out", model.toString(), "--sparsity", "0.5")
                .fails(2, "the input model itself");
        CommandRun.of("distill", model.toString(), "--out", dir.resolve("s").toString(), "--student", "64y2")
                .fails(2, "64y2");
        CommandRun.of("distill", model.toString(), "--out", dir.resolve("s").toString(), "--student", "64",
                "--temperature", "0").fails(2, "--temperature");
        CommandRun.of("search-sizes", "--hidden", "0").fails(2, "--hidden", "'0'");
        CommandRun.of("prune", dir.resolve("missing.safetensors").toString(), "--out", dir.resolve("a").toString(),
                "--sparsity", "0.5").fails(1, "missing.safetensors");
    }
}
