package dev.isthmus.nn.structure;

import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Tensor;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.optim.Sgd;
import dev.isthmus.nn.train.Trainer;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Seeded inputs, parameter snapshots and prediction comparisons for the structure tests. */
final class Models {
    private Models() {}

    /**
     * Gives every parameter and buffer seeded random values, so that a test sees batch norm scales,
     * shifts and running statistics that are not their defaults: values uniform in [-0.5, 0.5),
     * running variances in [0.5, 1.5).
     */
    static void randomize(Sequential model, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Parameter> all = new ArrayList<>(model.parameters());
        all.addAll(model.buffers());
        for (Parameter p : all) {
            float[] v = p.value();
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (p.name().equals("running_var") ? 0.5 + rng.nextDouble() : rng.nextDouble() - 0.5);
            }
        }
    }

    /** A batch of n samples of the model's input shape, uniform in [-1, 1). */
    static Tensor input(Sequential model, int n, long seed) {
        Tensor t = Tensor.zeros(n, model.inputShape());
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return t;
    }

    /** Copies of every parameter's and buffer's values, layer by layer. */
    static List<float[]> snapshot(Sequential model) {
        List<float[]> values = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            values.add(p.value().clone());
        }
        for (Parameter p : model.buffers()) {
            values.add(p.value().clone());
        }
        return values;
    }

    /** Asserts that the model's parameters and buffers hold exactly these values. */
    static void assertValues(List<float[]> expected, Sequential model) {
        List<float[]> actual = snapshot(model);
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "parameter or buffer " + i);
        }
    }

    /** Asserts that both models predict x alike: within {@code tolerance}, relative where an output exceeds 1. */
    static void assertSamePredictions(Sequential expected, Sequential actual, Tensor x, double tolerance) {
        float[] a = expected.predict(x).data();
        float[] b = actual.predict(x).data();
        assertEquals(a.length, b.length, "output sizes");
        for (int i = 0; i < a.length; i++) {
            double allowed = tolerance * Math.max(1, Math.abs(a[i]));
            assertTrue(Math.abs(a[i] - b[i]) <= allowed, "output " + i + ": " + a[i] + " vs " + b[i]);
        }
    }

    /**
     * Trains the model for {@code steps} SGD steps on one fixed seeded batch of 32 samples with labels
     * among its outputs, single-threaded; returns the loss of the first and of the last step.
     */
    static double[] train(Sequential model, int steps, double learningRate, long seed) {
        int rows = 32;
        Tensor x = input(model, rows, seed);
        int classes = model.outputShape().dim(0);
        int[] labels = new int[rows];
        SplittableRandom rng = new SplittableRandom(seed + 1);
        for (int i = 0; i < rows; i++) {
            labels[i] = rng.nextInt(classes);
        }
        Trainer trainer = Trainer.builder(model, new SparseCategoricalCrossEntropy(),
                new Sgd(model.parameters(), learningRate)).seed(seed).threads(1).build();
        double first = trainer.step(x.data(), labels, rows);
        double last = first;
        for (int s = 1; s < steps; s++) {
            last = trainer.step(x.data(), labels, rows);
        }
        return new double[] {first, last};
    }

    /** The call throws an IllegalArgumentException whose message contains every one of {@code parts}. */
    static void assertRejected(Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "message '" + e.getMessage() + "' lacks '" + part + "'");
        }
    }
}
