package dev.isthmus.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code isthmus} command. Exit codes: 0 success, 1 runtime error (one line naming the
 * problem), 2 usage error.
 */
@Command(name = "isthmus", mixinStandardHelpOptions = true, versionProvider = Isthmus.Version.class,
        description = "Neural networks on the CPU: Vector API kernels and OpenBLAS for Java 25.",
        subcommands = {InfoCommand.class, TrainCommand.class, EvalCommand.class, PredictCommand.class, BenchCommand.class,
                QuantizeCommand.class, PruneCommand.class, DistillCommand.class,
                SearchSizesCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class Isthmus implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs one command line with the given streams and returns its exit code; tests call this in-process. */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Isthmus());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            // a name that exists nowhere (a preset, an optimizer) is a usage error, found only once parsed
            int code = e instanceof UsageError ? 2 : 1;
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            commandLine.getErr().println("isthmus: " + message);
            commandLine.getErr().flush();
            return code;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        // No subcommand: show what there is, and fail as a usage error.
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Isthmus.class.getPackage().getImplementationVersion();
            return new String[] {"isthmus " + (v == null ? "development build" : v) + " on Java " + Runtime.version()};
        }
    }
}
