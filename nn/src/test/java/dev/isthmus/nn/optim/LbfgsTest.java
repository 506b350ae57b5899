package dev.isthmus.nn.optim;

import static dev.isthmus.nn.optim.OptimizerTest.rejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isthmus.kernels.CrossEntropy;
import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Init;
import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;
import dev.isthmus.nn.layer.Dense;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LbfgsTest {
    /** Rosenbrock's function {@code (1 - a)^2 + 100 (b - a^2)^2} of the parameter's two values, minimum 0 at (1, 1). */
    static Lbfgs.LossFunction rosenbrock(Parameter p) {
        return () -> {
            double a = p.value()[0];
            double b = p.value()[1];
            double valley = b - a * a;
            p.grad()[0] = (float) (-2 * (1 - a) - 400 * a * valley);
            p.grad()[1] = (float) (200 * valley);
            return (1 - a) * (1 - a) + 100 * valley * valley;
        };
    }

    @Test
    void minimizesRosenbrockFromTheClassicStart() {
        Parameter p = new Parameter("xy", Shape.of(2), new float[] {-1.2f, 1f});
        Lbfgs lbfgs = new Lbfgs(List.of(p));
        double loss = lbfgs.minimize(rosenbrock(p), 200, 1e-6);
        assertEquals(1, p.value()[0], 1e-4, "x after " + lbfgs.iterations() + " iterations, " + lbfgs.stopReason());
        assertEquals(1, p.value()[1], 1e-4, "y");
        assertTrue(loss < 1e-8, "loss " + loss);
        assertTrue(lbfgs.iterations() <= 60, "iterations " + lbfgs.iterations());
        assertTrue(lbfgs.evaluations() <= 100, "evaluations " + lbfgs.evaluations());
        assertEquals(loss, rosenbrock(p).evaluate(), "the parameters hold the point of the returned loss");
    }

    @Test
    void theSameStartGivesBitIdenticalResults() {
        Parameter p = new Parameter("xy", Shape.of(2), new float[] {-1.2f, 1f});
        Parameter q = new Parameter("xy", Shape.of(2), new float[] {-1.2f, 1f});
        double lp = new Lbfgs(List.of(p), 5).minimize(rosenbrock(p), 30, 0);
        double lq = new Lbfgs(List.of(q), 5).minimize(rosenbrock(q), 30, 0);
        assertEquals(lp, lq);
        assertArrayEquals(p.value(), q.value());
    }

    /** 0.5 * sum a_i (w_i - c_i)^2 over two parameters, so the flattening across parameters is exercised. */
    static Lbfgs.LossFunction quadratic(List<Parameter> params, double[] a, double[] c) {
        return () -> {
            double loss = 0;
            int k = 0;
            for (Parameter p : params) {
                for (int i = 0; i < p.size(); i++, k++) {
                    double d = p.value()[i] - c[k];
                    loss += 0.5 * a[k] * d * d;
                    p.grad()[i] = (float) (a[k] * d);
                }
            }
            return loss;
        };
    }

    @Test
    void convergesOnAnIllConditionedQuadraticAndHonoursL2() {
        int n = 50;
        double[] a = new double[n];
        double[] c = new double[n];
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            a[i] = Math.pow(100, i / (n - 1.0));
            c[i] = rng.nextDouble() * 2 - 1;
        }
        List<Parameter> params = List.of(new Parameter("w", Shape.of(37), new float[37]),
                new Parameter("b", Shape.of(13), new float[13]));
        params.get(1).regularize(0, 0.5f);
        Lbfgs lbfgs = new Lbfgs(params);
        lbfgs.minimize(quadratic(params, a, c), 200, 1e-5);
        assertEquals(Lbfgs.Stop.CONVERGED, lbfgs.stopReason());
        assertTrue(lbfgs.gradientNorm() <= 1e-5);
        assertTrue(lbfgs.iterations() <= 100, "iterations " + lbfgs.iterations());
        for (int k = 0; k < n; k++) {
            // the L2 penalty 0.25 w^2 moves the second parameter's minimum to a c / (a + 0.5)
            double expected = k < 37 ? c[k] : a[k] * c[k] / (a[k] + 0.5);
            float actual = k < 37 ? params.get(0).value()[k] : params.get(1).value()[k - 37];
            assertEquals(expected, actual, 1e-5, "value " + k);
        }
    }

    /** Two overlapping Gaussian classes in the plane, so the logistic loss has a finite minimum. */
    record Blobs(Tensor features, float[] labels) {
        static Blobs make(int n) {
            SplittableRandom rng = new SplittableRandom(42);
            float[] x = new float[2 * n];
            float[] y = new float[n];
            for (int i = 0; i < n; i++) {
                int label = i % 2;
                double shift = label == 1 ? 1 : -1;
                x[2 * i] = (float) (1.5 * shift + rng.nextGaussian());
                x[2 * i + 1] = (float) (0.5 * shift + 3 + rng.nextGaussian());
                y[i] = label;
            }
            return new Blobs(Tensor.of(x, n, 2), y);
        }

        /** Mean binary cross entropy of the layer's logits over the whole set, its gradients filled. */
        Lbfgs.LossFunction loss(Dense dense) {
            int n = labels.length;
            float[] grad = new float[n];
            return () -> {
                Tensor logits = dense.forward(features, Pass.training(0));
                double loss = CrossEntropy.binaryWithLogits(logits.data(), 0, labels, 0, n, grad, 0);
                dense.backward(Tensor.of(grad, n, 1), false);
                return loss;
            };
        }
    }

    @Test
    void fitsALogisticRegressionBetterThan200GradientDescentSteps() {
        Blobs data = Blobs.make(400);

        Dense descended = new Dense(2, 1, Init.ZEROS, Backend.VECTOR, 0);
        Lbfgs.LossFunction gdLoss = data.loss(descended);
        Sgd sgd = new Sgd(descended.parameters(), 0.5);
        for (int t = 0; t < 200; t++) {
            gdLoss.evaluate();
            sgd.step();
        }
        double afterDescent = gdLoss.evaluate();

        Dense fitted = new Dense(2, 1, Init.ZEROS, Backend.VECTOR, 0);
        Lbfgs lbfgs = new Lbfgs(fitted.parameters());
        double loss = lbfgs.minimize(data.loss(fitted), 100, 1e-5);

        assertTrue(loss < afterDescent, "L-BFGS " + loss + " vs gradient descent " + afterDescent);
        assertTrue(lbfgs.evaluations() <= 50, "evaluations " + lbfgs.evaluations() + " against 200 for descent");
        assertTrue(lbfgs.gradientNorm() <= 1e-4, "gradient norm " + lbfgs.gradientNorm() + ", " + lbfgs.stopReason());
    }

    @Test
    void stopsAtOnceOnANonFiniteStartAndEvaluatesOnceForZeroIterations() {
        Parameter p = new Parameter("w", Shape.of(1), new float[] {1f});
        Lbfgs lbfgs = new Lbfgs(List.of(p));
        assertTrue(Double.isNaN(lbfgs.minimize(() -> Double.NaN, 10, 0)));
        assertEquals(Lbfgs.Stop.NOT_FINITE, lbfgs.stopReason());
        assertEquals(1, lbfgs.evaluations());

        Parameter xy = new Parameter("xy", Shape.of(2), new float[] {-1.2f, 1f});
        Lbfgs other = new Lbfgs(List.of(xy));
        assertEquals(24.2, other.minimize(rosenbrock(xy), 0, 0), 1e-4);
        assertEquals(Lbfgs.Stop.MAX_ITERATIONS, other.stopReason());
        assertEquals(0, other.iterations());
        assertEquals(1, other.evaluations());
        assertArrayEquals(new float[] {-1.2f, 1f}, xy.value());
    }

    @Test
    void badArgumentsAreRejectedByName() {
        Parameter p = new Parameter("w", Shape.of(4), new float[4]);
        rejected(() -> new Lbfgs(List.of(p), 0), "lbfgs", "history", "got 0");
        rejected(() -> new Lbfgs(List.of()), "lbfgs", "at least one parameter");
        Lbfgs lbfgs = new Lbfgs(List.of(p));
        rejected(() -> lbfgs.minimize(null, 10, 0), "loss function is null");
        rejected(() -> lbfgs.minimize(() -> 0, -1, 0), "maxIterations", "-1");
        rejected(() -> lbfgs.minimize(() -> 0, 10, Double.NaN), "tolerance", "NaN");
        p.regularize(0.1f, 0);
        rejected(() -> lbfgs.minimize(() -> 0, 10, 0), "parameter 0", "w(4)", "L1 penalty 0.1");
    }
}
