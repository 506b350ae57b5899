package dev.isthmus.bench;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.optim.Adam;
import dev.isthmus.nn.train.Trainer;
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
 * Training throughput of the two Fashion-MNIST models of issue 4: one optimizer step (forward,
 * loss, backward, gradient sum across the worker threads, Adam) on a batch of 64 28x28 images.
 * Images per second = 64 / the time per step. {@code threads} sizes the pool and the data-parallel
 * split; {@code backend} the layers' matrix products.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TrainingBenchmark {
    static final int BATCH = 64;

    @Param({"mlp", "cnn"})
    String model;

    @Param({"1", "2"})
    int threads;

    @Param({"auto"})
    String backend;

    @Param({"COOPERLAKE"})
    String coretype;

    Trainer trainer;
    float[] images;
    int[] labels;

    public static String baseline(String method) {
        return null;
    }

    /** Forward FLOPs per step times three (forward, backward-data, backward-weights), for GFLOPS. */
    public static long flops(Map<String, String> params) {
        return 3L * BATCH * build(params.get("model"), Backend.VECTOR).flops();
    }

    static Sequential build(String name, Backend backend) {
        return switch (name) {
            case "mlp" -> Sequential.builder(1, 28, 28).seed(1).backend(backend)
                    .dense(256).relu().dense(128).relu().dense(10).build();
            case "cnn" -> Sequential.builder(1, 28, 28).seed(1).backend(backend)
                    .conv2d(32, 3, 1, 1).batchNorm().relu().maxPool2d(2)
                    .conv2d(64, 3, 1, 1).batchNorm().relu().maxPool2d(2)
                    .dense(128).relu().dense(10).build();
            default -> throw new IllegalArgumentException("model must be mlp or cnn, got " + name);
        };
    }

    @Setup
    public void setup() {
        ForkSetup.pin(coretype, threads);
        Sequential m = build(model, Backend.parse(backend));
        trainer = Trainer.builder(m, new SparseCategoricalCrossEntropy(), new Adam(m.parameters(), 1e-3))
                .threads(threads).build();
        images = Inputs.uniform(BATCH * 28 * 28, 21);
        for (int i = 0; i < images.length; i++) {
            images[i] = (images[i] + 1) / 2;
        }
        labels = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            labels[i] = (i * 7) % 10;
        }
        double first = trainer.step(images, labels, BATCH);
        if (!Double.isFinite(first)) {
            throw new IllegalStateException("training step gave loss " + first);
        }
    }

    @Benchmark
    public double step() {
        return trainer.step(images, labels, BATCH);
    }
}
