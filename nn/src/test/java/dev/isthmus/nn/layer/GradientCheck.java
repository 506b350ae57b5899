package dev.isthmus.nn.layer;

import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks a layer's backward pass against central finite differences. The loss is
 * {@code L = sum(output * R)} for a fixed random R, so that {@code dL/doutput = R} is what backward
 * receives; each checked element e of the input and of every parameter gets
 * {@code (L(e + h) - L(e - h)) / (2h)}, the forward running in float as the layer does and L summed
 * in double so that the sum adds no error of its own.
 *
 * <p>Tolerance: an element passes when
 * {@code |numeric - analytic| <= ABSOLUTE + RELATIVE * max(|numeric|, |analytic|)}, with
 * ABSOLUTE = 2e-4 and RELATIVE = 2e-3 at h = 1e-2. The numeric value carries two errors:
 * <ul>
 * <li>Truncation, {@code h^2 / 6} times the third derivative: about 2e-5 times it, which is largest
 *     for batch normalization (through 1 / std). Kinks (ReLU at 0, max-pool ties) are kept farther
 *     than h from every checked input, so they add nothing.
 * <li>Rounding: each float output the perturbation moves is off by about 2^-24 of its magnitude
 *     times the depth of its sum, and dividing L+ - L- by 2h multiplies that by 50.
 * </ul>
 * Over every check in this package the largest disagreement measured was 1.2e-4 (batch norm's input
 * gradient, at |g| = 2.4); relative to this tolerance the worst was 9% of it (batch norm) and under 3%
 * for every other layer: a margin of ten. A gradient off by 1% of a typical value of 0.1 to 1, or by
 * a missing term, a factor or a shifted index, fails.
 *
 * <p>The check also fills every parameter gradient with a large value before backward, so a layer
 * that accumulates into its gradients instead of overwriting them fails it.
 */
final class GradientCheck {
    static final double ABSOLUTE = 2e-4;
    static final double RELATIVE = 2e-3;
    static final double STEP = 1e-2;
    /** Elements checked per tensor at most; larger tensors are sampled. */
    static final int MAX_INDICES = 60;
    private static final float STALE_GRADIENT = 1e6f;

    private GradientCheck() {}

    /** Checks the gradients of a training pass at step 3, batch rows from 0, with step h = {@value #STEP}. */
    static void assertGradients(Layer layer, Tensor input) {
        assertGradients(layer, input, new Pass(true, 3, 0), STEP, 20240613L);
    }

    /**
     * Checks the gradients with respect to {@code input} and to every parameter of {@code layer}; the
     * layer's forward must be a deterministic function of the input for this pass.
     *
     * @param seed draws R and the sampled indices
     */
    static void assertGradients(Layer layer, Tensor input, Pass pass, double h, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor y = layer.forward(input, pass);
        float[] r = new float[y.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        for (Parameter p : layer.parameters()) {
            Arrays.fill(p.grad(), STALE_GRADIENT);
        }
        Tensor dx = layer.backward(Tensor.of(r.clone(), y.shape()), true);
        assertNotNull(dx, () -> layer.kind() + ": backward returned no input gradient");
        assertArrayEquals(input.shape(), dx.shape(), () -> layer.kind() + ": input gradient shape");
        float[] analyticInput = dx.data().clone();
        List<float[]> analyticParams = new ArrayList<>();
        for (Parameter p : layer.parameters()) {
            analyticParams.add(p.grad().clone());
        }

        List<String> failures = new ArrayList<>();
        compare(layer, input, pass, r, h, "input", input.data(), analyticInput, rng, failures);
        for (int k = 0; k < layer.parameters().size(); k++) {
            Parameter p = layer.parameters().get(k);
            compare(layer, input, pass, r, h, p.name(), p.value(), analyticParams.get(k), rng, failures);
        }
        if (!failures.isEmpty()) {
            fail(layer + ": " + failures.size() + " gradient elements disagree with finite differences:\n  "
                    + String.join("\n  ", failures.subList(0, Math.min(10, failures.size()))));
        }
    }

    private static void compare(Layer layer, Tensor input, Pass pass, float[] r, double h, String name,
                                float[] values, float[] analytic, SplittableRandom rng, List<String> failures) {
        for (int i : indices(values.length, rng)) {
            float original = values[i];
            // the float steps actually taken, which differ from +-h by rounding
            float plus = (float) (original + h);
            float minus = (float) (original - h);
            values[i] = plus;
            double lossPlus = loss(layer, input, pass, r);
            values[i] = minus;
            double lossMinus = loss(layer, input, pass, r);
            values[i] = original;
            double numeric = (lossPlus - lossMinus) / ((double) plus - minus);
            double a = analytic[i];
            if (!(Math.abs(numeric - a) <= ABSOLUTE + RELATIVE * Math.max(Math.abs(numeric), Math.abs(a)))) {
                failures.add(String.format("%s[%d]: analytic %.6g, numeric %.6g", name, i, a, numeric));
            }
        }
    }

    private static double loss(Layer layer, Tensor input, Pass pass, float[] r) {
        float[] y = layer.forward(input, pass).data();
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += (double) y[i] * r[i];
        }
        return sum;
    }

    /** Every index when there are at most MAX_INDICES, else that many distinct ones drawn by rng. */
    static int[] indices(int length, SplittableRandom rng) {
        int[] all = new int[length];
        for (int i = 0; i < length; i++) {
            all[i] = i;
        }
        if (length <= MAX_INDICES) {
            return all;
        }
        // a partial Fisher-Yates shuffle: the first MAX_INDICES places get a uniform sample
        for (int i = 0; i < MAX_INDICES; i++) {
            int j = i + rng.nextInt(length - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        return Arrays.copyOf(all, MAX_INDICES);
    }
}
