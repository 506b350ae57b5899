package dev.isthmus.bench;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.infer.InferencePlan;
import dev.isthmus.nn.infer.PlanOptions;
import dev.isthmus.nn.prune.MagnitudePruning;
import dev.isthmus.nn.prune.SparsitySchedule;
import dev.isthmus.nn.structure.StructuredPruning;
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
 * What pruning buys at inference: compiled plans of the Fashion-MNIST mlp (784-256-128-10) on
 * {@code batch} images, one thread. {@code original} (the baseline) is the unpruned plan;
 * {@code structured} the plan of the model with the fraction {@code removed} of each hidden layer's
 * neurons taken out ({@link StructuredPruning}); {@code sparse} the plan of the model with the
 * fraction {@code sparsity} of its weights zeroed by global magnitude ({@link MagnitudePruning}),
 * compiled as AUTO chooses, and {@code sparseOnDense} / {@code sparseOnSparse} the same weights with
 * the sparse kernel refused / forced. The two last give the crossover sparsity of the plan.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class PrunedInferenceBenchmark {
    @Param({"1"})
    int batch;

    @Param({"0.5"})
    double removed;

    @Param({"0.9"})
    double sparsity;

    @Param({"COOPERLAKE"})
    String coretype;

    InferencePlan original;
    InferencePlan structured;
    InferencePlan sparse;
    InferencePlan sparseOnDense;
    InferencePlan sparseOnSparse;
    float[] images;
    float[] output;

    public static String baseline(String method) {
        return "original";
    }

    @Setup
    public void setup() {
        ForkSetup.pin(coretype, 1);
        Sequential mlp = TrainingBenchmark.build("mlp", Backend.AUTO);
        original = mlp.compile();
        structured = StructuredPruning.prune(mlp, removed, StructuredPruning.Criterion.WEIGHT_NORM).model().compile();
        Sequential thinned = TrainingBenchmark.build("mlp", Backend.AUTO);
        MagnitudePruning.builder(thinned).schedule(SparsitySchedule.constant(sparsity)).build().pruneTo(sparsity);
        sparse = thinned.compile();
        sparseOnDense = thinned.compile(PlanOptions.DEFAULT.withSparse(PlanOptions.Sparse.NEVER));
        sparseOnSparse = thinned.compile(PlanOptions.DEFAULT.withSparse(PlanOptions.Sparse.ALWAYS));
        System.out.println("# structured: " + structured.describe().replace("\n", "\n#   "));
        System.out.println("# sparse (auto): " + sparse.describe().replace("\n", "\n#   "));
        images = Inputs.uniform(batch * 784, 31);
        output = new float[batch * 10];
        // the forced and refused sparse kernels agree with each other on the same weights
        float[] a = new float[output.length];
        float[] b = new float[output.length];
        sparseOnDense.predict(images, 0, batch, a, 0);
        sparseOnSparse.predict(images, 0, batch, b, 0);
        for (int i = 0; i < a.length; i++) {
            if (Math.abs(a[i] - b[i]) > 1e-3f * (1 + Math.abs(a[i]))) {
                throw new IllegalStateException("sparse and dense kernels differ at " + i + ": " + b[i] + " vs " + a[i]);
            }
        }
    }

    @Benchmark
    public float[] original() {
        original.predict(images, 0, batch, output, 0);
        return output;
    }

    @Benchmark
    public float[] structured() {
        structured.predict(images, 0, batch, output, 0);
        return output;
    }

    @Benchmark
    public float[] sparse() {
        sparse.predict(images, 0, batch, output, 0);
        return output;
    }

    @Benchmark
    public float[] sparseOnDense() {
        sparseOnDense.predict(images, 0, batch, output, 0);
        return output;
    }

    @Benchmark
    public float[] sparseOnSparse() {
        sparseOnSparse.predict(images, 0, batch, output, 0);
        return output;
    }
}
