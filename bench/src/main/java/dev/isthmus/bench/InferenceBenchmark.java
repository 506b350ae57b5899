package dev.isthmus.bench;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Tensor;
import dev.isthmus.nn.infer.InferencePlan;
import dev.isthmus.nn.infer.PlanOptions;
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
 * Inference of the two Fashion-MNIST models of issue 4 (MLP 784-256-128-10; CNN conv32-BN-ReLU-pool,
 * conv64-BN-ReLU-pool, dense 128, dense 10): the compiled {@link InferencePlan} ({@code plan}, with
 * {@code kernel} AUTO or VECTOR) against the uncompiled model's {@code Sequential.predict}
 * ({@code model}, the baseline), per call on {@code batch} images. Time per image = median / batch.
 * {@code threads} sizes the pool (and OpenBLAS); a call is made by one thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class InferenceBenchmark {
    @Param({"mlp", "cnn"})
    String model;

    @Param({"1", "64", "1024"})
    int batch;

    @Param({"1", "2"})
    int threads;

    @Param({"auto"})
    String kernel;

    @Param({"COOPERLAKE"})
    String coretype;

    Sequential uncompiled;
    InferencePlan plan;
    float[] images;
    Tensor input;
    float[] output;

    public static String baseline(String method) {
        return "model";
    }

    public static long flops(Map<String, String> params) {
        return Long.parseLong(params.get("batch")) * TrainingBenchmark.build(params.get("model"), Backend.VECTOR).flops();
    }

    @Setup
    public void setup() {
        ForkSetup.pin(coretype, threads);
        uncompiled = model(model);
        plan = uncompiled.compile(PlanOptions.DEFAULT.withKernel(PlanOptions.Kernel.valueOf(kernel.toUpperCase())));
        System.out.println("# " + plan.describe().replace("\n", "\n# "));
        images = Inputs.uniform(batch * 784, 31);
        for (int i = 0; i < images.length; i++) {
            images[i] = Math.max(0, images[i]);
        }
        input = Tensor.of(images, batch, 1, 28, 28);
        output = new float[batch * 10];
        float[] expected = uncompiled.predict(input).data();
        plan.predict(images, 0, batch, output, 0);
        for (int i = 0; i < output.length; i++) {
            if (Math.abs(output[i] - expected[i]) > 1e-3f * (1 + Math.abs(expected[i]))) {
                throw new IllegalStateException("plan and model differ at " + i + ": " + output[i] + " vs " + expected[i]);
            }
        }
    }

    /** The model with batch-norm statistics away from the identity (as after training), so folding matters. */
    static Sequential model(String name) {
        Sequential m = TrainingBenchmark.build(name, Backend.AUTO);
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (var l : m.layers()) {
            if (l instanceof dev.isthmus.nn.layer.BatchNorm bn) {
                for (int j = 0; j < bn.gamma().value().length; j++) {
                    bn.gamma().value()[j] = (float) (0.5 + r.nextDouble());
                    bn.runningMean().value()[j] = (float) (r.nextDouble() - 0.5);
                    bn.runningVar().value()[j] = (float) (0.5 + r.nextDouble());
                }
            }
        }
        return m;
    }

    @Benchmark
    public float[] plan() {
        plan.predict(images, 0, batch, output, 0);
        return output;
    }

    @Benchmark
    public Tensor model() {
        return uncompiled.predict(input);
    }
}
