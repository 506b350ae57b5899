package dev.isthmus.nn.optim;

import dev.isthmus.kernels.Elementwise;
import dev.isthmus.kernels.Reductions;
import dev.isthmus.kernels.ScalarReductions;
import dev.isthmus.nn.Parameter;

import java.util.List;

/**
 * Gradient clipping by global norm (Pascanu, Mikolov and Bengio, 2013): when the L2 norm of all
 * gradients together exceeds a maximum, every gradient is scaled by the same factor so the norm becomes
 * that maximum, which keeps the direction of the step and bounds its length. Call it between the
 * backward pass and {@link Optimizer#step()}.
 */
public final class GradientClipping {
    private GradientClipping() {}

    /**
     * The global L2 norm of the parameters' gradients: each parameter's sum of squares in list order,
     * added up in double, so the same gradients give the same norm. Penalties are not included.
     *
     * @throws IllegalArgumentException when params or one of them is null
     */
    public static double norm(List<Parameter> params) {
        if (params == null) {
            throw new IllegalArgumentException("gradient norm: params is null");
        }
        double sum = 0;
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            if (p == null) {
                throw new IllegalArgumentException("gradient norm: parameter " + i + " is null");
            }
            double squares = Reductions.sumOfSquares(p.grad(), 0, p.size());
            if (squares == Double.POSITIVE_INFINITY) {
                // the fast kernel sums in float, which overflows past about 1.8e19 while the gradient may
                // still be finite; the double sum is infinite only for an infinite element
                squares = ScalarReductions.sumOfSquares(p.grad(), 0, p.size());
            }
            sum += squares;
        }
        return Math.sqrt(sum);
    }

    /**
     * Scales every gradient by {@code maxNorm / norm} when their global {@link #norm} exceeds maxNorm, and
     * returns the norm measured before clipping. When that norm is NaN or infinite, it is returned and the
     * gradients are left as they are: the step is lost either way, and the trainer decides whether to
     * skip it or stop.
     *
     * @throws IllegalArgumentException when maxNorm is not positive and finite, or params or one of them is null
     */
    public static double byNorm(List<Parameter> params, double maxNorm) {
        Check.positiveFinite("gradient clipping", "maxNorm", maxNorm);
        double norm = norm(params);
        if (norm > maxNorm && norm != Double.POSITIVE_INFINITY) {
            float factor = (float) (maxNorm / norm);
            for (Parameter p : params) {
                Elementwise.scale(factor, p.grad(), 0, p.grad(), 0, p.size());
            }
        }
        return norm;
    }
}
