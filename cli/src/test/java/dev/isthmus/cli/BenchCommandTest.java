package dev.isthmus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.data.Normalization;
import dev.isthmus.nn.io.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
    @TempDir
    Path dir;
    Path model;

    /** A small image MLP saved as train saves one, with a standardization, so bench draws standard normal inputs. */
    @BeforeEach
    void saveASmallModel() throws Exception {
        Sequential mlp = Sequential.builder(1, 28, 28).seed(3).dense(32).relu().dense(10).build();
        float[] center = new float[784];
        float[] spread = new float[784];
        Arrays.fill(center, 0.3f);
        Arrays.fill(spread, 0.25f);
        model = dir.resolve("mlp.safetensors");
        new TrainedModel(mlp, Normalization.of(Normalization.Kind.STANDARDIZE, center, spread),
                DataSource.indexNames(10), "test").save(model);
    }

    @Test
    void jsonHasAPlanAndAModelRowForEveryBatchAndCallerCount() throws Exception {
        CommandRun run = CommandRun.of("bench", model.toString(), "--seconds", "0.05", "--batch-sizes", "1,8",
                "--threads", "1,2", "--json").ok();
        Map<?, ?> root = (Map<?, ?>) Json.parse(run.out(), "bench output");
        List<?> rows = (List<?>) root.get("rows");
        assertEquals(8, rows.size(), run.out());
        for (String impl : new String[] {"plan", "model"}) {
            for (int batch : new int[] {1, 8}) {
                for (int threads : new int[] {1, 2}) {
                    Map<?, ?> row = rows.stream().map(r -> (Map<?, ?>) r)
                            .filter(r -> r.get("impl").equals(impl) && number(r, "batch") == batch
                                    && number(r, "threads") == threads)
                            .findFirst().orElseThrow(() -> new AssertionError(impl + " batch " + batch + " threads "
                                    + threads + " missing in\n" + run.out()));
                    String what = impl + " batch " + batch + " threads " + threads;
                    assertTrue(number(row, "calls") >= threads, what);
                    assertTrue(number(row, "p50_us") > 0 && number(row, "p50_us") <= number(row, "p99_us"), what);
                    assertTrue(number(row, "images_per_second") > 0, what);
                    assertTrue(number(row, "allocated_bytes_per_call") >= 0, what);
                    if (impl.equals("plan")) {
                        assertTrue(number(row, "plan_vs_model") > 0, what);
                    } else {
                        // predict returns a new tensor each call (whether the plan allocates nothing depends on
                        // the JIT having compiled it, which this short run does not wait for)
                        assertTrue(number(row, "allocated_bytes_per_call") >= 40, what + ": " + row);
                        assertTrue(!row.containsKey("plan_vs_model"), what);
                    }
                }
            }
        }
        Map<?, ?> machine = (Map<?, ?>) root.get("machine");
        for (String key : new String[] {"cpu", "cores", "jdk", "openblas"}) {
            assertTrue(machine.containsKey(key), key + " in " + machine);
        }
        assertTrue(root.containsKey("other_processes_cores"), run.out());
        assertTrue(((String) root.get("inputs")).contains("random"), run.out());
        assertTrue(((List<?>) root.get("plan")).getFirst().toString().startsWith("inference plan"), run.out());
    }

    @Test
    void textPrintsThePlanThenTheTable() {
        CommandRun run = CommandRun.of("bench", model.toString(), "--seconds", "0.02", "--batch-sizes", "4",
                "--threads", "1", "--kernel", "vector").ok();
        List<String> lines = run.out().lines().toList();
        assertTrue(lines.get(1).startsWith("inference plan"), run.out());
        int header = lines.indexOf(InferenceBench.HEADER);
        assertTrue(header > 1, run.out());
        assertTrue(lines.get(header + 1).matches("model\\s+1\\s+4\\s.*"), run.out());
        assertTrue(lines.get(header + 2).matches("plan\\s+1\\s+4\\s.*\\d\\.\\d\\dx"), run.out());
        assertTrue(run.out().contains("inputs: ") && run.out().contains("machine: "), run.out());
    }

    @Test
    void badOptionsAreUsageErrorsNamingTheValue() {
        String m = model.toString();
        CommandRun.of("bench", m, "--kernel", "gpu").fails(2, "gpu", "auto, vector or blas");
        CommandRun.of("bench", m, "--batch-sizes", "0").fails(2, "--batch-sizes", "0");
        CommandRun.of("bench", m, "--batch-sizes=-1").fails(2, "--batch-sizes", "-1");
        CommandRun.of("bench", m, "--batch-sizes", "1,x").fails(2, "--batch-sizes", "'x'");
        CommandRun.of("bench", m, "--threads", "0").fails(2, "--threads", "0");
        CommandRun.of("bench", m, "--threads", "two").fails(2, "--threads", "'two'");
        CommandRun.of("bench", m, "--seconds", "0").fails(2, "--seconds", "0");
        CommandRun.of("bench", m, "--warmup", "-1").fails(2, "--warmup", "-1");
    }

    @Test
    void aMissingOrCorruptModelFileIsARuntimeErrorNamingIt() throws Exception {
        Path missing = dir.resolve("none.safetensors");
        CommandRun.of("bench", missing.toString()).fails(1, missing.toString(), "no such model file");
        Path corrupt = dir.resolve("corrupt.safetensors");
        byte[] good = Files.readAllBytes(model);
        Files.write(corrupt, Arrays.copyOf(good, good.length / 2));
        CommandRun.of("bench", corrupt.toString()).fails(1, corrupt.toString());
    }

    @Test
    void helpListsBench() {
        assertTrue(CommandRun.of("--help").ok().out().contains("bench"));
        String help = CommandRun.of("bench", "--help").ok().out();
        for (String o : new String[] {"--batch-sizes", "--threads", "--seconds", "--kernel", "--json"}) {
            assertTrue(help.contains(o), o + " in\n" + help);
        }
    }

    @Test
    void percentilesAreNearestRank() {
        long[] values = new long[100];
        for (int i = 0; i < values.length; i++) {
            values[i] = i + 1;
        }
        assertEquals(50, InferenceBench.percentile(values, 0.50));
        assertEquals(99, InferenceBench.percentile(values, 0.99));
        assertEquals(7, InferenceBench.percentile(new long[] {7}, 0.99));
    }

    private static double number(Map<?, ?> row, String key) {
        Object v = row.get(key);
        assertTrue(v instanceof Json.Numeral, key + " is not a number in " + row);
        return ((Json.Numeral) v).toDouble();
    }
}
