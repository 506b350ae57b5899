package dev.isthmus.nn.optim;

import dev.isthmus.kernels.Optimizers;
import dev.isthmus.nn.Parameter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdaGrad (Duchi, Hazan and Singer, 2011): each value's step shrinks with the sum of its squared
 * gradients, {@code s += g * g}, {@code w -= lr * g / (sqrt(s) + eps)}, with g the gradient plus the
 * parameter's penalties and s starting at zero. Suited to sparse features; the effective rate only
 * ever decreases.
 */
public final class AdaGrad implements Optimizer {
    private static final String NAME = "adagrad";
    /** PyTorch's default, so that results carry over. */
    private static final double DEFAULT_EPS = 1e-10;

    private final Slots slots;
    private final double initialLr;
    private final double eps;
    private final float epsF;
    private double lr;

    /**
     * AdaGrad with eps = 1e-10.
     *
     * @throws IllegalArgumentException on an empty or null parameter list or a bad learning rate
     */
    public AdaGrad(List<Parameter> params, double lr) {
        this(params, lr, DEFAULT_EPS);
    }

    /**
     * AdaGrad with this eps.
     *
     * @throws IllegalArgumentException on an empty or null parameter list, a bad learning rate, or eps not
     *                                  positive and finite as a float
     */
    public AdaGrad(List<Parameter> params, double lr, double eps) {
        this.lr = Check.learningRate(NAME, lr);
        this.initialLr = lr;
        this.epsF = Check.positive(NAME, "eps", eps);
        this.eps = eps;
        this.slots = new Slots(NAME, params, "sum_squares");
    }

    @Override
    public List<Parameter> parameters() {
        return slots.parameters();
    }

    @Override
    public void step() {
        List<Parameter> params = slots.parameters();
        float rate = (float) lr;
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            Optimizers.adagrad(p.value(), 0, slots.penalizedGradient(p, false), 0, slots.slot(0, i), 0, p.size(),
                    rate, epsF, p.l2());
        }
        slots.countStep();
    }

    @Override
    public double learningRate() {
        return lr;
    }

    @Override
    public void setLearningRate(double lr) {
        this.lr = Check.learningRate(NAME, lr);
    }

    @Override
    public long steps() {
        return slots.steps();
    }

    @Override
    public Map<String, float[]> state() {
        return slots.state();
    }

    @Override
    public void loadState(Map<String, float[]> state) {
        slots.load(state);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("lr", initialLr);
        c.put("eps", eps);
        return c;
    }

    @Override
    public String toString() {
        return "AdaGrad" + config();
    }
}
