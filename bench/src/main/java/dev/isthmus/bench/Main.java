package dev.isthmus.bench;

import dev.isthmus.blas.Blas;
import dev.isthmus.kernels.Cpu;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs JMH with its usual command-line options, then prints a Markdown table for
 * {@code bench/RESULTS.md}: the machine line, and per benchmark the median of the measurement
 * iterations, GFLOPS where the benchmark class declares {@code static long flops(Map)}, GB/s where
 * it declares {@code static long bytes(Map)} (bytes moved per call), and the ratio to the baseline
 * named by its {@code static String baseline(String method)}.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws RunnerException, java.io.IOException {
        CommandLineOptions options;
        try {
            options = new CommandLineOptions(args);
        } catch (CommandLineOptionException e) {
            System.err.println("jmh: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (options.shouldHelp() || options.shouldList() || options.shouldListWithParams()
                || options.shouldListProfilers() || options.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(args.clone());
            return;
        }
        Collection<RunResult> results = new Runner(options).run();
        System.out.println();
        System.out.println(machineLine());
        System.out.println();
        System.out.print(table(results));
    }

    static String machineLine() {
        String blas = Blas.available()
                ? Blas.config().trim() + "; core pinned per fork (coretype column)"
                : "OpenBLAS not available";
        return "Machine: " + Cpu.model() + ", " + Runtime.getRuntime().availableProcessors() + " cores; JDK "
                + Runtime.version() + "; " + blas;
    }

    private record Row(String benchClass, String method, Map<String, String> params, double median, String unit,
                       double error) {}

    static String table(Collection<RunResult> results) {
        List<Row> rows = new ArrayList<>();
        for (RunResult r : results) {
            BenchmarkParams p = r.getParams();
            String full = p.getBenchmark();
            int dot = full.lastIndexOf('.');
            Map<String, String> params = new LinkedHashMap<>();
            for (String key : p.getParamsKeys()) {
                params.put(key, p.getParam(key));
            }
            var stats = r.getPrimaryResult().getStatistics();
            rows.add(new Row(full.substring(0, dot), full.substring(dot + 1), params, stats.getPercentile(50),
                    r.getPrimaryResult().getScoreUnit(), stats.getN() > 2 ? stats.getMeanErrorAt(0.999) : Double.NaN));
        }
        StringBuilder out = new StringBuilder();
        out.append("| benchmark | params | median | ±99.9% | GFLOPS | GB/s | vs baseline |\n");
        out.append("|---|---|---:|---:|---:|---:|---|\n");
        for (Row row : rows) {
            Class<?> type = load(row.benchClass);
            String gflops = "";
            Long flops = (Long) invokeStatic(type, "flops", Map.class, row.params);
            double seconds = toSeconds(row.median, row.unit);
            if (flops != null && seconds > 0) {
                gflops = String.format(Locale.ROOT, "%.1f", flops / seconds / 1e9);
            }
            String gbs = "";
            Long bytes = (Long) invokeStatic(type, "bytes", Map.class, row.params);
            if (bytes != null && seconds > 0) {
                gbs = String.format(Locale.ROOT, "%.1f", bytes / seconds / 1e9);
            }
            String ratio = "";
            String baseline = (String) invokeStatic(type, "baseline", String.class, row.method);
            if (baseline != null && !baseline.equals(row.method)) {
                for (Row other : rows) {
                    if (other.benchClass.equals(row.benchClass) && other.method.equals(baseline)
                            && other.params.equals(row.params)) {
                        ratio = String.format(Locale.ROOT, "%.2fx the speed of %s", other.median / row.median, baseline);
                    }
                }
            }
            String error = Double.isNaN(row.error) ? "" : String.format(Locale.ROOT, "%.2g", row.error);
            out.append(String.format(Locale.ROOT, "| %s.%s | %s | %.4g %s | %s | %s | %s | %s |%n",
                    type == null ? row.benchClass : type.getSimpleName(), row.method, row.params, row.median, row.unit,
                    error, gflops, gbs, ratio));
        }
        return out.toString();
    }

    private static double toSeconds(double value, String unit) {
        String perOp = unit.endsWith("/op") ? unit.substring(0, unit.length() - 3) : "";
        for (TimeUnit u : TimeUnit.values()) {
            if (perOp.equals(shortName(u))) {
                return value * u.toNanos(1) / 1e9;
            }
        }
        return -1;
    }

    private static String shortName(TimeUnit u) {
        return switch (u) {
            case NANOSECONDS -> "ns";
            case MICROSECONDS -> "us";
            case MILLISECONDS -> "ms";
            case SECONDS -> "s";
            case MINUTES -> "min";
            case HOURS -> "hr";
            case DAYS -> "day";
        };
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    private static Object invokeStatic(Class<?> type, String name, Class<?> argType, Object arg) {
        if (type == null) {
            return null;
        }
        try {
            Method m = type.getMethod(name, argType);
            return m.invoke(null, arg);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
