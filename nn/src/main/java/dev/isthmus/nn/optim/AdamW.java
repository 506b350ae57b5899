package dev.isthmus.nn.optim;

import dev.isthmus.kernels.Optimizers;
import dev.isthmus.nn.Parameter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter, 2019): {@link Adam} with weight decay decoupled from the gradient.
 * Each step first shrinks every value, {@code w -= lr * weightDecay * w}, then takes Adam's step with g
 * the gradient plus the parameter's own penalties. The two are separate knobs: {@code weightDecay}
 * applies to every parameter given (leave biases and normalization parameters out of the list, or use
 * a second optimizer, to exempt them), while a parameter's L2 penalty still enters the gradient and so
 * passes through Adam's adaptive scaling.
 */
public final class AdamW extends SlotOptimizer {
    private static final String NAME = "adamw";
    /** PyTorch's default, so that results carry over. */
    private static final double DEFAULT_WEIGHT_DECAY = 0.01;

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final float beta1F;
    private final float beta2F;
    private final float epsF;
    private final float weightDecayF;

    /**
     * AdamW with beta1 = 0.9, beta2 = 0.999, eps = 1e-8 and weightDecay = 0.01.
     *
     * @throws IllegalArgumentException on an empty or null parameter list or a bad learning rate
     */
    public AdamW(List<Parameter> params, double lr) {
        this(params, lr, Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2, Adam.DEFAULT_EPS, DEFAULT_WEIGHT_DECAY);
    }

    /**
     * AdamW with these hyperparameters.
     *
     * @throws IllegalArgumentException on an empty or null parameter list, a bad learning rate, beta1 or
     *                                  beta2 outside [0, 1), eps not positive and finite as a float, or
     *                                  weightDecay negative or not finite
     */
    public AdamW(List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        super(NAME, lr, new Slots(NAME, params, "m", "v"));
        this.beta1F = Check.unitInterval(NAME, "beta1", beta1);
        this.beta2F = Check.unitInterval(NAME, "beta2", beta2);
        this.epsF = Check.positive(NAME, "eps", eps);
        this.weightDecayF = Check.nonNegative(NAME, "weightDecay", weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    @Override
    public void step() {
        List<Parameter> params = slots.parameters();
        float rate = (float) learningRate();
        long t = slots.steps() + 1;
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            // the kernel's decay slot holds the decoupled weight decay, so the L2 penalty goes into the gradient
            Optimizers.adam(p.value(), 0, slots.penalizedGradient(p, true), 0, slots.slot(0, i), 0,
                    slots.slot(1, i), 0, p.size(), rate, beta1F, beta2F, epsF, t, weightDecayF, true);
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
        c.put("weight_decay", weightDecay);
        return c;
    }
}
