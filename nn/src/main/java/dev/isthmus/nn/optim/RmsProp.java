package dev.isthmus.nn.optim;

import dev.isthmus.kernels.Optimizers;
import dev.isthmus.nn.Parameter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RMSprop (Tieleman and Hinton, 2012): each value's step is divided by a running root mean square of
 * its gradients, {@code s = rho * s + (1 - rho) * g * g}, {@code w -= lr * g / (sqrt(s) + eps)}, with g
 * the gradient plus the parameter's penalties and s starting at zero (not centered, no momentum, as
 * PyTorch's defaults).
 */
public final class RmsProp extends SlotOptimizer {
    private static final String NAME = "rmsprop";
    /** PyTorch's defaults (its alpha is this rho), so that results carry over. */
    private static final double DEFAULT_RHO = 0.99;
    private static final double DEFAULT_EPS = 1e-8;

    private final double rho;
    private final float rhoF;
    private final double eps;
    private final float epsF;

    /**
     * RMSprop with rho = 0.99 and eps = 1e-8.
     *
     * @throws IllegalArgumentException on an empty or null parameter list or a bad learning rate
     */
    public RmsProp(List<Parameter> params, double lr) {
        this(params, lr, DEFAULT_RHO, DEFAULT_EPS);
    }

    /**
     * RMSprop with these hyperparameters.
     *
     * @throws IllegalArgumentException on an empty or null parameter list, a bad learning rate, rho outside
     *                                  [0, 1), or eps not positive and finite as a float
     */
    public RmsProp(List<Parameter> params, double lr, double rho, double eps) {
        super(NAME, lr, new Slots(NAME, params, "mean_square"));
        this.rhoF = Check.unitInterval(NAME, "rho", rho);
        this.rho = rho;
        this.epsF = Check.positive(NAME, "eps", eps);
        this.eps = eps;
    }

    @Override
    public void step() {
        List<Parameter> params = slots.parameters();
        float rate = (float) learningRate();
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            Optimizers.rmsprop(p.value(), 0, slots.penalizedGradient(p, false), 0, slots.slot(0, i), 0, p.size(),
                    rate, rhoF, epsF, p.l2());
        }
        slots.countStep();
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("lr", initialLr);
        c.put("rho", rho);
        c.put("eps", eps);
        return c;
    }
}
