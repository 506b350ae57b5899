package dev.isthmus.nn.optim;

import dev.isthmus.kernels.Optimizers;
import dev.isthmus.nn.Parameter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent, plain or with (Nesterov) momentum. With g the gradient plus the
 * parameter's penalties:
 *
 * <ul>
 * <li>plain: {@code w -= lr * g};
 * <li>momentum: {@code v = momentum * v + g}, {@code w -= lr * v} (velocity starts at zero);
 * <li>Nesterov: {@code v = momentum * v + g}, {@code w -= lr * (g + momentum * v)}: the momentum of
 *     Sutskever et al. (2013) rewritten so that the stored weights are the ones the gradient was taken
 *     at, as PyTorch's {@code SGD(nesterov=True)} does.
 * </ul>
 *
 * Full-batch gradient descent, mini-batch SGD and single-sample SGD are all this optimizer: they differ
 * only in how many samples the trainer averages the gradient over before each step.
 */
public final class Sgd extends SlotOptimizer {
    private static final String NAME = "sgd";

    private final double momentum;
    private final float momentumF;
    private final boolean nesterov;

    /**
     * Plain SGD.
     *
     * @throws IllegalArgumentException on an empty or null parameter list or a bad learning rate
     */
    public Sgd(List<Parameter> params, double lr) {
        this(params, lr, 0, false);
    }

    /**
     * SGD with momentum in [0, 1), Nesterov's when {@code nesterov}; momentum 0 is plain SGD.
     *
     * @throws IllegalArgumentException on an empty or null parameter list, a bad learning rate, momentum
     *                                  outside [0, 1), or {@code nesterov} with momentum 0
     */
    public Sgd(List<Parameter> params, double lr, double momentum, boolean nesterov) {
        // plain SGD has no state but the step count
        super(NAME, lr, Check.unitInterval(NAME, "momentum", momentum) == 0f
                ? new Slots(NAME, params)
                : new Slots(NAME, params, "velocity"));
        this.momentumF = Check.unitInterval(NAME, "momentum", momentum);
        this.momentum = momentum;
        if (nesterov && momentumF == 0f) {
            throw new IllegalArgumentException(NAME + ": nesterov needs momentum > 0, got momentum " + momentum);
        }
        this.nesterov = nesterov;
    }

    @Override
    public void step() {
        List<Parameter> params = slots.parameters();
        float rate = (float) learningRate();
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            float[] velocity = momentumF == 0f ? null : slots.slot(0, i);
            // the kernel's weight decay is exactly the L2 penalty, so only L1 needs the scratch gradient
            Optimizers.sgd(p.value(), 0, slots.penalizedGradient(p, false), 0, velocity, 0, p.size(), rate,
                    momentumF, p.l2(), nesterov);
        }
        slots.countStep();
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("lr", initialLr);
        c.put("momentum", momentum);
        c.put("nesterov", nesterov);
        return c;
    }
}
