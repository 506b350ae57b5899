package dev.isthmus.nn.optim;

import dev.isthmus.nn.Parameter;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Argument checks shared by the optimizers and schedules. Hyperparameters the kernels take as float
 * are checked after the conversion, because a double such as {@code 0.99999999} rounds to 1f and
 * would only fail later, inside a step.
 */
final class Check {
    private Check() {}

    /** A copy of the list, after checking it is non-empty, null-free, and that no two parameters share values. */
    static List<Parameter> parameters(String op, List<Parameter> params) {
        if (params == null || params.isEmpty()) {
            throw new IllegalArgumentException(op + ": needs at least one parameter, got "
                    + (params == null ? "null" : "an empty list"));
        }
        // two parameters over one value array (a layer and its replica) would be updated twice per step
        Map<float[], Integer> seen = new IdentityHashMap<>();
        List<Parameter> copy = new ArrayList<>(params.size());
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            if (p == null) {
                throw new IllegalArgumentException(op + ": parameter " + i + " is null");
            }
            Integer earlier = seen.putIfAbsent(p.value(), i);
            if (earlier != null) {
                throw new IllegalArgumentException(op + ": parameters " + earlier + " (" + params.get(earlier)
                        + ") and " + i + " (" + p + ") share one value array; pass each parameter once");
            }
            copy.add(p);
        }
        return List.copyOf(copy);
    }

    /** A learning rate: finite and >= 0, also as a float. */
    static double learningRate(String op, double lr) {
        if (!(lr >= 0) || !Float.isFinite((float) lr)) {
            throw new IllegalArgumentException(op + ": learning rate must be finite and >= 0, got " + lr);
        }
        return lr;
    }

    /** A value in [0, 1) once converted to float (a momentum, a decay rate, a beta). */
    static float unitInterval(String op, String name, double value) {
        float f = (float) value;
        if (!(f >= 0f && f < 1f)) {
            throw new IllegalArgumentException(op + ": " + name + " must be in [0, 1) as a float, got " + value);
        }
        return f;
    }

    /** A value that is finite and > 0 once converted to float (an epsilon). */
    static float positive(String op, String name, double value) {
        float f = (float) value;
        if (!(f > 0f) || f == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(op + ": " + name + " must be finite and > 0 as a float, got " + value);
        }
        return f;
    }

    /** A value that is finite and >= 0 once converted to float (a weight decay). */
    static float nonNegative(String op, String name, double value) {
        float f = (float) value;
        if (!(f >= 0f) || f == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(op + ": " + name + " must be finite and >= 0, got " + value);
        }
        return f;
    }

    /** A double that is finite and > 0 (a rate, a factor, a norm). */
    static double positiveFinite(String op, String name, double value) {
        if (!(value > 0) || value == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(op + ": " + name + " must be finite and > 0, got " + value);
        }
        return value;
    }

    /** A double that is finite and >= 0. */
    static double nonNegativeFinite(String op, String name, double value) {
        if (!(value >= 0) || value == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(op + ": " + name + " must be finite and >= 0, got " + value);
        }
        return value;
    }

    /** A count or period that must be at least 1. */
    static long atLeastOne(String op, String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(op + ": " + name + " must be >= 1, got " + value);
        }
        return value;
    }
}
