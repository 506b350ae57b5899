package dev.isthmus.nn.distill;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;
import dev.isthmus.nn.infer.InferencePlan;
import dev.isthmus.nn.loss.Loss;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Knowledge distillation (Hinton, Vinyals and Dean, 2015): trains a student classifier on a mix of
 * a teacher's softened outputs and the true labels. Both models end in raw logits (no softmax
 * layer). For temperature {@code T} and soft weight {@code alpha}, row r's loss is
 *
 * <pre>
 *   alpha * T^2 * KL(softmax(t_r / T) || softmax(s_r / T)) + (1 - alpha) * CE(softmax(s_r), y_r)
 * </pre>
 *
 * with {@code s_r} the student's logits, {@code t_r} the teacher's for the same input row and
 * {@code y_r} the label; the loss is the mean over rows. The factor {@code T^2} keeps the soft
 * part's gradient, {@code alpha * T * (softmax(s/T) - softmax(t/T))}, on the scale of the hard
 * part's {@code (1 - alpha) * (softmax(s) - onehot(y))} as T changes. Each row's gradient is
 * divided by the row count, as every {@link Loss} does.
 *
 * <pre>{@code
 * DistillationLoss loss = DistillationLoss.of(teacher, student, 4, 0.9);
 * Trainer.builder(student, loss, new Adam(student.parameters(), 1e-3)).epochs(5).batchSize(64).build().fit(train);
 * }</pre>
 *
 * <p>The teacher is a compiled {@link InferencePlan}, which any number of training threads may run
 * at once; it runs on the rows {@link #forBatch} receives, so only that method works (the trainers
 * and {@code Evaluation} call it). The hard part is {@link SparseCategoricalCrossEntropy}'s: with
 * {@code alpha = 0} the teacher is not run and the loss and gradient are that loss's, bit for bit.
 * The soft part is computed in double with max-shifted (log-)softmax, so any finite logits give a
 * finite loss; NaN in the student's or the teacher's logits makes the loss NaN, which the trainer
 * reports.
 *
 * <p>Each call allocates nothing once warm: the teacher's logits and the soft gradient go into
 * buffers kept per calling thread, sized for the largest batch that thread has seen.
 */
public final class DistillationLoss implements Loss {
    static final String NAME = "distillation";

    private final InferencePlan teacher;
    private final double temperature;
    private final double softWeight;
    private final SparseCategoricalCrossEntropy hard = new SparseCategoricalCrossEntropy();
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /** Per-thread buffers: the teacher's logits and the soft part's gradient for one call. */
    private static final class Scratch {
        float[] teacherLogits = new float[0];
        double[] softGrad = new double[0];

        void ensure(int size) {
            if (teacherLogits.length < size) {
                teacherLogits = new float[size];
                softGrad = new double[size];
            }
        }
    }

    /**
     * Distills from a compiled teacher.
     *
     * @param teacher     a plan producing logits for the student's inputs (same input shape, same output width)
     * @param temperature the softening temperature T, finite and above 0 (1 leaves the softmax as it is;
     *                    2 to 8 are usual)
     * @param softWeight  alpha in [0, 1], the weight of the soft (teacher) part; 1 - alpha weighs the labels
     * @throws IllegalArgumentException when the teacher is null or a number is outside its range (naming it)
     */
    public DistillationLoss(InferencePlan teacher, double temperature, double softWeight) {
        if (teacher == null) {
            throw new IllegalArgumentException(NAME + ": teacher is null");
        }
        if (!(temperature > 0 && temperature < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException(NAME + ": temperature must be finite and > 0, got " + temperature);
        }
        if (!(softWeight >= 0 && softWeight <= 1)) {
            throw new IllegalArgumentException(NAME + ": soft weight must be in [0, 1], got " + softWeight);
        }
        this.teacher = teacher;
        this.temperature = temperature;
        this.softWeight = softWeight;
    }

    /**
     * Compiles the teacher model as it is now ({@link Sequential#compile()}) and distills from it;
     * later training of the teacher does not change the loss.
     *
     * @throws IllegalArgumentException as the constructor, or when the teacher cannot be compiled
     */
    public static DistillationLoss of(Sequential teacher, double temperature, double softWeight) {
        if (teacher == null) {
            throw new IllegalArgumentException(NAME + ": teacher is null");
        }
        return new DistillationLoss(teacher.compile(), temperature, softWeight);
    }

    /**
     * As {@link #of(Sequential, double, double)}, checking first that the student takes the teacher's
     * input shape and has its output width.
     *
     * @throws IllegalArgumentException when either model is null or their shapes differ (naming both)
     */
    public static DistillationLoss of(Sequential teacher, Sequential student, double temperature, double softWeight) {
        if (teacher == null || student == null) {
            throw new IllegalArgumentException(NAME + ": teacher and student must not be null");
        }
        if (!teacher.inputShape().equals(student.inputShape())
                || teacher.outputShape().size() != student.outputShape().size()) {
            throw new IllegalArgumentException(NAME + ": the teacher maps " + teacher.inputShape() + " -> "
                    + teacher.outputShape() + " but the student maps " + student.inputShape() + " -> "
                    + student.outputShape() + "; they need the same input shape and output width");
        }
        return of(teacher, temperature, softWeight);
    }

    /** The softening temperature T. */
    public double temperature() {
        return temperature;
    }

    /** The weight alpha of the soft part, in [0, 1]. */
    public double softWeight() {
        return softWeight;
    }

    /** The compiled teacher. */
    public InferencePlan teacher() {
        return teacher;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@code temperature} and {@code soft_weight}, as Doubles. */
    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("temperature", temperature);
        c.put("soft_weight", softWeight);
        return c;
    }

