package dev.isthmus.nn.optim;

import dev.isthmus.nn.Parameter;

import java.util.List;

/**
 * Limited-memory BFGS (Liu and Nocedal, 1989) for full-batch training of small models: each iteration
 * turns the gradient into a quasi-Newton direction by the two-loop recursion over the last
 * {@code history} steps and searches along it for a point satisfying the strong Wolfe conditions.
 * Where it fits (a smooth loss, a data set small enough to evaluate whole, up to some hundred thousand
 * parameters) it needs far fewer passes than gradient descent and no learning rate.
 *
 * <pre>{@code
 * Lbfgs lbfgs = new Lbfgs(model.parameters());
 * double loss = lbfgs.minimize(() -> {
 *     Tensor out = model.forward(x, Pass.training(0));
 *     double l = CrossEntropy.binaryWithLogits(out.data(), 0, y, 0, n, grad, 0);
 *     model.backward(Tensor.of(grad, n, 1));
 *     return l;
 * }, 100, 1e-5);
 * }</pre>
 *
 * <p>The line search is that of Nocedal and Wright (Numerical Optimization, 2006, algorithms 3.5 and
 * 3.6) with {@code c1 = 1e-4} and {@code c2 = 0.9}: trial steps start at 1 (at {@code 1 / |g|} for the
 * first iteration, whose direction is the raw gradient), double while the loss still falls, and a
 * bracketing interval shrinks by the minimizer of the cubic through its ends' losses and slopes, kept at
 * least a tenth of the interval from either end (bisection when the cubic has none). A search gives up
 * after 20 evaluations, taking its best point if that lowered the loss. A pair of steps
 * {@code (s, y)} is kept only when {@code s.y > 1e-10 |s| |y|}, so the implied Hessian stays positive
 * definite despite rounding.
 *
 * <p>A parameter's L2 penalty is added to the loss ({@code l2 / 2 * sum w^2}) and the gradient;
 * an L1 penalty is refused, since its kink breaks the line search. The iterates, directions and
 * history are double arrays ({@code 8 * (2 * history + 6)} bytes per value); the parameters, being
 * float, hold each iterate rounded to float, and the steps are measured between those rounded points.
 * Minimizing the same function from the same values gives bit-identical results.
 */
public final class Lbfgs {
    /**
     * Recomputes the loss for the parameters' current values and overwrites every parameter's gradient:
     * for full-batch training, a forward and a backward pass over the whole data set. It must return the
     * same value for the same parameter values.
     */
    @FunctionalInterface
    public interface LossFunction {
        double evaluate();
    }

    /** Why the last {@link #minimize} returned. */
    public enum Stop {
        /** The gradient norm reached the tolerance. */
        CONVERGED,
        /**
         * A line search found no lower loss along the direction, or the accepted step did not lower it:
         * usually the loss is as low as float values can resolve.
         */
        NO_PROGRESS,
        /** The iteration limit was reached first. */
        MAX_ITERATIONS,
        /** The loss or gradient at the starting point is NaN or infinite. */
        NOT_FINITE
    }

    private static final String NAME = "lbfgs";
    private static final int DEFAULT_HISTORY = 10;
    private static final double C1 = 1e-4;
    private static final double C2 = 0.9;
    private static final int MAX_LINE_SEARCH_EVALUATIONS = 20;
    private static final double CURVATURE_EPS = 1e-10;
    private static final double EXPANSION = 2;
    /** How close to an end of the bracket an interpolated step may come, as a fraction of the bracket. */
    private static final double SAFEGUARD = 0.1;

    private final List<Parameter> params;
    private final int history;
    // the current point and its gradient (penalties included), the search direction
    private final double[] x;
    private double[] g;
    private final double[] d;
    // the gradient at the last trial point, and at the best accepted trial of the current line search
    private double[] trialG;
    private double[] bestG;
    // the history ring: pair k is s[k], y[k] with rho[k] = 1 / (s.y); newest at index newest
    private final double[][] s;
    private final double[][] y;
    private final double[] rho;
    private final double[] alpha;
    private double[] spareS;
    private double[] spareY;
    private int pairs;
    private int newest;

