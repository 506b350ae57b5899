package dev.isthmus.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Shape;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class OptimizerTest {
    /** 37 values cover whole vectors and a scalar tail at every vector width; 3 is all tail. */
    static final int[] SIZES = {37, 3};

    /** A weight with a zero and a subnormal among its values (so sign(w) meets both), and a bias. */
    static List<Parameter> parameters(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Parameter> params = new ArrayList<>();
        for (int size : SIZES) {
            float[] w = new float[size];
            for (int i = 0; i < size; i++) {
                w[i] = (float) (rng.nextDouble() * 2 - 1);
            }
            params.add(new Parameter(params.isEmpty() ? "weight" : "bias", Shape.of(size), w));
        }
        params.get(0).value()[5] = 0f;
        params.get(0).value()[20] = Float.MIN_VALUE;
        return params;
    }

    /** The gradient of step t (from 0): the same for every run, so runs can be compared. */
    static void fillGradients(List<Parameter> params, int t) {
        SplittableRandom rng = new SplittableRandom(1000 + t);
        for (Parameter p : params) {
            float[] g = p.grad();
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) (rng.nextDouble() * 2 - 1);
            }
        }
    }

    // ---- double-precision references of the published update rules, one element at a time ----

    /** One element's update at step t (from 1), given its penalized gradient; state is per element. */
    interface Rule {
        double update(double w, double g, double[] state, int t);
    }

    static Rule sgd(double lr) {
        return (w, g, st, t) -> w - lr * g;
    }

    /** Heavy-ball momentum as PyTorch writes it (dampening 0): v = mu v + g, w -= lr v. */
    static Rule momentum(double lr, double mu) {
        return (w, g, st, t) -> {
            st[0] = mu * st[0] + g;
            return w - lr * st[0];
        };
    }

    /** Nesterov momentum, Sutskever et al.'s form without look-ahead weights: v = mu v + g, w -= lr (g + mu v). */
    static Rule nesterov(double lr, double mu) {
        return (w, g, st, t) -> {
            st[0] = mu * st[0] + g;
            return w - lr * (g + mu * st[0]);
        };
    }

    static Rule adagrad(double lr, double eps) {
        return (w, g, st, t) -> {
            st[0] += g * g;
            return w - lr * g / (Math.sqrt(st[0]) + eps);
        };
    }

    static Rule rmsprop(double lr, double rho, double eps) {
        return (w, g, st, t) -> {
            st[0] = rho * st[0] + (1 - rho) * g * g;
            return w - lr * g / (Math.sqrt(st[0]) + eps);
        };
    }

    /** Adam with bias correction; decay > 0 makes it AdamW, shrinking w by lr * decay * w first. */
    static Rule adam(double lr, double b1, double b2, double eps, double decay) {
        return (w, g, st, t) -> {
            st[0] = b1 * st[0] + (1 - b1) * g;
            st[1] = b2 * st[1] + (1 - b2) * g * g;
            double mHat = st[0] / (1 - Math.pow(b1, t));
            double vHat = st[1] / (1 - Math.pow(b2, t));
            return w - lr * decay * w - lr * mHat / (Math.sqrt(vHat) + eps);
        };
    }

    /**
     * Runs the optimizer and the reference side by side for 5 steps, the weight carrying penalties
     * l1 and l2, and compares every value after every step.
     */
    static void matchesReference(Function<List<Parameter>, Optimizer> make, Rule rule, float l1, float l2) {
        List<Parameter> params = parameters(7);
        params.get(0).regularize(l1, l2);
        Optimizer opt = make.apply(params);
        double[][] w = new double[params.size()][];
        double[][][] state = new double[params.size()][][];
        for (int p = 0; p < params.size(); p++) {
            float[] v = params.get(p).value();
            w[p] = new double[v.length];
            state[p] = new double[v.length][2];
            for (int i = 0; i < v.length; i++) {
                w[p][i] = v[i];
            }
        }
        for (int t = 0; t < 5; t++) {
            fillGradients(params, t);
            float[][] gradsBefore = new float[params.size()][];
            for (int p = 0; p < params.size(); p++) {
                Parameter param = params.get(p);
                gradsBefore[p] = param.grad().clone();
                for (int i = 0; i < w[p].length; i++) {
                    double g = param.grad()[i] + param.l2() * w[p][i] + param.l1() * Math.signum(w[p][i]);
                    w[p][i] = rule.update(w[p][i], g, state[p][i], t + 1);
                }
            }
            opt.step();
            assertEquals(t + 1, opt.steps());
            for (int p = 0; p < params.size(); p++) {
                assertArrayEquals(gradsBefore[p], params.get(p).grad(), "a step leaves the gradient as it was");
                float[] v = params.get(p).value();
                for (int i = 0; i < v.length; i++) {
                    double tolerance = 2e-6 * Math.max(1, Math.abs(w[p][i]));
                    assertEquals(w[p][i], v[i], tolerance, opt.name() + " step " + (t + 1) + ", parameter " + p
                            + ", value " + i);
                }
            }
        }
    }

    static final float L1 = 0.01f;
    static final float L2 = 0.03f;

    @Test
    void sgdFollowsItsRule() {
        matchesReference(p -> new Sgd(p, 0.1), sgd(0.1), 0, 0);
        matchesReference(p -> new Sgd(p, 0.1), sgd(0.1), L1, L2);
    }

    @Test
    void momentumFollowsItsRule() {
        matchesReference(p -> new Sgd(p, 0.05, 0.9, false), momentum(0.05, 0.9), 0, 0);
        matchesReference(p -> new Sgd(p, 0.05, 0.9, false), momentum(0.05, 0.9), L1, L2);
    }

    @Test
    void nesterovFollowsItsRule() {
        matchesReference(p -> new Sgd(p, 0.05, 0.9, true), nesterov(0.05, 0.9), 0, 0);
        matchesReference(p -> new Sgd(p, 0.05, 0.9, true), nesterov(0.05, 0.9), L1, L2);
    }

    @Test
    void adaGradFollowsItsRule() {
        matchesReference(p -> new AdaGrad(p, 0.1), adagrad(0.1, 1e-10), 0, 0);
        matchesReference(p -> new AdaGrad(p, 0.1, 1e-3), adagrad(0.1, 1e-3), L1, L2);
    }

    @Test
    void rmsPropFollowsItsRule() {
        matchesReference(p -> new RmsProp(p, 0.01), rmsprop(0.01, 0.99, 1e-8), 0, 0);
        matchesReference(p -> new RmsProp(p, 0.01, 0.9, 1e-6), rmsprop(0.01, 0.9, 1e-6), L1, L2);
    }

    @Test
    void adamFollowsItsRuleWithBiasCorrection() {
        matchesReference(p -> new Adam(p, 0.01), adam(0.01, 0.9, 0.999, 1e-8, 0), 0, 0);
        matchesReference(p -> new Adam(p, 0.02, 0.8, 0.99, 1e-6), adam(0.02, 0.8, 0.99, 1e-6, 0), L1, L2);
    }

    @Test
    void adamWDecaysDecoupledAndKeepsTheL2PenaltyInTheGradient() {
        matchesReference(p -> new AdamW(p, 0.01), adam(0.01, 0.9, 0.999, 1e-8, 0.01), 0, 0);
        matchesReference(p -> new AdamW(p, 0.02, 0.8, 0.99, 1e-6, 0.1), adam(0.02, 0.8, 0.99, 1e-6, 0.1), L1, L2);
    }

    @Test
    void l1PenaltyAddsExactlyTheSignOfEachValue() {
        // with lr 1 and a zero gradient a step subtracts exactly l1 * sign(w): zeros stay, subnormals count
        float[] w = {3f, -2f, 0f, -0f, Float.MIN_VALUE, -1e-40f, 1e30f, -Float.MAX_VALUE, 0.1f};
        float[] expected = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            expected[i] = w[i] - 0.25f * Math.signum(w[i]);
        }
        Parameter p = new Parameter("w", Shape.of(w.length), w);
        p.regularize(0.25f, 0f);
        new Sgd(List.of(p), 1).step();
        for (int i = 0; i < w.length; i++) {
            // delta 0 is exact equality that does not tell 0 from -0, whose sign is immaterial here
            assertEquals(expected[i], p.value()[i], 0f, "value " + i);
        }
    }

    @Test
    void l2PenaltyAddsTheValueTimesL2() {
        float[] w = {3f, -2f, 0f, 0.5f};
        Parameter p = new Parameter("w", Shape.of(w.length), w);
        p.regularize(0f, 0.5f);
        new Sgd(List.of(p), 0.5).step();
        assertArrayEquals(new float[] {2.25f, -1.5f, 0f, 0.375f}, p.value());
    }

    // ---- checkpoints ----

    static List<Function<List<Parameter>, Optimizer>> everyOptimizer() {
        return List.of(
                p -> new Sgd(p, 0.1),
                p -> new Sgd(p, 0.05, 0.9, false),
                p -> new Sgd(p, 0.05, 0.9, true),
                p -> new AdaGrad(p, 0.1),
                p -> new RmsProp(p, 0.01),
                p -> new Adam(p, 0.01),
                p -> new AdamW(p, 0.01, 0.9, 0.999, 1e-8, 0.1));
    }

    static float[][] values(List<Parameter> params) {
        float[][] v = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            v[i] = params.get(i).value().clone();
        }
        return v;
    }

    @Test
    void aLoadedStateContinuesBitForBitLikeAnUninterruptedRun() {
        for (Function<List<Parameter>, Optimizer> make : everyOptimizer()) {
            List<Parameter> params = parameters(3);
            params.get(0).regularize(L1, L2);
            Optimizer first = make.apply(params);
            for (int t = 0; t < 3; t++) {
                fillGradients(params, t);
                first.step();
            }
            Map<String, float[]> saved = first.state();
            float[][] savedValues = values(params);

            // the checkpoint is restored into fresh parameters and a fresh optimizer
            List<Parameter> restored = parameters(99);
            restored.get(0).regularize(L1, L2);
            for (int i = 0; i < restored.size(); i++) {
                System.arraycopy(savedValues[i], 0, restored.get(i).value(), 0, savedValues[i].length);
            }
            Optimizer second = make.apply(restored);
            second.loadState(saved);
            assertEquals(3, second.steps(), first.name());

            for (int t = 3; t < 7; t++) {
                fillGradients(params, t);
                fillGradients(restored, t);
                first.step();
                second.step();
            }
            float[][] a = values(params);
            float[][] b = values(restored);
            for (int i = 0; i < a.length; i++) {
                assertArrayEquals(a[i], b[i], first + " parameter " + i);
            }
            Map<String, float[]> sa = first.state();
            Map<String, float[]> sb = second.state();
            assertEquals(sa.keySet(), sb.keySet());
            for (String k : sa.keySet()) {
                assertArrayEquals(sa.get(k), sb.get(k), first + " " + k);
            }
        }
    }

    @Test
    void stateIsANamedSnapshotThatLaterStepsDoNotChange() {
        List<Parameter> params = parameters(3);
        Adam adam = new Adam(params, 0.01);
        fillGradients(params, 0);
        adam.step();
        Map<String, float[]> state = adam.state();
        assertEquals(List.of("adam.steps", "adam.m.0", "adam.v.0", "adam.m.1", "adam.v.1"),
                new ArrayList<>(state.keySet()));
        assertArrayEquals(new float[] {0f, 1f}, state.get("adam.steps"));
        assertEquals(37, state.get("adam.m.0").length);
        float[] m0 = state.get("adam.m.0").clone();
        adam.step();
        assertArrayEquals(m0, state.get("adam.m.0"));
        assertNotSame(adam.state().get("adam.m.0"), adam.state().get("adam.m.0"));
        assertThrows(UnsupportedOperationException.class, () -> state.put("x", new float[0]));

        assertEquals(List.of("sgd.steps"), new ArrayList<>(new Sgd(params, 0.1).state().keySet()));
        assertEquals(List.of("sgd.steps", "sgd.velocity.0", "sgd.velocity.1"),
                new ArrayList<>(new Sgd(params, 0.1, 0.5, false).state().keySet()));
    }

    @Test
    void theStepCountSurvivesBeyondWhatOneFloatCounts() {
        List<Parameter> params = parameters(3);
        Sgd sgd = new Sgd(params, 0.1);
        long steps = (1L << 40) + 12345;
        sgd.loadState(Map.of("sgd.steps", new float[] {(float) (steps >>> 24), (float) (steps & 0xFFFFFF)}));
        assertEquals(steps, sgd.steps());
        fillGradients(params, 0);
        sgd.step();
        assertEquals(steps + 1, sgd.steps());
        Sgd other = new Sgd(parameters(3), 0.1);
        other.loadState(sgd.state());
        assertEquals(steps + 1, other.steps());
    }

    static void rejected(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention '" + f + "'");
        }
    }

    @Test
    void loadStateNamesWhatDoesNotMatchAndLoadsNothingThen() {
        List<Parameter> params = parameters(3);
        Adam adam = new Adam(params, 0.01);
        fillGradients(params, 0);
        adam.step();
        Map<String, float[]> good = adam.state();

        Map<String, float[]> missing = new LinkedHashMap<>(good);
        missing.remove("adam.v.1");
        rejected(() -> adam.loadState(missing), "missing 'adam.v.1'", "bias(3)", "3 values");

        Map<String, float[]> shorter = new LinkedHashMap<>(good);
        shorter.put("adam.m.0", new float[36]);
        rejected(() -> adam.loadState(shorter), "'adam.m.0' has 36 values", "weight(37)", "37");

        Map<String, float[]> extra = new LinkedHashMap<>(good);
        extra.put("adam.m.2", new float[5]);
        rejected(() -> adam.loadState(extra), "unexpected entries [adam.m.2]");

        Map<String, float[]> noSteps = new LinkedHashMap<>(good);
        noSteps.remove("adam.steps");
        rejected(() -> adam.loadState(noSteps), "missing 'adam.steps'");

        Map<String, float[]> badSteps = new LinkedHashMap<>(good);
        badSteps.put("adam.steps", new float[] {0f, 2.5f});
        rejected(() -> adam.loadState(badSteps), "'adam.steps'", "2.5");
        badSteps.put("adam.steps", new float[] {4f});
        rejected(() -> adam.loadState(badSteps), "'adam.steps' must hold 2 values", "got 1");

        // another optimizer's state, and a state for other parameters
        rejected(() -> new AdamW(params, 0.01).loadState(good), "missing 'adamw.steps'", "'adam.steps'");
        List<Parameter> fewer = List.of(params.get(0));
        rejected(() -> new Adam(fewer, 0.01).loadState(good), "unexpected entries [adam.m.1, adam.v.1]");
        rejected(() -> adam.loadState(null), "null");

        // none of the failures changed anything
        assertEquals(1, adam.steps());
        Map<String, float[]> after = adam.state();
        for (String k : good.keySet()) {
            assertArrayEquals(good.get(k), after.get(k), k);
        }
    }

    // ---- each optimizer minimizes a convex quadratic ----

    /** 0.5 * sum a_i (w_i - c_i)^2 with curvatures a_i in [0.5, 2], its gradient written into the parameter. */
    static double quadratic(Parameter p, double[] a, double[] c) {
        double loss = 0;
        float[] w = p.value();
        for (int i = 0; i < w.length; i++) {
            double d = w[i] - c[i];
            loss += 0.5 * a[i] * d * d;
            p.grad()[i] = (float) (a[i] * d);
        }
        return loss;
    }

    @Test
    void everyOptimizerDecreasesAConvexQuadratic() {
        SplittableRandom rng = new SplittableRandom(11);
        int n = 20;
        double[] a = new double[n];
        double[] c = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = 0.5 + 1.5 * rng.nextDouble();
            c[i] = rng.nextDouble() * 4 - 2;
        }
        List<Function<List<Parameter>, Optimizer>> makers = List.of(
                p -> new Sgd(p, 0.2),
                p -> new Sgd(p, 0.05, 0.9, false),
                p -> new Sgd(p, 0.05, 0.9, true),
                p -> new AdaGrad(p, 0.5),
                p -> new RmsProp(p, 0.01),
                p -> new Adam(p, 0.05),
                p -> new AdamW(p, 0.05, 0.9, 0.999, 1e-8, 1e-4));
        for (Function<List<Parameter>, Optimizer> make : makers) {
            Parameter p = new Parameter("w", Shape.of(n), new float[n]);
            Optimizer opt = make.apply(List.of(p));
            double initial = quadratic(p, a, c);
            double loss = initial;
            for (int t = 0; t < 300; t++) {
                opt.step();
                loss = quadratic(p, a, c);
            }
            assertTrue(loss < initial / 100, opt + ": loss " + initial + " -> " + loss);
        }
    }

    // ---- arguments ----

    @Test
    void badHyperparametersAreRejectedByName() {
        List<Parameter> p = parameters(1);
        rejected(() -> new Sgd(p, -0.1), "sgd", "learning rate", "-0.1");
        rejected(() -> new Sgd(p, Double.NaN), "learning rate", "NaN");
        rejected(() -> new Sgd(p, 1e39), "learning rate", "1.0E39");
        rejected(() -> new Sgd(p, 0.1, 1.0, false), "momentum", "[0, 1)", "1.0");
        rejected(() -> new Sgd(p, 0.1, -0.5, false), "momentum", "-0.5");
        rejected(() -> new Sgd(p, 0.1, 0, true), "nesterov", "momentum 0");
        rejected(() -> new AdaGrad(p, 0.1, 0), "adagrad", "eps", "0.0");
        rejected(() -> new AdaGrad(p, 0.1, 1e-50), "eps", "as a float", "1.0E-50");
        rejected(() -> new RmsProp(p, 0.1, 1, 1e-8), "rmsprop", "rho", "1.0");
        rejected(() -> new Adam(p, 0.1, 0.9, 0.999999999, 1e-8), "adam", "beta2", "0.999999999");
        rejected(() -> new Adam(p, 0.1, -0.1, 0.999, 1e-8), "beta1", "-0.1");
        rejected(() -> new AdamW(p, 0.1, 0.9, 0.999, 1e-8, -1), "adamw", "weightDecay", "-1.0");
        rejected(() -> new AdamW(p, 0.1, 0.9, 0.999, Double.POSITIVE_INFINITY, 0), "eps", "Infinity");
    }

    @Test
    void badParameterListsAreRejected() {
        List<Parameter> p = parameters(1);
        rejected(() -> new Adam(null, 0.1), "adam", "at least one parameter", "null");
        rejected(() -> new Adam(List.of(), 0.1), "at least one parameter", "empty");
        List<Parameter> withNull = new ArrayList<>(p);
        withNull.add(null);
        rejected(() -> new Sgd(withNull, 0.1), "parameter 2 is null");
        rejected(() -> new Sgd(List.of(p.get(0), p.get(1), p.get(0)), 0.1), "parameters 0", "and 2", "share");
        rejected(() -> new Sgd(List.of(p.get(1), p.get(1).withOwnGradient()), 0.1), "parameters 0", "and 1");
    }

    @Test
    void learningRateCanBeChangedBetweenStepsAndIsChecked() {
        Parameter p = new Parameter("w", Shape.of(1), new float[] {1f});
        Sgd sgd = new Sgd(List.of(p), 0.5);
        assertEquals(0.5, sgd.learningRate());
        p.grad()[0] = 1f;
        sgd.setLearningRate(0.25);
        assertEquals(0.25, sgd.learningRate());
        sgd.step();
        assertEquals(0.75f, p.value()[0]);
        rejected(() -> sgd.setLearningRate(-1), "sgd", "learning rate", "-1.0");
        rejected(() -> sgd.setLearningRate(Double.POSITIVE_INFINITY), "Infinity");
        assertEquals(0.25, sgd.learningRate(), "a rejected rate changes nothing");
        assertEquals(0.5, sgd.config().get("lr"), "config keeps the rate the optimizer was built with");
    }

    @Test
    void namesAndConfigsDescribeEachOptimizer() {
        List<Parameter> p = parameters(1);
        Map<String, Map<String, Object>> expected = new HashMap<>();
        expected.put("sgd", Map.of("lr", 0.1, "momentum", 0.9, "nesterov", true));
        expected.put("adagrad", Map.of("lr", 0.1, "eps", 1e-10));
        expected.put("rmsprop", Map.of("lr", 0.1, "rho", 0.99, "eps", 1e-8));
        expected.put("adam", Map.of("lr", 0.1, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8));
        expected.put("adamw", Map.of("lr", 0.1, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weight_decay", 0.01));
        List<Optimizer> all = List.of(new Sgd(p, 0.1, 0.9, true), new AdaGrad(p, 0.1), new RmsProp(p, 0.1),
                new Adam(p, 0.1), new AdamW(p, 0.1));
        for (Optimizer o : all) {
            assertEquals(expected.get(o.name()), o.config(), o.name());
            assertEquals(p, o.parameters());
            assertEquals(0, o.steps());
        }
        assertThrows(UnsupportedOperationException.class, () -> all.get(0).parameters().clear());
    }
}
