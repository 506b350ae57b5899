package dev.isthmus.nn.optim;

import dev.isthmus.kernels.Elementwise;
import dev.isthmus.nn.Parameter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What every first-order optimizer keeps besides its hyperparameters: the parameters, one state array
 * per parameter for each kind of state (slot), the step count, and the scratch gradient that carries
 * the penalties the fused kernels cannot add themselves.
 *
 * <p>State is exchanged as named copies: {@code <optimizer>.<slot>.<i>} holds slot {@code slot} of
 * parameter i, and {@code <optimizer>.steps} holds the step count as two floats {@code {high, low}}
 * with {@code steps = high * 2^24 + low}, each part an integer a float represents exactly (a single
 * float would stop counting at 2^24 = 16.7 million steps).
 */
final class Slots {
    private static final float TWO_TO_24 = 0x1p24f;

    private final String optimizer;
    private final List<Parameter> params;
    private final String[] slots;
    // values[s][i]: slot s of parameter i, the same length as the parameter
    private final float[][][] values;
    private long steps;
    private float[] scratch;

    Slots(String optimizer, List<Parameter> params, String... slots) {
        this.optimizer = optimizer;
        this.params = Check.parameters(optimizer, params);
        this.slots = slots.clone();
        this.values = new float[slots.length][this.params.size()][];
        for (int s = 0; s < slots.length; s++) {
            for (int i = 0; i < this.params.size(); i++) {
                values[s][i] = new float[this.params.get(i).size()];
            }
        }
    }

    List<Parameter> parameters() {
        return params;
    }

    /** Slot {@code slot} (an index into the names given at construction) of parameter i. */
    float[] slot(int slot, int i) {
        return values[slot][i];
    }

    long steps() {
        return steps;
    }

    void countStep() {
        steps++;
    }

    /**
     * The gradient to hand a fused kernel for parameter p: its own gradient array when nothing needs
     * adding, else a scratch copy plus {@code l1 * sign(w)} and, when {@code addL2}, {@code l2 * w}.
     * The parameter's gradient is never changed, so a second step without a backward pass in between
     * sees the same gradient again rather than one with the penalties added twice. Optimizers whose
     * kernel adds {@code weightDecay * w} itself pass l2 there and {@code addL2 = false}.
     */
    float[] penalizedGradient(Parameter p, boolean addL2) {
        float l1 = p.l1();
        float l2 = addL2 ? p.l2() : 0f;
        if (l1 == 0f && l2 == 0f) {
            return p.grad();
        }
        int n = p.size();
        float[] w = p.value();
        float[] g = scratch(n);
        if (l1 != 0f) {
            // sign(w) with the kernels at hand: two scalings by 2^127 take every nonzero float, even the
            // smallest subnormal (2^-149), to a magnitude of at least 1 (or to infinity), and the clamp
            // makes that exactly -1 or +1; zeros stay zeros of the same sign and NaN stays NaN
            Elementwise.scale(0x1p127f, w, 0, g, 0, n);
            Elementwise.scale(0x1p127f, g, 0, g, 0, n);
            Elementwise.clamp(-1f, 1f, g, 0, g, 0, n);
            // l1 * (+-1) is exact, so the sum below rounds once, like grad + l1 * sign(w) in scalar code
            Elementwise.scale(l1, g, 0, g, 0, n);
            Elementwise.add(p.grad(), 0, g, 0, g, 0, n);
        } else {
            System.arraycopy(p.grad(), 0, g, 0, n);
        }
        if (l2 != 0f) {
            Elementwise.axpy(l2, w, 0, g, 0, n);
        }
        return g;
    }

    private float[] scratch(int n) {
        if (scratch == null || scratch.length < n) {
            int largest = 0;
            for (Parameter p : params) {
                largest = Math.max(largest, p.size());
            }
            scratch = new float[largest];
        }
        return scratch;
    }

    /** Copies of the step count and every slot, in a fixed order: steps, then parameter by parameter. */
    Map<String, float[]> state() {
        Map<String, float[]> state = new LinkedHashMap<>();
        state.put(stepsKey(), new float[] {(float) (steps >>> 24), (float) (steps & 0xFFFFFF)});
        for (int i = 0; i < params.size(); i++) {
            for (int s = 0; s < slots.length; s++) {
                state.put(key(s, i), values[s][i].clone());
            }
        }
        return Collections.unmodifiableMap(state);
    }

