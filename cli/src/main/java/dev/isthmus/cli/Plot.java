package dev.isthmus.cli;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Line charts written as PNG with the JDK's own 2-D graphics (headless, no dependency): one line
 * per series over x = 1..n (epochs), with axes, tick labels and a legend. The file is written
 * atomically (temporary file, then rename).
 */
final class Plot {
    private static final int WIDTH = 720;
    private static final int HEIGHT = 440;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd)};

    private Plot() {}

    /**
     * Draws each series (name -> y values at x = 1, 2, ...) as a line with points.
     *
     * @throws IllegalArgumentException when there is no series or a series has no finite value
     */
    static void lines(Path png, String title, String xLabel, String yLabel, LinkedHashMap<String, double[]> series)
            throws IOException {
        if (series == null || series.isEmpty()) {
            throw new IllegalArgumentException("plot " + png + ": no series to draw");
        }
        System.setProperty("java.awt.headless", "true");
        int n = 0;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            n = Math.max(n, e.getValue().length);
            for (double v : e.getValue()) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("plot " + png + ": the series have no finite values");
        }
        double pad = hi > lo ? (hi - lo) * 0.08 : Math.max(Math.abs(hi) * 0.1, 1e-3);
        lo -= pad;
        hi += pad;

        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            int plotW = WIDTH - LEFT - RIGHT;
            int plotH = HEIGHT - TOP - BOTTOM;
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            FontMetrics fm = g.getFontMetrics();

            // grid and y ticks
            for (int i = 0; i <= 5; i++) {
                double v = lo + (hi - lo) * i / 5;
                int y = TOP + plotH - (int) Math.round(plotH * (double) i / 5);
                g.setColor(new Color(0xe6e6e6));
                g.drawLine(LEFT, y, LEFT + plotW, y);
                g.setColor(Color.DARK_GRAY);
                String label = String.format(Locale.ROOT, "%.3g", v);
                g.drawString(label, LEFT - 6 - fm.stringWidth(label), y + fm.getAscent() / 2 - 1);
            }
            // x ticks at every epoch (or every k-th when there are many)
            int step = Math.max(1, (n + 9) / 10);
            for (int x = 1; x <= n; x += step) {
                int px = xPixel(x, n, plotW);
                g.setColor(Color.DARK_GRAY);
                g.drawLine(px, TOP + plotH, px, TOP + plotH + 4);
                String label = Integer.toString(x);
                g.drawString(label, px - fm.stringWidth(label) / 2, TOP + plotH + 6 + fm.getAscent());
            }
            g.setColor(Color.BLACK);
            g.drawRect(LEFT, TOP, plotW, plotH);
            g.drawString(xLabel, LEFT + plotW / 2 - fm.stringWidth(xLabel) / 2, HEIGHT - 10);
            Graphics2D rotated = (Graphics2D) g.create();
            rotated.rotate(-Math.PI / 2);
            rotated.drawString(yLabel, -(TOP + plotH / 2) - fm.stringWidth(yLabel) / 2, 16);
            rotated.dispose();
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.drawString(title, LEFT, TOP - 14);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));

            int s = 0;
            int legendY = TOP + 16;
            for (Map.Entry<String, double[]> e : series.entrySet()) {
                Color c = COLORS[s++ % COLORS.length];
                g.setColor(c);
                g.setStroke(new BasicStroke(2f));
                Path2D.Double line = new Path2D.Double();
                boolean started = false;
                double[] ys = e.getValue();
                for (int i = 0; i < ys.length; i++) {
                    if (!Double.isFinite(ys[i])) {
                        started = false;
                        continue;
                    }
                    double px = xPixel(i + 1, n, plotW);
                    double py = TOP + plotH - plotH * (ys[i] - lo) / (hi - lo);
                    if (started) {
                        line.lineTo(px, py);
                    } else {
                        line.moveTo(px, py);
                        started = true;
                    }
                    g.fillOval((int) px - 3, (int) py - 3, 7, 7);
                }
                g.draw(line);
                // legend, top right
                String name = e.getKey();
                int lx = LEFT + plotW - 12 - fm.stringWidth(name) - 26;
                g.drawLine(lx, legendY - 4, lx + 20, legendY - 4);
                g.setColor(Color.BLACK);
                g.drawString(name, lx + 26, legendY);
                legendY += fm.getHeight() + 2;
            }
        } finally {
            g.dispose();
        }
        Path parent = png.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, "." + png.getFileName(), ".tmp");
        try {
            if (!ImageIO.write(image, "png", tmp.toFile())) {
                throw new IOException("no PNG writer in this JDK");
            }
            Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static int xPixel(int x, int n, int plotW) {
        // one point sits in the middle; n points span the width with a margin
        return n <= 1 ? LEFT + plotW / 2 : LEFT + 20 + (int) Math.round((plotW - 40) * (x - 1) / (double) (n - 1));
    }
}
