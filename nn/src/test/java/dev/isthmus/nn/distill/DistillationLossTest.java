package dev.isthmus.nn.distill;

import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Tensor;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.infer.InferencePlan;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.metrics.Evaluation;
import dev.isthmus.nn.optim.Adam;
import dev.isthmus.nn.train.History;
import dev.isthmus.nn.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The distillation loss against a plain double reference written from its definition,
 * differentiated by central differences, plus its limits (alpha 0 and 1), its temperature scaling,
 * its rejections and training through {@link Trainer}.
 *
 * <p>Tolerances as in the loss package's gradient test: the reference runs in double at exactly the
 * float logits the loss saw, so the differences are the float rounding of the hard part's kernel
 * and of the stored gradient (a few ulps, ~1e-7 relative) and the finite-difference error
 * (h = 1e-5: truncation ~1e-10, cancellation ~1e-11); 1e-5 of the largest gradient entry catches
 * a wrong factor of T or of 1/rows.
 */
class DistillationLossTest {
    private static final double H = 1e-5;
    private static final double TOLERANCE = 1e-5;
    private static final int IN = 5;

    static Sequential teacherModel(int width, long seed) {
        return Sequential.builder(IN).seed(seed).dense(7).relu().dense(width).build();
    }

    static Tensor random(SplittableRandom random, int rows, int cols, double scale) {
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-scale, scale);
        }
        return Tensor.of(x, rows, cols);
    }

    static int[] labels(SplittableRandom random, int rows, int width, int off) {
        int[] y = new int[off + rows];
        for (int i = 0; i < y.length; i++) {
            y[i] = random.nextInt(width);
        }
        return y;
    }

    /** The loss of student logits s from its definition, in double: mean of alpha T^2 KL + (1 - alpha) CE. */
    static double reference(double[] s, float[] t, int[] y, int off, int rows, int width, double temperature,
                            double alpha) {
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            double[] ps = softmax(s, r * width, width, temperature);
            double[] pt = softmax(widen(t), r * width, width, temperature);
            double kl = 0;
            for (int j = 0; j < width; j++) {
                kl += pt[j] * Math.log(pt[j] / ps[j]);
            }
            double ce = -Math.log(softmax(s, r * width, width, 1)[y[off + r]]);
            sum += alpha * temperature * temperature * kl + (1 - alpha) * ce;
        }
        return sum / rows;
    }

    static double[] softmax(double[] x, int off, int width, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < width; j++) {
            max = Math.max(max, x[off + j] / temperature);
        }
        double[] p = new double[width];
        double z = 0;
        for (int j = 0; j < width; j++) {
            p[j] = Math.exp(x[off + j] / temperature - max);
            z += p[j];
        }
        for (int j = 0; j < width; j++) {
            p[j] /= z;
        }
        return p;
    }

    static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    static void assertMessage(Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should name '" + part + "'");
        }
    }

    @ParameterizedTest(name = "{0} x {1}, T = {2}, alpha = {3}")
    @CsvSource({"1, 2, 1, 0.5", "3, 10, 2, 0.9", "4, 3, 4, 0.5", "7, 17, 8, 0.1", "2, 10, 0.5, 1", "5, 6, 3, 0"})
    void valueAndGradientMatchTheDefinition(int rows, int width, double temperature, double alpha) {
        SplittableRandom random = new SplittableRandom(17L * rows + width);
        InferencePlan teacher = teacherModel(width, rows).compile();
        Tensor input = random(random, rows, IN, 2);
        float[] t = teacher.predict(input.data());
        Tensor out = random(random, rows, width, 3);
        int off = 2;
        int[] y = labels(random, rows, width, off);
        DistillationLoss loss = new DistillationLoss(teacher, temperature, alpha);
        Tensor grad = Tensor.zeros(rows, width);
        double value = loss.forBatch(input, out, y, off, grad);

        double[] s = widen(out.data());
        double expected = reference(s, t, y, off, rows, width, temperature, alpha);
        assertEquals(expected, value, TOLERANCE * Math.max(1, Math.abs(expected)), "loss");
        double[] fd = new double[s.length];
        double scale = 0;
        for (int i = 0; i < s.length; i++) {
            double keep = s[i];
            s[i] = keep + H;
            double up = reference(s, t, y, off, rows, width, temperature, alpha);
            s[i] = keep - H;
            double down = reference(s, t, y, off, rows, width, temperature, alpha);
            s[i] = keep;
            fd[i] = (up - down) / (2 * H);
            scale = Math.max(scale, Math.abs(fd[i]));
        }
        for (int i = 0; i < s.length; i++) {
            assertEquals(fd[i], grad.data()[i], TOLERANCE * scale + 1e-9, "gradient element " + i);
        }
        // loss only gives the same value; the gradient may overwrite the logits in place
        assertEquals(value, loss.forBatch(input, out, y, off, null), 0, "loss without gradient");
        Tensor inPlace = out.copy();
        assertEquals(value, loss.forBatch(input, inPlace, y, off, inPlace), 0, "in place");
        assertArrayEquals(grad.data(), inPlace.data(), "in-place gradient");
    }

    @Test
    void handWorkedExample() {
        // a teacher whose logits are its bias, 0 and 0: softened probabilities 1/2, 1/2 at any T
        Sequential model = Sequential.builder(IN).dense(2).build();
        for (Parameter p : model.parameters()) {
            Arrays.fill(p.value(), 0f);
        }
        // student logits 2 ln 3 and 0 at T = 2: softened 3/4, 1/4; plain softmax 9/10, 1/10; label 0
        Tensor out = Tensor.of(new float[] {(float) (2 * Math.log(3)), 0}, 1, 2);
        DistillationLoss loss = DistillationLoss.of(model, 2, 0.5);
        Tensor grad = Tensor.zeros(1, 2);
        double value = loss.forBatch(Tensor.zeros(1, IN), out, new int[] {0}, 0, grad);
        // 0.5 * 4 * KL, KL = 1/2 ln(2/3) + 1/2 ln 2 = 1/2 ln(4/3); plus 0.5 * ln(10/9)
        assertEquals(Math.log(4.0 / 3) + 0.5 * Math.log(10.0 / 9), value, 1e-6);
        // 0.5 * 2 * (3/4 - 1/2, 1/4 - 1/2) + 0.5 * (9/10 - 1, 1/10) = (0.2, -0.2)
        assertArrayEquals(new float[] {0.2f, -0.2f}, grad.data(), 1e-6f);
    }

    @Test
    void softWeightZeroIsSparseCrossEntropyBitForBit() {
        SplittableRandom random = new SplittableRandom(3);
        InferencePlan teacher = teacherModel(10, 1).compile();
        Tensor input = random(random, 9, IN, 1);
        Tensor out = random(random, 9, 10, 4);
        int[] y = labels(random, 9, 10, 1);
        Tensor g1 = Tensor.zeros(9, 10);
        Tensor g2 = Tensor.zeros(9, 10);
        double a = new DistillationLoss(teacher, 4, 0).forBatch(input, out, y, 1, g1);
        double b = new SparseCategoricalCrossEntropy().forLabels(out, y, 1, g2);
        assertEquals(b, a, 0);
        assertArrayEquals(g2.data(), g1.data());
    }

    @Test
    void aStudentEqualToTheTeacherHasNothingToLearnFromIt() {
        SplittableRandom random = new SplittableRandom(4);
        InferencePlan teacher = teacherModel(10, 2).compile();
        Tensor input = random(random, 6, IN, 3);
        Tensor out = teacher.predict(input);
        int[] y = labels(random, 6, 10, 0);
        for (double temperature : new double[] {1, 2.5, 8}) {
            Tensor grad = random(random, 6, 10, 1);
            double value = new DistillationLoss(teacher, temperature, 1).forBatch(input, out, y, 0, grad);
            assertEquals(0, value, 0, "T = " + temperature);
            for (float g : grad.data()) {
                assertEquals(0, g, 0, "T = " + temperature);
            }
        }
    }

    @Test
    void temperatureScalesAsTheDefinitionSays() {
        // scaling logits and temperature together leaves the softened distributions alone, so the soft
        // loss grows by the scale squared (the T^2 factor) and its gradient by the scale
        Sequential model = Sequential.builder(IN).dense(4).build();
        for (Parameter p : model.parameters()) {
            Arrays.fill(p.value(), 0f);
        }
        float[] bias = model.parameters().get(1).value();
        float[] teacherLogits = {0.5f, -1f, 2f, 0.25f};
        float[] studentLogits = {1f, 0.5f, -0.5f, 0f};
        int[] y = {2};
        Tensor input = Tensor.zeros(1, IN);
        double[] values = new double[2];
        float[][] grads = new float[2][];
        for (int k = 0; k < 2; k++) {
            float c = k == 0 ? 1 : 4;
            for (int j = 0; j < 4; j++) {
                bias[j] = c * teacherLogits[j];
            }
            Tensor out = Tensor.of(new float[4], 1, 4);
            for (int j = 0; j < 4; j++) {
                out.data()[j] = c * studentLogits[j];
            }
            Tensor grad = Tensor.zeros(1, 4);
            values[k] = DistillationLoss.of(model, 2 * c, 1).forBatch(input, out, y, 0, grad);
            grads[k] = grad.data();
        }
        assertTrue(values[0] > 0.01, "a real difference " + values[0]);
        assertEquals(16 * values[0], values[1], 1e-6 * values[1]);
        for (int j = 0; j < 4; j++) {
            assertEquals(4 * grads[0][j], grads[1][j], 1e-6);
        }

        // and at a high temperature the soft gradient tends to the difference of the centred logits / width
        for (int j = 0; j < 4; j++) {
            bias[j] = teacherLogits[j];
        }
        Tensor grad = Tensor.zeros(1, 4);
        DistillationLoss.of(model, 1e4, 1).forBatch(input, Tensor.of(studentLogits.clone(), 1, 4), y, 0, grad);
        double meanS = (1 + 0.5 - 0.5 + 0) / 4.0;
        double meanT = (0.5 - 1 + 2 + 0.25) / 4.0;
        for (int j = 0; j < 4; j++) {
            double limit = ((studentLogits[j] - meanS) - (teacherLogits[j] - meanT)) / 4;
            assertEquals(limit, grad.data()[j], 5e-4, "class " + j);
        }
    }

    @Test
    void nanInTheTeachersOutputMakesTheLossNaN() {
        DistillationLoss loss = DistillationLoss.of(teacherModel(3, 1), 2, 0.5);
        float[] x = new float[2 * IN];
        x[IN + 1] = Float.NaN;
        Tensor grad = Tensor.zeros(2, 3);
        double value = loss.forBatch(Tensor.of(x, 2, IN), Tensor.zeros(2, 3), new int[] {0, 1}, 0, grad);
        assertTrue(Double.isNaN(value), "loss " + value);
    }

    @Test
    void shapesAndArgumentsAreChecked() {
        Sequential teacher = teacherModel(3, 1);
        DistillationLoss loss = DistillationLoss.of(teacher, 2, 0.5);
        int[] y = {0, 1};
        Tensor out = Tensor.zeros(2, 3);
        assertMessage(() -> loss.forBatch(Tensor.zeros(2, IN + 1), out, y, 0, null), "(5)", "[2, 6]", "[2, 3]");
        assertMessage(() -> loss.forBatch(Tensor.zeros(2, IN), Tensor.zeros(2, 4), y, 0, null), "(3)", "[2, 4]");
        assertMessage(() -> loss.forBatch(Tensor.zeros(3, IN), out, y, 0, null), "3 rows", "2");
        assertMessage(() -> loss.forBatch(null, out, y, 0, null), "input is null");
        assertMessage(() -> loss.forBatch(Tensor.zeros(2, IN), null, y, 0, null), "output is null");
        assertMessage(() -> loss.forBatch(Tensor.zeros(2, IN), out, new int[] {0, 3}, 0, null), "label 3");
        assertMessage(() -> loss.forBatch(Tensor.zeros(2, IN), out, y, 0, Tensor.zeros(2, 2)), "[2, 2]");
        assertMessage(() -> DistillationLoss.of(teacher, Sequential.builder(IN).dense(4).build(), 2, 0.5),
                "(4)", "(3)");
        assertMessage(() -> DistillationLoss.of(teacher, Sequential.builder(IN + 1).dense(3).build(), 2, 0.5),
                "(6)", "(5)");
        assertMessage(() -> DistillationLoss.of(teacher, 0, 0.5), "temperature", "0.0");
        assertMessage(() -> DistillationLoss.of(teacher, Double.NaN, 0.5), "temperature", "NaN");
        assertMessage(() -> DistillationLoss.of(teacher, 2, 1.5), "soft weight", "1.5");
        assertMessage(() -> DistillationLoss.of(teacher, 2, -0.1), "soft weight", "-0.1");
        assertMessage(() -> new DistillationLoss(null, 2, 0.5), "teacher is null");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> loss.forLabels(out, y, 0, null));
        assertTrue(e.getMessage().contains("forBatch"), e.getMessage());
        assertMessage(() -> loss.forTargets(out, out, null), "labels");
        assertMessage(() -> loss.normalizer(out), "labels");
        assertEquals(2, loss.normalizer(y, 0, 2));
        assertEquals("distillation", loss.name());
        assertEquals(Map.of("temperature", 2.0, "soft_weight", 0.5), loss.config());
        assertEquals(2.0, loss.temperature());
        assertEquals(0.5, loss.softWeight());
    }

    /** Three Gaussian blobs in {@code IN} dimensions. */
    static Dataset blobs(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n * IN];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextInt(3);
            for (int j = 0; j < IN; j++) {
                x[i * IN + j] = (float) ((j == y[i] ? 3.0 : 0.0) + rng.nextGaussian());
            }
        }
        return new Dataset(x, new int[] {IN}, y, 3);
    }

    static List<float[]> distill(Sequential teacher, Dataset train, int threads) {
        Sequential student = Sequential.builder(IN).seed(9).dense(4).relu().dense(3).build();
        DistillationLoss loss = DistillationLoss.of(teacher, student, 4, 0.7);
        History h = Trainer.builder(student, loss, new Adam(student.parameters(), 1e-2))
                .epochs(6).batchSize(32).seed(5).threads(threads).validationSplit(0.2).build().fit(train);
        assertTrue(h.metric("loss")[5] < h.metric("loss")[0], "loss fell: " + Arrays.toString(h.metric("loss")));
        assertTrue(h.last("val_accuracy") > 0.85, "validation accuracy " + h.last("val_accuracy"));
        assertTrue(Double.isFinite(Evaluation.evaluate(student, train, loss, 100).loss()));
        return student.parameters().stream().map(p -> p.value().clone()).toList();
    }

    @Test
    void trainsThroughTheTrainerWithTheSameBitsForTheSameSeed() {
        Dataset train = blobs(400, 1);
        Sequential teacher = Sequential.builder(IN).seed(3).dense(16).relu().dense(3).build();
        Trainer.builder(teacher, new SparseCategoricalCrossEntropy(), new Adam(teacher.parameters(), 1e-2))
                .epochs(3).batchSize(32).seed(5).build().fit(train);
        List<float[]> a = distill(teacher, train, 2);
        List<float[]> b = distill(teacher, train, 2);
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i), "parameter " + i);
        }
    }
}
