package dev.isthmus.bench;

import dev.isthmus.nn.infer.InferencePlan;
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
 * Batch-1 latency distribution of one compiled plan shared by all benchmark threads, as a service
 * calls it: run with {@code -t 2} for two concurrent callers (each with its own image and output
 * array) and read the p0.50 / p0.99 lines of JMH's sample-time output.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class InferenceLatencyBenchmark {

    /** The plan, shared by every caller thread. */
    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"mlp", "cnn"})
        String model;

        @Param({"2"})
        int threads;

        @Param({"COOPERLAKE"})
        String coretype;

        InferencePlan plan;

        @Setup
        public void setup() {
            ForkSetup.pin(coretype, threads);
            plan = InferenceBenchmark.model(model).compile();
        }
    }

    /** One caller's image and output. */
    @State(Scope.Thread)
    public static class Caller {
        float[] image;
        float[] output = new float[10];

        @Setup
        public void setup() {
            image = Inputs.uniform(784, (int) Thread.currentThread().threadId());
            for (int i = 0; i < image.length; i++) {
                image[i] = Math.max(0, image[i]);
            }
        }
    }

    public static String baseline(String method) {
        return null;
    }

    @Benchmark
    public float[] predict(Shared shared, Caller caller) {
        shared.plan.predict(caller.image, 0, 1, caller.output, 0);
        return caller.output;
    }
}
