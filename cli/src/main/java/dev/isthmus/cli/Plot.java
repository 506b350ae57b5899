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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Charts written as PNG with the JDK's own 2-D graphics (headless, no dependency): series of points
 * over a numeric x axis, joined by lines or not, with axes, tick labels, optional point labels and
 * a legend. {@link #lines} is the per-epoch form (x = 1..n). The file is written atomically
 * (temporary file, then rename).
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

    /**
     * One series: points (x[i], y[i]); a point whose x or y is not finite is skipped (and breaks the
     * line). {@code labels} (null for none) are drawn beside their points.
     */
    record Series(String name, double[] x, double[] y, String[] labels, boolean joined) {
        Series {
            if (x.length != y.length || (labels != null && labels.length != x.length)) {
                throw new IllegalArgumentException("plot series " + name + ": " + x.length + " x values, " + y.length
                        + " y values" + (labels == null ? "" : " and " + labels.length + " labels") + "; they must agree");
            }
        }

        /** Points joined by a line. */
        static Series line(String name, double[] x, double[] y) {
            return new Series(name, x, y, null, true);
        }

        /** Points alone, each with its label. */
        static Series points(String name, double[] x, double[] y, String[] labels) {
            return new Series(name, x, y, labels, false);
        }
    }

    private Plot() {}

    /**
     * Draws each series (name -> y values at x = 1, 2, ...) as a line with points, with whole-number x ticks.
     *
     * @throws IllegalArgumentException when there is no series or a series has no finite value
     */
    static void lines(Path png, String title, String xLabel, String yLabel, LinkedHashMap<String, double[]> series)
            throws IOException {
        if (series == null || series.isEmpty()) {
            throw new IllegalArgumentException("plot " + png + ": no series to draw");
        }
        List<Series> list = new ArrayList<>();
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            double[] x = new double[e.getValue().length];
            for (int i = 0; i < x.length; i++) {
                x[i] = i + 1;
            }
            list.add(Series.line(e.getKey(), x, e.getValue()));
        }
        draw(png, title, xLabel, yLabel, list, true);
    }

    /**
     * Draws the series over a numeric x axis (accuracy against latency, latency against sparsity).
     *
     * @throws IllegalArgumentException when there is no series or no point with finite x and y
     */
    static void xy(Path png, String title, String xLabel, String yLabel, List<Series> series) throws IOException {
        if (series == null || series.isEmpty()) {
            throw new IllegalArgumentException("plot " + png + ": no series to draw");
        }
        draw(png, title, xLabel, yLabel, series, false);
    }

    /** The low and high ends of an axis over these values, padded by 8% (or a little around a single value). */
    private static double[] range(List<Series> series, boolean ofX, Path png) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
                    double v = ofX ? s.x()[i] : s.y()[i];
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("plot " + png + ": the series have no finite values");
        }
        double pad = hi > lo ? (hi - lo) * 0.08 : Math.max(Math.abs(hi) * 0.1, 1e-3);
        return new double[] {lo - pad, hi + pad};
    }

    private static void draw(Path png, String title, String xLabel, String yLabel, List<Series> series,
                             boolean epochs) throws IOException {
        System.setProperty("java.awt.headless", "true");
        double[] yr = range(series, false, png);
        int n = 0;
        for (Series s : series) {
            n = Math.max(n, s.x().length);
        }
        // epochs: one point sits in the middle, n points span the width with a margin of 20 pixels
        double[] xr = epochs ? new double[] {n <= 1 ? 0 : 1, n <= 1 ? 2 : n} : range(series, true, png);
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        int margin = epochs && n > 1 ? 20 : 0;
        Axis xAxis = new Axis(xr[0], xr[1], LEFT + margin, plotW - 2 * margin);

        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            FontMetrics fm = g.getFontMetrics();

            // grid and y ticks
            for (int i = 0; i <= 5; i++) {
                double v = yr[0] + (yr[1] - yr[0]) * i / 5;
                int y = TOP + plotH - (int) Math.round(plotH * (double) i / 5);
                g.setColor(new Color(0xe6e6e6));
                g.drawLine(LEFT, y, LEFT + plotW, y);
                g.setColor(Color.DARK_GRAY);
                String label = String.format(Locale.ROOT, "%.3g", v);
                g.drawString(label, LEFT - 6 - fm.stringWidth(label), y + fm.getAscent() / 2 - 1);
            }
            // x ticks: every epoch (or every k-th when there are many), or six even steps
            List<Double> ticks = new ArrayList<>();
            if (epochs) {
                int step = Math.max(1, (n + 9) / 10);
                for (int x = 1; x <= n; x += step) {
                    ticks.add((double) x);
                }
            } else {
                for (int i = 0; i <= 5; i++) {
                    ticks.add(xr[0] + (xr[1] - xr[0]) * i / 5);
                }
            }
            for (double x : ticks) {
                int px = (int) Math.round(n <= 1 && epochs ? LEFT + plotW / 2.0 : xAxis.pixel(x));
                g.setColor(Color.DARK_GRAY);
                g.drawLine(px, TOP + plotH, px, TOP + plotH + 4);
                String label = epochs ? Integer.toString((int) x) : String.format(Locale.ROOT, "%.3g", x);
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

            // the legend goes in the corner where it covers the fewest points, on white
            int legendW = 0;
            for (Series s : series) {
                legendW = Math.max(legendW, fm.stringWidth(s.name()) + 38);
            }
            int legendH = series.size() * (fm.getHeight() + 2) + 8;
            int bestX = LEFT + plotW - legendW;
            int bestY = TOP;
            int fewest = Integer.MAX_VALUE;
            for (int corner = 0; corner < 4; corner++) {
                int cx = corner % 2 == 0 ? LEFT + plotW - legendW : LEFT;
                int cy = corner < 2 ? TOP : TOP + plotH - legendH;
                int covered = 0;
                for (Series s : series) {
                    for (int i = 0; i < s.x().length; i++) {
                        if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
                            double px = n <= 1 && epochs ? LEFT + plotW / 2.0 : xAxis.pixel(s.x()[i]);
                            double py = TOP + plotH - plotH * (s.y()[i] - yr[0]) / (yr[1] - yr[0]);
                            if (px >= cx - 8 && px <= cx + legendW + 8 && py >= cy - 8 && py <= cy + legendH + 8) {
                                covered++;
                            }
                        }
                    }
                }
                if (covered < fewest) {
                    fewest = covered;
                    bestX = cx;
                    bestY = cy;
                }
            }

            int index = 0;
            int legendY = bestY + 16;
            for (Series s : series) {
                Color c = COLORS[index++ % COLORS.length];
                g.setColor(c);
                g.setStroke(new BasicStroke(2f));
                Path2D.Double line = new Path2D.Double();
                boolean started = false;
                for (int i = 0; i < s.x().length; i++) {
                    if (!Double.isFinite(s.x()[i]) || !Double.isFinite(s.y()[i])) {
                        started = false;
                        continue;
                    }
                    double px = n <= 1 && epochs ? LEFT + plotW / 2.0 : xAxis.pixel(s.x()[i]);
                    double py = TOP + plotH - plotH * (s.y()[i] - yr[0]) / (yr[1] - yr[0]);
                    if (started) {
                        line.lineTo(px, py);
                    } else {
                        line.moveTo(px, py);
                        started = true;
                    }
                    g.fillOval((int) px - 3, (int) py - 3, 7, 7);
                    if (s.labels() != null && s.labels()[i] != null) {
                        g.setColor(Color.DARK_GRAY);
                        g.drawString(s.labels()[i], (int) px + 6, (int) py - 5);
                        g.setColor(c);
                    }
                }
                if (s.joined()) {
                    g.draw(line);
                }
                String name = s.name();
                int lx = bestX + 6;
                g.setColor(Color.WHITE);
                g.fillRect(lx - 2, legendY - fm.getAscent() - 1, legendW - 8, fm.getHeight() + 2);
                g.setColor(c);
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

    /** Maps values in [lo, hi] to pixels in [start, start + width]. */
    private record Axis(double lo, double hi, int start, int width) {
        double pixel(double v) {
            return start + width * (v - lo) / (hi - lo);
        }
    }
}
