package dev.isthmus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {
    @TempDir
    Path dir;

    @Test
    void trainsOnACsvThenEvaluatesAndPredicts() throws Exception {
        Path csv = CommandRun.clusters(dir, 300);
        Path model = dir.resolve("m.safetensors");
        CommandRun train = CommandRun.of("train", "--data", csv.toString(), "--epochs", "4", "--lr", "0.01",
                "--out", model.toString(), "--json").ok();
        double trained = CommandRun.number(train.out(), "test_accuracy");
        assertTrue(trained > 0.9, train.out());
        assertTrue(train.out().contains("\"history\""), train.out());
        // progress goes to stderr with --json, so stdout stays one JSON object
        assertTrue(train.err().contains("epoch 4/4"), train.err());
        assertTrue(Files.size(model) > 0);

        CommandRun eval = CommandRun.of("eval", model.toString(), "--data", csv.toString(), "--json").ok();
        double accuracy = CommandRun.number(eval.out(), "accuracy");
        assertTrue(accuracy >= 0 && accuracy <= 1, eval.out());
        assertEquals(trained, accuracy, 1e-9, "eval must apply the saved normalization as train did");
        for (String key : new String[] {"\"loss\"", "\"macro_f1\"", "\"per_class\"", "\"confusion\""}) {
            assertTrue(eval.out().contains(key), key + " in " + eval.out());
        }
        CommandRun text = CommandRun.of("eval", model.toString(), "--data", csv.toString()).ok();
        assertTrue(text.out().contains("macro avg") && text.out().contains("precision"), text.out());

        // the CSV's label column is ignored; the first rows are classes 0, 1, 2
        CommandRun predict = CommandRun.of("predict", model.toString(), csv.toString(), "--top", "2").ok();
        String[] lines = predict.out().strip().split("\n");
        assertEquals(301, lines.length, predict.out());
        assertTrue(lines[1].matches("0\\s+0\\s+[01]\\.\\d{4}, [12] [01]\\.\\d{4}"), lines[1]);
        assertTrue(lines[2].matches("1\\s+1\\s.*"), lines[2]);
        CommandRun json = CommandRun.of("predict", model.toString(), csv.toString(), "--json").ok();
        assertTrue(json.out().contains("\"predictions\"") && json.out().contains("\"probability\""), json.out());
    }

    @Test
    void aCsvIsSplitEightyTwenty() throws Exception {
        DataSource source = DataSource.load(CommandRun.clusters(dir, 100).toString(), 1);
        assertEquals(80, source.train().size());
        assertEquals(20, source.test().size());
    }

    @Test
    void trainsTheMlpOnImagesAndPredictsIdxAndPng() throws Exception {
        Path sample = CommandRun.sampleDir(dir);
        Path model = dir.resolve("fashion.safetensors");
        CommandRun train = CommandRun.of("train", "--data", sample.toString(), "--limit", "600", "--epochs", "1",
                "--optimizer", "momentum", "--lr", "0.05", "--schedule", "one-cycle", "--warmup", "2",
                "--l2", "1e-4", "--dropout", "0.1", "--threads", "2", "--backend", "vector", "--out", model.toString()).ok();
        assertTrue(train.out().contains("data: IDX files in " + sample), train.out());
        assertTrue(train.out().contains("540 train / 60 validation"), train.out());
        assertTrue(train.out().contains("epoch 1/1"), train.out());
        assertTrue(train.out().contains("dropout"), train.out());
        assertTrue(train.out().matches("(?s).*test accuracy: 0\\.\\d{4}.*"), train.out());

        CommandRun idx = CommandRun.of("predict", model.toString(),
                sample.resolve("t10k-images-idx3-ubyte.gz").toString(), "--json").ok();
        assertEquals(1000, idx.out().split("\"index\"").length - 1);

        Path png = dir.resolve("shirt.png");
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(56, 56,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        image.getGraphics().fillRect(10, 10, 36, 40);
        javax.imageio.ImageIO.write(image, "png", png.toFile());
        CommandRun one = CommandRun.of("predict", model.toString(), png.toString(), "--top", "3").ok();
        assertEquals(2, one.out().strip().split("\n").length, one.out());
    }

    @Test
    void trainsTheCnnOnImages() throws Exception {
        Path sample = CommandRun.sampleDir(dir);
        CommandRun train = CommandRun.of("train", "--model", "cnn", "--data", sample.toString(), "--limit", "200",
                "--epochs", "1", "--no-standardize", "--validation-split", "0", "--out", dir.resolve("c.safetensors").toString()).ok();
        assertTrue(train.out().contains("conv2d") && train.out().contains("batch_norm"), train.out());
        assertTrue(train.out().contains("200 train / 0 validation"), train.out());
    }

    @Test
    void buildsAModelFromAJsonSpec() throws Exception {
        Path csv = CommandRun.clusters(dir, 150);
        Path spec = dir.resolve("spec.json");
        Files.writeString(spec, """
                {"layers": [{"type": "dense", "units": 16}, {"type": "leaky_relu", "alpha": 0.1},
                            {"type": "batch_norm"}, {"type": "dropout", "rate": 0.2},
                            {"type": "dense", "units": 3}]}""");
        CommandRun train = CommandRun.of("train", "--model", spec.toString(), "--data", csv.toString(), "--epochs", "1",
                "--out", dir.resolve("s.safetensors").toString()).ok();
        assertTrue(train.out().contains("leaky_relu") && train.out().contains("dropout"), train.out());

        Files.writeString(spec, "{\"layers\": [{\"type\": \"dense\", \"units\": 8}, {\"type\": \"swish\"}]}");
        CommandRun.of("train", "--model", spec.toString(), "--data", csv.toString()).fails(1, "layer 1", "swish");
        Files.writeString(spec, "{\"layers\": [{\"type\": \"dense\", \"units\": 3, \"bias\": false}]}");
        CommandRun.of("train", "--model", spec.toString(), "--data", csv.toString()).fails(1, "\"bias\"", "units");
        Files.writeString(spec, "{\"layers\": [{\"type\": \"dense\", \"units\": 8}]}");
        CommandRun.of("train", "--model", spec.toString(), "--data", csv.toString()).fails(1, "(8)", "3 classes");
        Files.writeString(spec, "{\"layers\": [");
        CommandRun.of("train", "--model", spec.toString(), "--data", csv.toString()).fails(1, "invalid JSON");
    }

    @Test
    void unknownNamesAreUsageErrorsListingTheChoices() throws Exception {
        Path csv = CommandRun.clusters(dir, 30);
        CommandRun.of("train", "--model", "resnet", "--data", csv.toString()).fails(2, "resnet", "mlp, cnn");
        CommandRun.of("train", "--optimizer", "adamax", "--data", csv.toString()).fails(2, "adamax", "nesterov", "adagrad");
        CommandRun.of("train", "--schedule", "linear", "--data", csv.toString()).fails(2, "linear", "one-cycle");
        CommandRun.of("train", "--backend", "gpu", "--data", csv.toString()).fails(2, "gpu", "vector, blas or auto");
        CommandRun.of("train", "--epochs", "0", "--data", csv.toString()).fails(2, "--epochs", "0");
        CommandRun.of("train", "--model", "cnn", "--data", csv.toString()).fails(2, "cnn", "(4)");
        CommandRun bad = CommandRun.of("train", "--epochs", "many");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("many"), bad.err());
    }

    @Test
    void missingFilesAreRuntimeErrorsNamingThem() throws Exception {
        Path missing = dir.resolve("nope.csv");
        CommandRun.of("train", "--data", missing.toString()).fails(1, missing.toString(), "no such data file");
        CommandRun.of("train", "--model", dir.resolve("nope.json").toString()).fails(1, "nope.json", "no such model spec");
        CommandRun.of("eval", dir.resolve("nope.safetensors").toString()).fails(1, "nope.safetensors", "no such model file");
        CommandRun.of("predict", dir.resolve("nope.safetensors").toString(), "x.csv").fails(1, "no such model file");
    }

    @Test
    void helpListsTheCommandsAndTheirOptions() {
        String root = CommandRun.of("--help").ok().out();
        for (String c : new String[] {"train", "eval", "predict", "demo"}) {
            assertTrue(root.contains(c), root);
        }
        String train = CommandRun.of("train", "--help").ok().out();
        for (String o : new String[] {"--optimizer", "--schedule", "--warmup", "--[no-]standardize", "--limit", "--json"}) {
            assertTrue(train.contains(o), o + " in\n" + train);
        }
        assertFalse(CommandRun.of("eval", "--help").ok().out().isEmpty());
        assertFalse(CommandRun.of("predict", "--help").ok().out().isEmpty());
        assertFalse(CommandRun.of("demo", "--help").ok().out().isEmpty());
    }
}