    private int iterations;
    private int evaluations;
    private Stop stop;
    private double gradientNorm = Double.NaN;
    // results of the last trial evaluation and of the line search
    private double trialSlope;
    private double step;
    private double stepLoss;
    private int lineSearchEvaluations;

    /**
     * L-BFGS over these parameters remembering the last 10 steps.
     *
     * @throws IllegalArgumentException on an empty or null parameter list
     */
    public Lbfgs(List<Parameter> params) {
        this(params, DEFAULT_HISTORY);
    }

    /**
     * L-BFGS over these parameters remembering the last {@code history} steps (3 to 20 is usual).
     *
     * @throws IllegalArgumentException on an empty or null parameter list, history below 1, or more values
     *                                  in all than an array holds
     */
    public Lbfgs(List<Parameter> params, int history) {
        this.params = Check.parameters(NAME, params);
        Check.atLeastOne(NAME, "history", history);
        long total = 0;
        for (Parameter p : this.params) {
            total += p.size();
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(NAME + ": " + total + " parameter values do not fit in one array");
        }
        int n = (int) total;
        this.history = history;
        this.x = new double[n];
        this.g = new double[n];
        this.d = new double[n];
        this.trialG = new double[n];
        this.bestG = new double[n];
        this.s = new double[history][n];
        this.y = new double[history][n];
        this.rho = new double[history];
        this.alpha = new double[history];
        this.spareS = new double[n];
        this.spareY = new double[n];
    }

