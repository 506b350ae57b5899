package dev.isthmus.cli;

import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.infer.InferencePlan;
import dev.isthmus.nn.infer.QuantizeOptions;
import dev.isthmus.nn.quant.Calibration;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code isthmus quantize}: a saved model as an int8 inference plan file, with what int8 cost in error and gained in size and speed. */
@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Quantize a saved model to an int8 inference plan and report what it cost.",
                "Compiles the model, quantizes its products to int8 (post-training: weights per output channel, "
                        + "activations from calibration on training examples normalized as in training, or per call "
                        + "in dynamic mode), writes the int8 plan to FILE, and compares it with the fp32 plan on the "
                        + "test set: per-layer SQNR and errors, plan file sizes, top-1 accuracy, and batch-1 latency "
                        + "(p50, one caller). Load the file with InferencePlan.load."})
final class QuantizeCommand implements Callable<Integer> {
    static final int DEFAULT_CALIBRATION_SAMPLES = 1000;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model file written by isthmus train or demo.")
    Path modelFile;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the int8 plan.")
    Path out;

    @Option(names = "--mode", defaultValue = "static", paramLabel = "static|dynamic",
            description = "static: activation ranges from calibration, int8 between layers; dynamic: each product "
                    + "quantizes its input per call, no calibration (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--calibration", paramLabel = "minmax|percentile[:P]|mse",
            description = "How static mode turns the observed activations into int8 ranges; percentile alone is "
                    + "percentile:" + Calibration.DEFAULT_PERCENTILE + " (default: mse).")
    String calibration;

    @Option(names = "--calibration-samples", paramLabel = "N",
            description = "The first N training examples calibrate static mode (default: "
                    + DEFAULT_CALIBRATION_SAMPLES + ", or the whole training set when smaller).")
    Integer calibrationSamples;

    @Option(names = "--all-int8", description = "Quantize every product, also those kept fp32 otherwise because "
            + "int8 measured slower there: fewer than " + QuantizeOptions.MIN_INT8_WEIGHTS + " weights, or convolutions "
            + "with " + QuantizeOptions.FP32_FROM_BATCH + " or more output pixels.")
    boolean allInt8;

    @Option(names = "--data", paramLabel = "fashion-mnist|DIR|FILE.csv",
            description = "The data to calibrate and test on (default: $" + DataSource.ENV + ", else fashion-mnist).")
    String data;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of a CSV file's train/test split; use train's (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--test-samples", paramLabel = "N", description = "Compare on only the first N test examples (default: all).")
    Integer testSamples;

    @Option(names = "--seconds", defaultValue = "1.0", paramLabel = "S",
            description = "Latency measuring time per plan, after a warm-up (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        QuantizeOptions options = options();
        if (calibrationSamples != null && calibrationSamples < 1) {
            throw new UsageError("--calibration-samples must be >= 1, got " + calibrationSamples);
        }
        if (testSamples != null && testSamples < 1) {
            throw new UsageError("--test-samples must be >= 1, got " + testSamples);
        }
        if (!(seconds > 0 && seconds <= 600)) {
            throw new UsageError("--seconds must be > 0 and at most 600, got " + seconds);
        }
        if (out.toAbsolutePath().normalize().equals(modelFile.toAbsolutePath().normalize())) {
            throw new UsageError("--out " + out + " is the model file itself; name another file for the int8 plan");
        }
        checkWritable(out);
        TrainedModel trained = TrainedModel.load(modelFile);
        DataSource source = DataSource.resolve(data, seed);
        Dataset train = source.train();
        int calibrate = calibrationSamples == null ? Math.min(DEFAULT_CALIBRATION_SAMPLES, train.size()) : calibrationSamples;
        if (calibrate > train.size()) {
            throw new UsageError("--calibration-samples " + calibrate + " is more than the " + train.size()
                    + " training examples of " + source.description());
        }
        Dataset test = source.test();
        if (testSamples != null && testSamples < test.size()) {
            test = test.subset(Training.firstIndices(testSamples));
        }
        trained.checkFeatures(test.featureShape());
        InferencePlan fp32 = trained.model().compile();

        PrintWriter stdout = spec.commandLine().getOut();
        if (!json) {
            TrainCommand.describeData(source, stdout);
            stdout.println("model: " + modelFile + " (trained on " + trained.data() + ")");
            stdout.printf(Locale.ROOT, "quantizing, comparing on %,d test examples, timing each plan for %.1f s...%n",
                    test.size(), seconds);
            stdout.flush();
        }
        QuantizationRun run = QuantizationRun.run(trained, fp32, train, test, options, calibrate, out, seconds);
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", modelFile.toString());
            m.put("data", source.description());
            m.put("sample", source.sample());
            m.put("plan", run.quantization().plan().describe().lines().toList());
            m.putAll(run.toJson());
            m.put("latency_seconds", seconds);
            m.put("machine", InferenceBench.machine());
            stdout.println(Json.write(m));
        } else {
            stdout.println();
            stdout.print(run.quantization().plan().describe());
            stdout.print(run.text());
        }
        stdout.flush();
        return 0;
    }

    private QuantizeOptions options() {
        QuantizeOptions o = switch (mode.strip().toLowerCase(Locale.ROOT)) {
            case "static" -> QuantizeOptions.DEFAULT;
            case "dynamic" -> QuantizeOptions.dynamic();
            default -> throw new UsageError("unknown mode '" + mode + "': expected static or dynamic");
        };
        if (o.mode() == QuantizeOptions.Mode.DYNAMIC && (calibration != null || calibrationSamples != null)) {
            throw new UsageError("--mode dynamic takes no calibration; drop --calibration and --calibration-samples");
        }
        if (calibration != null) {
            try {
                o = o.withCalibration(Calibration.parse(calibration));
            } catch (IllegalArgumentException e) {
                throw new UsageError("--calibration: " + e.getMessage());
            }
        }
        return allInt8 ? o.withLayers(QuantizeOptions.Layers.ALL_INT8) : o;
    }

    /**
     * Fails before the slow part when the plan could not be written: a directory, or a place whose
     * directory cannot be made or written. Creates the missing directories, as train does for its model.
     */
    static void checkWritable(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new FileSystemException(file.toString(), null, "--out is a directory; expected a file name such as "
                    + file.resolve("model.int8.plan"));
        }
        Path dir = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new FileSystemException(file.toString(), null, "--out: cannot create its directory " + dir + " ("
                    + e.getClass().getSimpleName() + ")");
        }
        if (!Files.isWritable(dir)) {
            throw new AccessDeniedException(file.toString(), null, "--out: its directory " + dir + " is not writable");
        }
    }
}
