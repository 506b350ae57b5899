package dev.isthmus.nn.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isthmus.nn.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Checks each loss's value and analytic gradient against a double-precision reference written from
 * the formulas in the losses' javadoc, differentiated by central differences.
 *
 * <p>Tolerances: the reference is evaluated at exactly the float outputs the loss saw (widened to
 * double), so the only differences are the kernels' float rounding and the finite-difference
 * error. With step h = 1e-5 the truncation error is about h^2 |f'''| / 6 (~1e-10 for these O(1)
 * logits) and the cancellation error about 1e-16 |L| / h (~1e-11), both far below float rounding.
 * The kernels compute a gradient entry from a softmax (a sum of up to 33 exponentials) or a
 * difference, each a few float ulps (2^-24 ~ 6e-8) relative to the largest term, so the error is
 * at most ~33 * 6e-8 ~ 2e-6 of the gradient's scale; 1e-5 of the largest gradient entry leaves a
 * margin of five while still catching a wrong factor or a missing term (errors of 1/rows or more).
 * The loss values are sums of at most a few hundred float terms: 1e-5 relative again.
 */
class LossGradientTest {
    private static final double H = 1e-5;
    private static final double TOLERANCE = 1e-5;

    /** A double-precision loss of outputs x, {@code rows x width}. */
    interface Reference {
        double at(double[] x);
    }

    // ---- references, straight from the definitions

    /** {@code sum_r w_r * sum_j t[r][j] (lse(x_r) - x[r][j]) / sum_r w_r}: every softmax cross entropy. */
    static Reference softmaxCrossEntropy(double[] t, double[] rowWeights, int rows, int width) {
        return x -> {
            double sum = 0;
            double weights = 0;
            for (int r = 0; r < rows; r++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < width; j++) {
                    max = Math.max(max, x[r * width + j]);
                }
                double e = 0;
                for (int j = 0; j < width; j++) {
                    e += Math.exp(x[r * width + j] - max);
                }
                double lse = max + Math.log(e);
                double l = 0;
                for (int j = 0; j < width; j++) {
                    l += t[r * width + j] * (lse - x[r * width + j]);
                }
                sum += rowWeights[r] * l;
                weights += rowWeights[r];
            }
            return sum / weights;
        };
    }

    static Reference meanSquaredError(double[] t) {
        return x -> {
            double s = 0;
            for (int i = 0; i < x.length; i++) {
                s += (x[i] - t[i]) * (x[i] - t[i]);
            }
            return s / x.length;
        };
    }

    /** The mean of {@code -t log sigmoid(x) - (1 - t) log(1 - sigmoid(x))}, in its overflow-free form. */
    static Reference binaryCrossEntropy(double[] t) {
        return x -> {
            double s = 0;
            for (int i = 0; i < x.length; i++) {
                s += Math.max(x[i], 0) - x[i] * t[i] + Math.log1p(Math.exp(-Math.abs(x[i])));
            }
            return s / x.length;
        };
    }

    // ---- the check

    static void check(String what, double loss, Tensor output, Tensor grad, Reference reference) {
        float[] out = output.data();
        double[] x = new double[out.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = out[i];
        }
        double expected = reference.at(x);
        assertEquals(expected, loss, TOLERANCE * Math.max(1, Math.abs(expected)), what + ": loss");
        double[] fd = new double[x.length];
        double scale = 0;
        for (int i = 0; i < x.length; i++) {
            double keep = x[i];
            x[i] = keep + H;
            double up = reference.at(x);
            x[i] = keep - H;
            double down = reference.at(x);
            x[i] = keep;
            fd[i] = (up - down) / (2 * H);
            scale = Math.max(scale, Math.abs(fd[i]));
        }
        // the floor covers a gradient that is 0 everywhere (softmax over one column)
        double tolerance = TOLERANCE * scale + 1e-9;
        for (int i = 0; i < x.length; i++) {
            double error = Math.abs(grad.data()[i] - fd[i]);
            assertTrue(error <= tolerance, what + ": gradient element " + i + " is " + grad.data()[i]
                    + ", central difference " + fd[i] + " (error " + error + " > " + tolerance + ")");
        }
    }

    static Tensor logits(SplittableRandom random, int rows, int width) {
        float[] x = new float[rows * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-3, 3);
        }
        return Tensor.of(x, rows, width);
    }

    static int[] labels(SplittableRandom random, int rows, int bound, int off) {
        int[] y = new int[off + rows];
        for (int r = 0; r < y.length; r++) {
            y[r] = random.nextInt(bound);
        }
        return y;
    }

    static double[] oneHot(int[] labels, int off, int rows, int width) {
        double[] t = new double[rows * width];
        for (int r = 0; r < rows; r++) {
            t[r * width + labels[off + r]] = 1;
        }
        return t;
    }

    static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    /** Positive weights that differ enough that a weighting mistake shows. */
    static float[] weights(int width) {
        float[] w = new float[width];
        for (int j = 0; j < width; j++) {
            w[j] = 0.25f + 0.5f * (j % 4);
        }
        return w;
    }

    // labels start at offset 3 of their array, so the offset is exercised too
    private static final int OFF = 3;

    @ParameterizedTest(name = "{0} x {1}")
    @CsvSource({"1, 1", "1, 5", "3, 1", "4, 3", "7, 17", "2, 33"})
    void sparseCrossEntropy(int rows, int width) {
        SplittableRandom random = new SplittableRandom(31L * rows + width);
        Tensor out = logits(random, rows, width);
        int[] y = labels(random, rows, width, OFF);
        double[] t = oneHot(y, OFF, rows, width);
        double[] unweighted = new double[rows];
        java.util.Arrays.fill(unweighted, 1);
        float[] w = weights(width);
        double[] rowWeights = new double[rows];
        for (int r = 0; r < rows; r++) {
            rowWeights[r] = w[y[OFF + r]];
        }
        Tensor grad = Tensor.zeros(rows, width);
        double loss = new SparseCategoricalCrossEntropy().forLabels(out, y, OFF, grad);
        check("sparse", loss, out, grad, softmaxCrossEntropy(t, unweighted, rows, width));
        loss = new SparseCategoricalCrossEntropy(w).forLabels(out, y, OFF, grad);
        check("sparse weighted", loss, out, grad, softmaxCrossEntropy(t, rowWeights, rows, width));
    }

    @ParameterizedTest(name = "{0} x {1}")
    @CsvSource({"1, 1", "1, 5", "3, 1", "4, 3", "7, 17", "2, 33"})
    void categoricalCrossEntropy(int rows, int width) {
        SplittableRandom random = new SplittableRandom(37L * rows + width);
        Tensor out = logits(random, rows, width);
        int[] y = labels(random, rows, width, OFF);
        float[] w = weights(width);
        double[] ones = new double[rows];
        java.util.Arrays.fill(ones, 1);
        double[] labelWeights = new double[rows];
        for (int r = 0; r < rows; r++) {
            labelWeights[r] = w[y[OFF + r]];
        }
        Tensor grad = Tensor.zeros(rows, width);
        double[] t = oneHot(y, OFF, rows, width);
        double loss = new CategoricalCrossEntropy().forLabels(out, y, OFF, grad);
        check("categorical labels", loss, out, grad, softmaxCrossEntropy(t, ones, rows, width));
        loss = new CategoricalCrossEntropy(w).forLabels(out, y, OFF, grad);
        check("categorical labels weighted", loss, out, grad, softmaxCrossEntropy(t, labelWeights, rows, width));

        // soft targets: positive rows summing to 1
        float[] soft = new float[rows * width];
        double[] expectedWeights = new double[rows];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int j = 0; j < width; j++) {
                soft[r * width + j] = (float) random.nextDouble(0.05, 1);
                sum += soft[r * width + j];
            }
            for (int j = 0; j < width; j++) {
                soft[r * width + j] /= (float) sum;
                expectedWeights[r] += (double) w[j] * soft[r * width + j];
            }
        }
        Tensor targets = Tensor.of(soft, rows, width);
        loss = new CategoricalCrossEntropy().forTargets(out, targets, grad);
        check("categorical soft", loss, out, grad, softmaxCrossEntropy(widen(soft), ones, rows, width));
        loss = new CategoricalCrossEntropy(w).forTargets(out, targets, grad);
        check("categorical soft weighted", loss, out, grad,
                softmaxCrossEntropy(widen(soft), expectedWeights, rows, width));
    }

    @ParameterizedTest(name = "{0} x {1}")
    @CsvSource({"1, 1", "1, 5", "3, 1", "4, 3", "7, 17", "2, 33"})
    void meanSquaredError(int rows, int width) {
        SplittableRandom random = new SplittableRandom(41L * rows + width);
        Tensor out = logits(random, rows, width);
        // width 1: the label is the target value, so use labels beyond 0/1 too
        int[] y = labels(random, rows, width == 1 ? 5 : width, OFF);
        double[] t = width == 1 ? new double[rows] : oneHot(y, OFF, rows, width);
        if (width == 1) {
            for (int r = 0; r < rows; r++) {
                t[r] = y[OFF + r];
            }
        }
        Tensor grad = Tensor.zeros(rows, width);
        double loss = new MeanSquaredError().forLabels(out, y, OFF, grad);
        check("mse labels", loss, out, grad, meanSquaredError(t));

        Tensor targets = logits(random, rows, width);
        loss = new MeanSquaredError().forTargets(out, targets, grad);
        check("mse targets", loss, out, grad, meanSquaredError(widen(targets.data())));
    }

    @ParameterizedTest(name = "{0} x {1}")
    @CsvSource({"1, 1", "1, 5", "3, 1", "4, 3", "7, 17", "2, 33"})
    void binaryCrossEntropy(int rows, int width) {
        SplittableRandom random = new SplittableRandom(43L * rows + width);
        Tensor out = logits(random, rows, width);
        int[] y = labels(random, rows, width == 1 ? 2 : width, OFF);
        double[] t = width == 1 ? new double[rows] : oneHot(y, OFF, rows, width);
        if (width == 1) {
            for (int r = 0; r < rows; r++) {
                t[r] = y[OFF + r];
            }
        }
        Tensor grad = Tensor.zeros(rows, width);
        double loss = new BinaryCrossEntropy().forLabels(out, y, OFF, grad);
        check("binary labels", loss, out, grad, binaryCrossEntropy(t));

        float[] p = new float[rows * width];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) random.nextDouble();
        }
        loss = new BinaryCrossEntropy().forTargets(out, Tensor.of(p, rows, width), grad);
        check("binary targets", loss, out, grad, binaryCrossEntropy(widen(p)));
    }
}