    /**
     * Minimizes the loss from the parameters' current values, starting with an empty history, and
     * returns the final loss (penalties included). On return the parameters hold the point of that loss;
     * their gradients are those of the last evaluation, which may be a rejected trial point.
     *
     * @param f             recomputes the loss and every gradient at the current values
     * @param maxIterations the most line searches to run; 0 only evaluates the loss
     * @param tolerance     stop once the L2 norm of the whole gradient is at most this
     * @throws IllegalArgumentException when f is null, maxIterations is negative, tolerance is negative or
     *                                  NaN, or a parameter has an L1 penalty
     */
    public double minimize(LossFunction f, int maxIterations, double tolerance) {
        if (f == null) {
            throw new IllegalArgumentException(NAME + ": the loss function is null");
        }
        if (maxIterations < 0) {
            throw new IllegalArgumentException(NAME + ": maxIterations must be >= 0, got " + maxIterations);
        }
        if (!(tolerance >= 0)) {
            throw new IllegalArgumentException(NAME + ": tolerance must be >= 0, got " + tolerance);
        }
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            if (p.l1() != 0f) {
                throw new IllegalArgumentException(NAME + ": parameter " + i + " (" + p + ") has L1 penalty " + p.l1()
                        + ", but L-BFGS needs a smooth loss; remove it or train with a first-order optimizer");
            }
        }
        pairs = 0;
        iterations = 0;
        evaluations = 0;
        readValues();
        double loss = evaluate(f, g);
        gradientNorm = Math.sqrt(dot(g, g));
        if (!Double.isFinite(loss) || !Double.isFinite(gradientNorm)) {
            stop = Stop.NOT_FINITE;
            return loss;
        }
        while (true) {
            if (gradientNorm <= tolerance) {
                stop = Stop.CONVERGED;
                break;
            }
            if (iterations == maxIterations) {
                stop = Stop.MAX_ITERATIONS;
                break;
            }
            direction();
            double slope = dot(g, d);
            if (!(slope < 0)) {
                // rounding can spoil the curvature information; start again from steepest descent
                pairs = 0;
                direction();
                slope = dot(g, d);
            }
            double firstStep = pairs == 0 ? Math.min(1, 1 / gradientNorm) : 1;
            boolean found = lineSearch(f, loss, slope, firstStep);
            if (!found) {
                writeValues(0);
                stop = Stop.NO_PROGRESS;
                break;
            }
            writeValues(step);
            iterations++;
            boolean lower = stepLoss < loss;
            remember();
            loss = stepLoss;
            gradientNorm = Math.sqrt(dot(g, g));
            if (!lower) {
                stop = Stop.NO_PROGRESS;
                break;
            }
        }
        return loss;
    }

    /** Line searches (iterations) completed by the last {@link #minimize}. */
    public int iterations() {
        return iterations;
    }

    /** Loss evaluations made by the last {@link #minimize}, the first one included. */
    public int evaluations() {
        return evaluations;
    }

    /** Why the last {@link #minimize} returned, or null before the first. */
    public Stop stopReason() {
        return stop;
    }

    /** The L2 norm of the gradient (penalties included) at the point the last {@link #minimize} returned. */
    public double gradientNorm() {
        return gradientNorm;
    }

    /** The number of steps remembered. */
    public int history() {
        return history;
    }

    /**
     * Searches along d from x for a step satisfying the strong Wolfe conditions, or failing that, one
     * that lowered the loss. Sets {@link #step}, {@link #stepLoss} and {@link #bestG}; false when no
     * step lowered the loss.
     */
    private boolean lineSearch(LossFunction f, double f0, double slope0, double firstStep) {
        lineSearchEvaluations = 0;
        double previous = 0;
        double fPrevious = f0;
        double dPrevious = slope0;
        double a = firstStep;
        while (true) {
            double fa = trial(f, a);
            double da = trialSlope;
            if (!Double.isFinite(fa) || !Double.isFinite(da) || fa > f0 + C1 * a * slope0
                    || (previous > 0 && fa >= fPrevious)) {
                return zoom(f, f0, slope0, previous, fPrevious, dPrevious, a, fa, da);
            }
            if (Math.abs(da) <= -C2 * slope0) {
                return accept(a, fa);
            }
            if (da >= 0) {
                keepTrialGradient();
                return zoom(f, f0, slope0, a, fa, da, previous, fPrevious, dPrevious);
            }
            // sufficient decrease and still falling: remember this point and look further
            keepTrialGradient();
            previous = a;
            fPrevious = fa;
            dPrevious = da;
            if (lineSearchEvaluations >= MAX_LINE_SEARCH_EVALUATIONS) {
                step = a;
                stepLoss = fa;
                return true;
            }
            a *= EXPANSION;
        }
    }

    /**
     * Shrinks the bracket between lo (the lowest point so far with sufficient decrease, its gradient in
     * {@link #bestG} unless lo is 0) and hi until a point satisfies the strong Wolfe conditions.
     */
    private boolean zoom(LossFunction f, double f0, double slope0, double lo, double fLo, double dLo,
                         double hi, double fHi, double dHi) {
        while (lineSearchEvaluations < MAX_LINE_SEARCH_EVALUATIONS) {
            double a = interpolate(lo, fLo, dLo, hi, fHi, dHi);
            double fa = trial(f, a);
            double da = trialSlope;
            if (!Double.isFinite(fa) || !Double.isFinite(da) || fa > f0 + C1 * a * slope0 || fa >= fLo) {
                hi = a;
                fHi = fa;
                dHi = da;
                continue;
            }
            if (Math.abs(da) <= -C2 * slope0) {
                return accept(a, fa);
            }
            if (da * (hi - lo) >= 0) {
                hi = lo;
                fHi = fLo;
                dHi = dLo;
            }
            keepTrialGradient();
            lo = a;
            fLo = fa;
            dLo = da;
        }
        if (lo > 0 && fLo < f0) {
            step = lo;
            stepLoss = fLo;
            return true;
        }
        return false;
    }

    private boolean accept(double a, double fa) {
        keepTrialGradient();
        step = a;
        stepLoss = fa;
        return true;
    }

    /**
     * The minimizer of the cubic matching the losses and slopes at a and b (Nocedal and Wright, eq. 3.59),
     * kept {@link #SAFEGUARD} of the interval away from both ends; the midpoint when the cubic has no
     * minimizer or an end has no finite loss.
     */
    private static double interpolate(double a, double fa, double da, double b, double fb, double db) {
        double lowEnd = Math.min(a, b);
        double highEnd = Math.max(a, b);
        double width = highEnd - lowEnd;
        double mid = lowEnd + width / 2;
        double d1 = da + db - 3 * (fa - fb) / (a - b);
        double radicand = d1 * d1 - da * db;
        if (!(radicand >= 0) || !Double.isFinite(radicand)) {
            return mid;
        }
        double d2 = Math.copySign(Math.sqrt(radicand), b - a);
        double t = b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
        if (!Double.isFinite(t)) {
            return mid;
        }
        return Math.min(Math.max(t, lowEnd + SAFEGUARD * width), highEnd - SAFEGUARD * width);
    }

    /** Sets the parameters to {@code x + a * d}, evaluates, and fills {@link #trialG} and {@link #trialSlope}. */
    private double trial(LossFunction f, double a) {
        writeValues(a);
        lineSearchEvaluations++;
        double loss = evaluate(f, trialG);
        trialSlope = dot(trialG, d);
        return loss;
    }

    private void keepTrialGradient() {
        double[] t = bestG;
        bestG = trialG;
        trialG = t;
    }

    /** Calls f at the parameters' current values and returns the loss with penalties, their gradient in out. */
    private double evaluate(LossFunction f, double[] out) {
        evaluations++;
        double loss = f.evaluate();
        int k = 0;
        for (Parameter p : params) {
            float[] w = p.value();
            float[] grad = p.grad();
            double l2 = p.l2();
            double squares = 0;
            for (int j = 0; j < w.length; j++, k++) {
                out[k] = grad[j] + l2 * w[j];
                squares += (double) w[j] * w[j];
            }
            loss += l2 / 2 * squares;
        }
        return loss;
    }

    /** Reads the parameters' values into x. */
    private void readValues() {
        int k = 0;
        for (Parameter p : params) {
            float[] w = p.value();
            for (int j = 0; j < w.length; j++, k++) {
                x[k] = w[j];
            }
        }
    }

    /** Sets the parameters to {@code x + a * d}, rounded to float; to x exactly for a = 0, whatever d holds. */
    private void writeValues(double a) {
        int k = 0;
        for (Parameter p : params) {
            float[] w = p.value();
            for (int j = 0; j < w.length; j++, k++) {
                w[j] = (float) (a == 0 ? x[k] : x[k] + a * d[k]);
            }
        }
    }

    /**
     * Moves x and g to the accepted point (whose values the parameters hold) and records the step pair
     * when it passes the curvature check.
     */
    private void remember() {
        int k = 0;
        double[] sNew = spareS;
        double[] yNew = spareY;
        for (Parameter p : params) {
            float[] w = p.value();
            for (int j = 0; j < w.length; j++, k++) {
                sNew[k] = w[j] - x[k];
                yNew[k] = bestG[k] - g[k];
                x[k] = w[j];
            }
        }
        double[] t = g;
        g = bestG;
        bestG = t;
        double sy = dot(sNew, yNew);
        double yy = dot(yNew, yNew);
        if (!(sy > CURVATURE_EPS * Math.sqrt(dot(sNew, sNew) * yy))) {
            return;
        }
        // the new pair takes the oldest slot; its arrays become the spares
        newest = pairs == 0 ? 0 : (newest + 1) % history;
        spareS = s[newest];
        spareY = y[newest];
        s[newest] = sNew;
        y[newest] = yNew;
        rho[newest] = 1 / sy;
        pairs = Math.min(pairs + 1, history);
    }

    /** d = -H g by the two-loop recursion, H scaled by {@code s.y / y.y} of the newest pair; d = -g without pairs. */
    private void direction() {
        System.arraycopy(g, 0, d, 0, d.length);
        if (pairs > 0) {
            for (int i = 0, k = newest; i < pairs; i++, k = (k - 1 + history) % history) {
                alpha[k] = rho[k] * dot(s[k], d);
                axpy(-alpha[k], y[k], d);
            }
            double gamma = 1 / (rho[newest] * dot(y[newest], y[newest]));
            scale(gamma, d);
            for (int i = 0, k = (newest - pairs + 1 + history) % history; i < pairs; i++, k = (k + 1) % history) {
                double beta = rho[k] * dot(y[k], d);
                axpy(alpha[k] - beta, s[k], d);
            }
        }
        scale(-1, d);
    }

    // Vector arithmetic of the outer algorithm, in double for its stability; the kernels are float-only
    // and these loops are cheap beside a full-batch loss evaluation.

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static void axpy(double alpha, double[] xs, double[] ys) {
        for (int i = 0; i < xs.length; i++) {
            ys[i] += alpha * xs[i];
        }
    }

    private static void scale(double alpha, double[] xs) {
        for (int i = 0; i < xs.length; i++) {
            xs[i] *= alpha;
        }
    }
}