    /**
     * Replaces the step count and every slot by copies of the given ones, after checking all of them,
     * so a rejected map leaves this state as it was.
     */
    void load(Map<String, float[]> state) {
        if (state == null) {
            throw new IllegalArgumentException(optimizer + " state: the map is null");
        }
        float[] count = state.get(stepsKey());
        if (count == null) {
            throw new IllegalArgumentException(optimizer + " state: missing '" + stepsKey() + "' (the step count)"
                    + foreignHint(state));
        }
        long loadedSteps = steps(count);
        for (int i = 0; i < params.size(); i++) {
            for (int s = 0; s < slots.length; s++) {
                float[] a = state.get(key(s, i));
                Parameter p = params.get(i);
                if (a == null) {
                    throw new IllegalArgumentException(optimizer + " state: missing '" + key(s, i) + "', the "
                            + slots[s] + " of parameter " + i + " (" + p + ", " + p.size() + " values)"
                            + foreignHint(state));
                }
                if (a.length != p.size()) {
                    throw new IllegalArgumentException(optimizer + " state: '" + key(s, i) + "' has " + a.length
                            + " values, but parameter " + i + " (" + p + ") has " + p.size());
                }
            }
        }
        int expected = 1 + slots.length * params.size();
        if (state.size() != expected) {
            TreeSet<String> unknown = new TreeSet<>(Comparator.nullsFirst(Comparator.<String>naturalOrder()));
            unknown.addAll(state.keySet());
            unknown.removeAll(expectedKeys());
            throw new IllegalArgumentException(optimizer + " state: unexpected entries " + unknown + " for "
                    + params.size() + " parameters (expected " + expected + " entries: " + stepsKey()
                    + (slots.length == 0 ? "" : " and " + String.join(", ", slotPatterns())) + ")");
        }
        for (int i = 0; i < params.size(); i++) {
            for (int s = 0; s < slots.length; s++) {
                float[] a = state.get(key(s, i));
                System.arraycopy(a, 0, values[s][i], 0, a.length);
            }
        }
        steps = loadedSteps;
    }

    private long steps(float[] count) {
        if (count.length != 2) {
            throw new IllegalArgumentException(optimizer + " state: '" + stepsKey()
                    + "' must hold 2 values {high, low}, got " + count.length);
        }
        float high = count[0];
        float low = count[1];
        if (!(high >= 0f && high < TWO_TO_24 && high == Math.rint(high))
                || !(low >= 0f && low < TWO_TO_24 && low == Math.rint(low))) {
            throw new IllegalArgumentException(optimizer + " state: '" + stepsKey()
                    + "' must hold two whole numbers in [0, 2^24), got {" + high + ", " + low + "}");
        }
        return ((long) high << 24) + (long) low;
    }

    /** When the map looks like another optimizer's, says so: the usual cause of a missing entry. */
    private String foreignHint(Map<String, float[]> state) {
        for (String k : state.keySet()) {
            if (k != null && !k.startsWith(optimizer + ".")) {
                int dot = k.indexOf('.');
                return " (the map has '" + k + "'" + (dot > 0 ? ", state of a '" + k.substring(0, dot)
                        + "' optimizer?" : "") + ")";
            }
        }
        return "";
    }

    private List<String> expectedKeys() {
        List<String> keys = new ArrayList<>();
        keys.add(stepsKey());
        for (int i = 0; i < params.size(); i++) {
            for (int s = 0; s < slots.length; s++) {
                keys.add(key(s, i));
            }
        }
        return keys;
    }

    private List<String> slotPatterns() {
        List<String> patterns = new ArrayList<>();
        for (String slot : slots) {
            patterns.add(optimizer + "." + slot + ".0.." + (params.size() - 1));
        }
        return patterns;
    }

    private String stepsKey() {
        return optimizer + ".steps";
    }

    private String key(int slot, int i) {
        return optimizer + "." + slots[slot] + "." + i;
    }
}
