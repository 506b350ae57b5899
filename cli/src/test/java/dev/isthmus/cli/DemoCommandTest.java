package dev.isthmus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isthmus.nn.infer.InferencePlan;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesModelReportAndPlots() throws Exception {
        Path sample = CommandRun.sampleDir(dir);
        Path out = dir.resolve("demo");
        CommandRun demo = CommandRun.of("demo", "--data", sample.toString(), "--epochs", "1", "--out", out.toString()).ok();
        assertTrue(demo.out().strip().matches("(?s).*\ninference \\(compiled plan\\): batch 1 p50 .*"
                + "\nint8: accuracy \\d+\\.\\d\\d% \\(fp32 \\d+\\.\\d\\d%\\), file 0\\.2\\dx, batch-1 latency "
                + "\\d+\\.\\d\\dx fp32\ntest accuracy: 0\\.\\d{4}"), demo.out());
        String report = Files.readString(out.resolve("report.txt"));
        for (String part : new String[] {"data: IDX files", "total:", "history:", "images/s", "macro avg",
                "inference speed", "plan vs model", "test images", "int8 quantization", "SQNR dB",
                "decisions: 2 of 3 products int8", "batch-1 latency p50: fp32"}) {
            assertTrue(report.contains(part), part + " missing in\n" + report);
        }
        assertTrue(Files.size(out.resolve(DemoCommand.MODEL_FILE)) > 0);
        assertEquals(10, InferencePlan.load(out.resolve(DemoCommand.INT8_PLAN_FILE)).predict(new float[784]).length);
        for (String png : new String[] {"loss.png", "accuracy.png"}) {
            BufferedImage image = ImageIO.read(out.resolve(png).toFile());
            assertNotNull(image, png);
            assertTrue(image.getWidth() > 100, png + " width " + image.getWidth());
        }
        CommandRun.of("eval", out.resolve(DemoCommand.MODEL_FILE).toString(), "--data", sample.toString(), "--json").ok();
    }
}
