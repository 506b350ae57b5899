package dev.isthmus.bench;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.infer.InferencePlan;
import dev.isthmus.nn.infer.QuantizeOptions;
import dev.isthmus.nn.infer.Quantization;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The int8 plan ({@code int8}: static quantization, {@code layers} MEASURED keeps small products in
 * fp32, ALL_INT8 forces every product) against the fp32 plan it came from ({@code fp32}, the
 * baseline), per call on {@code batch} images: the MLP 784-256-128-10 (fp32 weights 0.9 MB, inside
 * the 2 MB L2), a large MLP 784-1024-1024-10 (7.4 MB fp32, 1.9 MB int8) and the CNN of issue 4.
 * Calibration: 512 random images; speed does not depend on what the weights have learned.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class QuantizedInferenceBenchmark {
    @Param({"mlp", "mlp-large", "cnn"})
    String model;

    @Param({"1", "64", "1024"})
    int batch;

    @Param({"1"})
    int threads;

    @Param({"MEASURED"})
    String layers;

    @Param({"COOPERLAKE"})
    String coretype;

    InferencePlan fp32;
    InferencePlan int8;
    float[] images;
    float[] output;

    public static String baseline(String method) {
        return "fp32";
    }

    public static long flops(Map<String, String> params) {
        return Long.parseLong(params.get("batch")) * build(params.get("model")).flops();
    }

    static Sequential build(String name) {
        if (name.equals("mlp-large")) {
            return Sequential.builder(1, 28, 28).seed(1).dense(1024).relu().dense(1024).relu().dense(10).build();
        }
        return InferenceBenchmark.model(name);
    }

    @Setup
    public void setup() {
        ForkSetup.pin(coretype, threads);
        fp32 = build(model).compile();
        int calibration = 512;
        float[] calib = Inputs.uniform(calibration * 784, 7);
        for (int i = 0; i < calib.length; i++) {
            calib[i] = Math.max(0, calib[i]);
        }
        Quantization q = fp32.quantize(calib, calibration,
                QuantizeOptions.DEFAULT.withLayers(QuantizeOptions.Layers.valueOf(layers)));
        int8 = q.plan();
        System.out.println("# " + int8.describe().replace("\n", "\n# "));
        images = Inputs.uniform(batch * 784, 31);
        for (int i = 0; i < images.length; i++) {
            images[i] = Math.max(0, images[i]);
        }
        output = new float[batch * 10];
        // the int8 plan must agree with fp32 on most classes, or it is timing the wrong thing
        float[] a = new float[batch * 10];
        fp32.predict(images, 0, batch, a, 0);
        int8.predict(images, 0, batch, output, 0);
        int same = 0;
        for (int r = 0; r < batch; r++) {
            same += argmax(a, r) == argmax(output, r) ? 1 : 0;
        }
        if (same < 0.8 * batch) {
            throw new IllegalStateException("int8 and fp32 agree on only " + same + " of " + batch + " classes");
        }
    }

    private static int argmax(float[] y, int row) {
        int best = 0;
        for (int j = 1; j < 10; j++) {
            best = y[row * 10 + j] > y[row * 10 + best] ? j : best;
        }
        return best;
    }

    @Benchmark
    public float[] fp32() {
        fp32.predict(images, 0, batch, output, 0);
        return output;
    }

    @Benchmark
    public float[] int8() {
        int8.predict(images, 0, batch, output, 0);
        return output;
    }
}
