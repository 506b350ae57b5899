package dev.isthmus.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlotTest {
    @TempDir
    Path dir;

    @Test
    void writesADecodablePngWithTheLinesDrawn() throws Exception {
        LinkedHashMap<String, double[]> series = new LinkedHashMap<>();
        series.put("train", new double[] {0.9, 0.5, 0.4, 0.35});
        series.put("validation", new double[] {0.8, 0.55, Double.NaN, 0.42});
        Path png = dir.resolve("sub/loss.png");
        Plot.lines(png, "Loss per epoch", "epoch", "loss", series);
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "decodes as an image");
        assertEquals(720, image.getWidth());
        assertEquals(440, image.getHeight());
        // the first series' colour appears: the line was drawn, not just the frame
        int blue = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == 0x1f77b4) {
                    blue++;
                }
            }
        }
        assertTrue(blue > 100, "pixels of the first line: " + blue);
        try (var files = Files.list(png.getParent())) {
            assertEquals(1, files.count(), "no temporary file left");
        }
    }

    @Test
    void refusesNothingToDraw() {
        LinkedHashMap<String, double[]> empty = new LinkedHashMap<>();
        assertThrows(IllegalArgumentException.class, () -> Plot.lines(dir.resolve("a.png"), "t", "x", "y", empty));
        LinkedHashMap<String, double[]> nan = new LinkedHashMap<>();
        nan.put("loss", new double[] {Double.NaN});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Plot.lines(dir.resolve("b.png"), "t", "x", "y", nan));
        assertTrue(e.getMessage().contains("finite"), e.getMessage());
    }

    @Test
    void xyPlotsPlacePointsByTheirValuesAndRefuseMismatchedSeries() throws Exception {
        Path png = dir.resolve("pareto.png");
        // two points far apart on x: the left one is drawn near the left edge, the right one near the right
        Plot.xy(png, "Accuracy against latency", "batch-1 latency (us)", "accuracy", java.util.List.of(
                Plot.Series.points("candidates", new double[] {5, 50}, new double[] {0.9, 0.8}, new String[] {"64", "512"}),
                Plot.Series.line("front", new double[] {20, 30}, new double[] {0.85, 0.86})));
        BufferedImage image = ImageIO.read(png.toFile());
        int leftBlue = 0;
        int rightBlue = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == 0x1f77b4) {
                    if (x < 150) {
                        leftBlue++;
                    } else if (x > 600 && y > 200) {
                        rightBlue++;
                    }
                }
            }
        }
        assertTrue(leftBlue > 10 && rightBlue > 10, "points at both ends: " + leftBlue + ", " + rightBlue);
        assertThrows(IllegalArgumentException.class, () -> Plot.Series.line("bad", new double[] {1, 2}, new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> Plot.xy(dir.resolve("c.png"), "t", "x", "y", java.util.List.of(
                Plot.Series.line("nan", new double[] {Double.NaN}, new double[] {1}))));
    }
}
