package dev.isthmus.nn.structure;

import java.util.Arrays;

/**
 * Where each unit (feature or channel) of a rebuilt tensor comes from: new unit {@code u} takes the
 * values of original unit {@code source[u]}, and a layer consuming it multiplies that unit's input
 * weights by {@code scale[u]}. Pruning keeps a subset with scale 1; widening repeats units and splits
 * their outgoing weights between the copies.
 */
record UnitMap(int[] source, float[] scale) {

    UnitMap {
        if (source.length != scale.length) {
            throw new IllegalArgumentException("unit map: " + source.length + " sources but " + scale.length + " scales");
        }
    }

    /** Every one of {@code units} units kept in place, scale 1. */
    static UnitMap identity(int units) {
        int[] source = new int[units];
        for (int u = 0; u < units; u++) {
            source[u] = u;
        }
        return subset(source);
    }

    /** These original units, in this order, scale 1. */
    static UnitMap subset(int[] kept) {
        float[] ones = new float[kept.length];
        Arrays.fill(ones, 1f);
        return new UnitMap(kept.clone(), ones);
    }

    int size() {
        return source.length;
    }

    /**
     * The map of the same units after each became {@code spatial} consecutive features (flattening a
     * (channels, height, width) sample): feature {@code c * spatial + s} comes from
     * {@code source[c] * spatial + s}.
     */
    UnitMap spread(int spatial) {
        int[] s = new int[source.length * spatial];
        float[] f = new float[s.length];
        for (int c = 0; c < source.length; c++) {
            for (int p = 0; p < spatial; p++) {
                s[c * spatial + p] = source[c] * spatial + p;
                f[c * spatial + p] = scale[c];
            }
        }
        return new UnitMap(s, f);
    }

    /** {@code to[u] = from[source[u]]} for every new unit. */
    void gather(float[] from, float[] to) {
        for (int u = 0; u < source.length; u++) {
            to[u] = from[source[u]];
        }
    }
}
