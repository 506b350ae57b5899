package dev.isthmus.kernels;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.management.ObjectName;

/** The processor as this JVM sees it, for reports and benchmark machine lines. */
public final class Cpu {
    /** HotSpot feature names that matter to numeric kernels. */
    private static final Pattern SIMD = Pattern.compile("sse.*|avx.*|fma.*|f16c|.*vnni.*|.*bf16.*|.*fp16.*|amx.*");

    private Cpu() {}

    /** The model name from {@code /proc/cpuinfo}, or the architecture where there is none. */
    public static String model() {
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst()
                    .orElse(System.getProperty("os.arch"));
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch");
        }
    }

    /**
     * The SIMD features HotSpot detected (the "CPU:" line of {@code VM.info}), which is what C2 and
     * the Vector API may use; this can be less than the OS lists, for example under -XX:UseAVX=2.
     * Empty when the JVM does not report them.
     */
    public static List<String> simdFeatures() {
        List<String> features = new ArrayList<>();
        try {
            String vmInfo = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmInfo",
                    new Object[] {null}, new String[] {String[].class.getName()});
            for (String line : vmInfo.split("\n")) {
                if (line.startsWith("CPU:")) {
                    for (String token : line.split(",")) {
                        String f = token.trim();
                        if (SIMD.matcher(f).matches()) {
                            features.add(f);
                        }
                    }
                    break;
                }
            }
        } catch (Exception | LinkageError e) {
            return List.of();
        }
        return List.copyOf(features);
    }
}
