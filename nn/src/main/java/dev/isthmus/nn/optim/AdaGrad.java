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
public final class AdaGrad extends SlotOptimizer {
    private static final String NAME = "adagrad";
    /** PyTorch's default, so that results carry over. */
    private static final double DEFAULT_EPS = 1e-10;

    private final double eps;
    private final float epsF;

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
        super(NAME, lr, new Slots(NAME, params, "sum_squares"));
        this.epsF = Check.positive(NAME, "eps", eps);
        this.eps = eps;
    }

    @Override
    public void step() {
        List<Parameter> params = slots.parameters();
        float rate = (float) learningRate();
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            Optimizers.adagrad(p.value(), 0, slots.penalizedGradient(p, false), 0, slots.slot(0, i), 0, p.size(),
                    rate, epsF, p.l2());
        }
        slots.countStep();
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("lr", initialLr);
        c.put("eps", eps);
        return c;
    }
}
