package dev.isthmus.nn.optim;

import static dev.isthmus.nn.optim.OptimizerTest.rejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GradientClippingTest {
    /** Parameters of awkward sizes with gradients of about this magnitude. */
    static List<Parameter> withGradients(double magnitude, int... sizes) {
        SplittableRandom rng = new SplittableRandom(5);
        List<Parameter> params = new ArrayList<>();
        for (int size : sizes) {
            Parameter p = new Parameter("p" + params.size(), Shape.of(size), new float[size]);
            for (int i = 0; i < size; i++) {
                p.grad()[i] = (float) ((rng.nextDouble() * 2 - 1) * magnitude);
            }
            params.add(p);
        }
        return params;
    }

    /** The norm the plain way: every square in double. */
    static double referenceNorm(List<Parameter> params) {
        double sum = 0;
        for (Parameter p : params) {
            for (float g : p.grad()) {
                sum += (double) g * g;
            }
        }
        return Math.sqrt(sum);
    }

    static float[][] grads(List<Parameter> params) {
        float[][] g = new float[params.size()][];
        for (int i = 0; i < g.length; i++) {
            g[i] = params.get(i).grad().clone();
        }
        return g;
    }

    @Test
    void normIsTheL2NormOfAllGradientsTogether() {
        List<Parameter> params = withGradients(1, 1, 13, 207, 1021);
        assertEquals(referenceNorm(params), GradientClipping.norm(params), 1e-6 * referenceNorm(params));
    }

    @Test
    void aLargeNormIsScaledToTheMaximumKeepingTheDirection() {
        List<Parameter> params = withGradients(1, 3, 37, 702);
        float[][] before = grads(params);
        double norm = referenceNorm(params);
        double maxNorm = 2.5;
        assertTrue(norm > maxNorm);

        double returned = GradientClipping.byNorm(params, maxNorm);
        assertEquals(norm, returned, 1e-6 * norm, "the norm before clipping");
        assertEquals(maxNorm, referenceNorm(params), 1e-6 * maxNorm, "the norm after clipping");
        float factor = (float) (maxNorm / returned);
        for (int i = 0; i < params.size(); i++) {
            for (int j = 0; j < before[i].length; j++) {
                assertEquals(factor * before[i][j], params.get(i).grad()[j], "every element scaled by one factor");
            }
        }
    }

    @Test
    void aNormWithinTheMaximumLeavesTheGradients() {
        List<Parameter> params = withGradients(1, 3, 37);
        float[][] before = grads(params);
        double norm = GradientClipping.byNorm(params, 100);
        assertEquals(referenceNorm(params), norm, 1e-6 * norm);
        for (int i = 0; i < params.size(); i++) {
            assertArrayEquals(before[i], params.get(i).grad());
        }
    }

    @Test
    void gradientsBeyondTheFloatRangeOfTheirSquaresStillGetTheirNorm() {
        // squares of 1e20 overflow a float sum; the norm itself is finite
        List<Parameter> params = withGradients(1e20, 40);
        double norm = GradientClipping.byNorm(params, 1);
        assertEquals(referenceNorm(withGradients(1e20, 40)), norm, 1e-6 * norm);
        assertEquals(1, referenceNorm(params), 1e-6);
    }

    @Test
    void aNaNOrInfiniteNormIsReturnedAndTheGradientsAreLeft() {
        List<Parameter> params = withGradients(1, 3, 37);
        params.get(1).grad()[17] = Float.NaN;
        float[][] before = grads(params);
        assertTrue(Double.isNaN(GradientClipping.byNorm(params, 1)));
        for (int i = 0; i < params.size(); i++) {
            assertArrayEquals(before[i], params.get(i).grad());
        }

        params.get(1).grad()[17] = Float.NEGATIVE_INFINITY;
        before = grads(params);
        assertEquals(Double.POSITIVE_INFINITY, GradientClipping.byNorm(params, 1));
        for (int i = 0; i < params.size(); i++) {
            assertArrayEquals(before[i], params.get(i).grad());
        }
    }

    @Test
    void badArgumentsAreRejectedByName() {
        List<Parameter> params = withGradients(1, 3);
        rejected(() -> GradientClipping.byNorm(params, 0), "maxNorm", "0.0");
        rejected(() -> GradientClipping.byNorm(params, -1), "maxNorm", "-1.0");
        rejected(() -> GradientClipping.byNorm(params, Double.NaN), "maxNorm", "NaN");
        rejected(() -> GradientClipping.byNorm(params, Double.POSITIVE_INFINITY), "maxNorm", "Infinity");
        rejected(() -> GradientClipping.byNorm(null, 1), "params is null");
        List<Parameter> withNull = new ArrayList<>(params);
        withNull.add(null);
        rejected(() -> GradientClipping.norm(withNull), "parameter 1 is null");
    }
}
