package dev.isthmus.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalPredictCommandTest {
    @TempDir
    Path dir;
    Path csv;
    Path model;

    @BeforeEach
    void trainATabularModel() throws Exception {
        csv = CommandRun.clusters(dir, 60);
        model = dir.resolve("m.safetensors");
        CommandRun.of("train", "--data", csv.toString(), "--epochs", "1", "--out", model.toString()).ok();
    }

    @Test
    void evaluatingOnDataOfAnotherShapeNamesBothShapes() throws Exception {
        Path sample = CommandRun.sampleDir(dir);
        CommandRun.of("eval", model.toString(), "--data", sample.toString(), "--limit", "10")
                .fails(1, "(4)", "(1, 28, 28)");
    }

    @Test
    void predictingRowsOfTheWrongWidthNamesExpectedAndGot() throws Exception {
        Path wide = dir.resolve("wide.csv");
        Files.writeString(wide, "a,b,c,d,e\n1,2,3,4,5\n");
        CommandRun.of("predict", model.toString(), wide.toString()).fails(1, "4 features", "5 features");
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "a,b,c,d\n1,2,x,4\n");
        CommandRun.of("predict", model.toString(), bad.toString()).fails(1, "line 2", "'x'");
        CommandRun.of("predict", model.toString(), dir.resolve("none.csv").toString()).fails(1, "no such input file");
    }

    @Test
    void aCorruptModelFileIsOneLine() throws Exception {
        Path corrupt = dir.resolve("corrupt.safetensors");
        Files.write(corrupt, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        CommandRun.of("eval", corrupt.toString(), "--data", csv.toString()).fails(1, corrupt.toString());
        byte[] good = Files.readAllBytes(model);
        Files.write(corrupt, java.util.Arrays.copyOf(good, good.length / 2));
        CommandRun.of("predict", corrupt.toString(), csv.toString()).fails(1, corrupt.toString());
    }

    @Test
    void badTopIsAUsageError() {
        CommandRun.of("predict", model.toString(), csv.toString(), "--top", "0").fails(2, "--top", "0");
    }
}
