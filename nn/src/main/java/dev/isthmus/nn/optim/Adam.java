package dev.isthmus.nn.optim;

import dev.isthmus.kernels.Optimizers;
import dev.isthmus.nn.Parameter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma and Ba, 2015) with bias correction: {@code m = beta1 * m + (1 - beta1) * g},
 * {@code v = beta2 * v + (1 - beta2) * g * g}, and at step t (from 1)
 * {@code w -= lr * m_hat / (sqrt(v_hat) + eps)} with {@code m_hat = m / (1 - beta1^t)} and
 * {@code v_hat = v / (1 - beta2^t)}; g is the gradient plus the parameter's penalties, and m and v
 * start at zero. The L2 penalty therefore passes through the adaptive scaling; for weight decay that
 * does not, use {@link AdamW}.
 */
public final class Adam extends SlotOptimizer {
    private static final String NAME = "adam";
    static final double DEFAULT_BETA1 = 0.9;
    static final double DEFAULT_BETA2 = 0.999;
    static final double DEFAULT_EPS = 1e-8;

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final float beta1F;
    private final float beta2F;
    private final float epsF;

    /**
     * Adam with beta1 = 0.9, beta2 = 0.999 and eps = 1e-8, the paper's defaults; lr = 1e-3 is the usual
     * start.
     *
     * @throws IllegalArgumentException on an empty or null parameter list or a bad learning rate
     */
    public Adam(List<Parameter> params, double lr) {
        this(params, lr, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS);
    }

    /**
     * Adam with these hyperparameters.
     *
     * @throws IllegalArgumentException on an empty or null parameter list, a bad learning rate, beta1 or
     *                                  beta2 outside [0, 1), or eps not positive and finite as a float
     */
    public Adam(List<Parameter> params, double lr, double beta1, double beta2, double eps) {
        super(NAME, lr, new Slots(NAME, params, "m", "v"));
        this.beta1F = Check.unitInterval(NAME, "beta1", beta1);
        this.beta2F = Check.unitInterval(NAME, "beta2", beta2);
        this.epsF = Check.positive(NAME, "eps", eps);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    @Override
    public void step() {
        List<Parameter> params = slots.parameters();
        float rate = (float) learningRate();
        long t = slots.steps() + 1;
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            // the kernel's coupled weight decay is exactly the L2 penalty
            Optimizers.adam(p.value(), 0, slots.penalizedGradient(p, false), 0, slots.slot(0, i), 0,
                    slots.slot(1, i), 0, p.size(), rate, beta1F, beta2F, epsF, t, p.l2(), false);
        }
        slots.countStep();
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("lr", initialLr);
        c.put("beta1", beta1);
        c.put("beta2", beta2);
        c.put("eps", eps);
        return c;
    }
}