    /**
     * The mean distillation loss of the student's logits {@code output} for the input rows
     * {@code input} (row r of each belongs together) against labels {@code labels[labelsOff + r]},
     * writing dLoss/dOutput into {@code grad} unless it is null (grad may be the output itself).
     * Runs the teacher on the input rows unless the soft weight is 0.
     *
     * @throws IllegalArgumentException when an argument is null, the input's row count or sample
     *                                  shape does not match the output and the teacher, the output's
     *                                  width is not the teacher's (naming both shapes), or as
     *                                  {@link SparseCategoricalCrossEntropy#forLabels} for the labels and grad
     */
    @Override
    public double forBatch(Tensor input, Tensor output, int[] labels, int labelsOff, Tensor grad) {
        if (output == null) {
            throw new IllegalArgumentException(NAME + ": output is null");
        }
        if (softWeight == 0) {
            return hard.forLabels(output, labels, labelsOff, grad);
        }
        int rows = output.batch();
        int width = checkShapes(input, output);
        if (rows == 0) {
            return hard.forLabels(output, labels, labelsOff, grad);
        }
        int size = rows * width;
        Scratch s = scratch.get();
        s.ensure(size);
        float[] t = s.teacherLogits;
        teacher.predict(input.data(), 0, rows, t, 0);
        // the soft part reads the logits before the hard part may overwrite them (grad == output)
        double[] softGrad = grad == null ? null : s.softGrad;
        double kl = softPart(output.data(), t, rows, width, softGrad);
        double ce = hard.forLabels(output, labels, labelsOff, grad);
        if (grad != null) {
            float[] g = grad.data();
            double hardWeight = 1 - softWeight;
            for (int i = 0; i < size; i++) {
                g[i] = (float) (hardWeight * g[i] + softGrad[i]);
            }
        }
        return softWeight * temperature * temperature * kl + (1 - softWeight) * ce;
    }

    /** Checks the input against the output and the teacher; returns the output's width. */
    private int checkShapes(Tensor input, Tensor output) {
        if (input == null) {
            throw new IllegalArgumentException(NAME + ": input is null; the teacher needs the batch's input rows");
        }
        int rows = output.batch();
        int width = rows == 0 ? output.sampleShape().size() : output.size() / rows;
        Shape teacherOut = teacher.outputShape();
        if (!input.sampleShape().equals(teacher.inputShape()) || width != teacherOut.size()) {
            throw new IllegalArgumentException(NAME + ": the teacher maps " + teacher.inputShape() + " -> " + teacherOut
                    + " but the student's batch has input " + Arrays.toString(input.shape()) + " and output "
                    + Arrays.toString(output.shape()) + "; they need the same input shape and output width");
        }
        if (input.batch() != rows) {
            throw new IllegalArgumentException(NAME + ": input has " + input.batch() + " rows but the output has "
                    + rows + "; each output row needs its input row");
        }
        return width;
    }

    /**
     * The mean over rows of {@code KL(softmax(t/T) || softmax(s/T))}, and into {@code softGrad}
     * (unless null) {@code alpha * T * (softmax(s/T) - softmax(t/T)) / rows}.
     */
    private double softPart(float[] s, float[] t, int rows, int width, double[] softGrad) {
        double invT = 1 / temperature;
        double gradScale = softWeight * temperature / rows;
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            double maxS = Double.NEGATIVE_INFINITY;
            double maxT = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < width; j++) {
                // Math.max passes NaN on, so a NaN logit makes the row's loss NaN
                maxS = Math.max(maxS, s[o + j] * invT);
                maxT = Math.max(maxT, t[o + j] * invT);
            }
            double sumS = 0;
            double sumT = 0;
            for (int j = 0; j < width; j++) {
                sumS += Math.exp(s[o + j] * invT - maxS);
                sumT += Math.exp(t[o + j] * invT - maxT);
            }
            double lseS = maxS + Math.log(sumS);
            double lseT = maxT + Math.log(sumT);
            double kl = 0;
            for (int j = 0; j < width; j++) {
                double logPs = s[o + j] * invT - lseS;
                double logPt = t[o + j] * invT - lseT;
                double pt = Math.exp(logPt);
                // 0 log 0 = 0: a class the teacher rules out adds nothing, whatever the student says
                if (pt != 0) {
                    kl += pt * (logPt - logPs);
                }
                if (softGrad != null) {
                    softGrad[o + j] = gradScale * (Math.exp(logPs) - pt);
                }
            }
            sum += kl;
        }
        return sum / rows;
    }

    /**
     * Always throws: the teacher needs the input rows, which only {@link #forBatch} receives (the
     * trainers and {@code Evaluation} call it).
     *
     * @throws IllegalStateException always
     */
    @Override
    public double forLabels(Tensor output, int[] labels, int labelsOff, Tensor grad) {
        throw new IllegalStateException(NAME + " needs the batch's input rows to run the teacher: call forBatch"
                + " (Trainer, FullBatch and Evaluation do), not forLabels");
    }

    /**
     * Always throws: the hard part reads class indices.
     *
     * @throws IllegalArgumentException always
     */
    @Override
    public double forTargets(Tensor output, Tensor targets, Tensor grad) {
        throw needsLabels();
    }

    /** The row count, after checking the labels array holds the rows. */
    @Override
    public double normalizer(int[] labels, int off, int rows) {
        return hard.normalizer(labels, off, rows);
    }

    /**
     * Always throws: the hard part reads class indices.
     *
     * @throws IllegalArgumentException always
     */
    @Override
    public double normalizer(Tensor targets) {
        throw needsLabels();
    }

    private static IllegalArgumentException needsLabels() {
        return new IllegalArgumentException(NAME + " needs integer class labels and the input rows (forBatch),"
                + " not dense targets");
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s (T = %s, soft weight %s)", NAME, temperature, softWeight);
    }
}
