package dev.isthmus.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code isthmus info}: the JDK, vector width, CPU features, OpenBLAS and thread count in use. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print the JDK, vector species, CPU SIMD features, OpenBLAS, threads.")
final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() {
        Map<String, Object> info = SystemInfo.collect();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(info));
        } else {
            print(info, out, "");
        }
        out.flush();
        return 0;
    }

    private static void print(Map<?, ?> map, PrintWriter out, String indent) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> inner) {
                out.println(indent + e.getKey() + ":");
                print(inner, out, indent + "  ");
            } else if (e.getValue() instanceof List<?> list) {
                out.println(indent + e.getKey() + ": " + String.join(" ", list.stream().map(String::valueOf).toList()));
            } else {
                out.printf("%s%-12s %s%n", indent, e.getKey() + ":", e.getValue());
            }
        }
    }
}
