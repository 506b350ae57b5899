package dev.isthmus.nn.quant;

import static dev.isthmus.nn.quant.Messages.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ActivationObserverTest {
    private static final String WHERE = "step 2 (dense 256 -> 128) input";

    /** Both passes over {@code x}, fed in uneven batches as a calibration loop would. */
    static ActivationObserver observe(float[] x) {
        ActivationObserver o = new ActivationObserver(WHERE);
        int[] batch = {1, 13, 207, 1021};
        for (int off = 0, b = 0; off < x.length; off += batch[b++ % batch.length]) {
            o.observeRange(x, off, Math.min(batch[b % batch.length], x.length - off));
        }
        o.endRange();
        for (int off = 0, b = 0; off < x.length; off += batch[b++ % batch.length]) {
            o.observeHistogram(x, off, Math.min(batch[b % batch.length], x.length - off));
        }
        return o;
    }

    /** The mean squared error of quantizing then dequantizing every value of {@code x} with {@code p}. */
    static double quantizationMse(float[] x, QuantParams p) {
        double sum = 0;
        for (float v : x) {
            double e = v - p.dequantize(p.quantize(v));
            sum += e * e;
        }
        return sum / x.length;
    }

    static double gaussian(SplittableRandom r) {
        // Box-Muller; 1 - u keeps the logarithm's argument in (0, 1]
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    @Test
    void minMaxByHand() {
        ActivationObserver o = new ActivationObserver(WHERE);
        o.observeRange(new float[] {9f, -1f, 0.5f, 3f, 2f, 9f}, 1, 4);
        assertEquals(4, o.count());
        assertEquals(-1f, o.min());
        assertEquals(3f, o.max());
        assertEquals(WHERE, o.where());
        // min-max needs no histogram pass
        QuantParams p = o.params(Calibration.minMax());
        assertEquals(new QuantParams(4f / 255, -64), p);
        assertEquals(-64, p.quantize(0f));
        assertEquals(0f, p.dequantize(p.quantize(0f)));
    }

    @Test
    void postReluDataGetsZeroPointMinus128() {
        SplittableRandom r = new SplittableRandom(11);
        float[] x = new float[50_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.max(0, gaussian(r));
        }
        ActivationObserver o = observe(x);
        for (Calibration c : new Calibration[] {Calibration.minMax(), Calibration.percentile(99.9),
                Calibration.percentile(99.99), Calibration.mse()}) {
            QuantParams p = o.params(c);
            assertEquals(-128, p.zeroPoint(), c.toString());
            assertEquals(0f, p.dequantize(p.quantize(0f)), c.toString());
        }
    }

    @Test
    void percentileOnUniformDataLandsWithinABinOfTheQuantile() {
        SplittableRandom r = new SplittableRandom(3);
        float[] positive = new float[100_000];
        float[] mixed = new float[100_000];
        for (int i = 0; i < positive.length; i++) {
            positive[i] = (float) r.nextDouble(0, 10);
            mixed[i] = (float) r.nextDouble(-2, 6);
        }
        float[] sortedPositive = positive.clone();
        Arrays.sort(sortedPositive);
        float[] sortedMixed = mixed.clone();
        Arrays.sort(sortedMixed);

        ActivationObserver o = observe(positive);
        double bin = (o.max() - 0.0) / ActivationObserver.BINS;
        for (double p : new double[] {99.99, 99.9, 99, 90, 75}) {
            double truth = sortedPositive[(int) Math.ceil(p / 100 * positive.length) - 1];
            QuantParams q = o.params(Calibration.percentile(p));
            // data never negative: lo = 0, so the range 255 * scale is the percentile itself
            assertEquals(-128, q.zeroPoint());
            assertEquals(truth, 255.0 * q.scale(), bin + 1e-5, "percentile " + p);
        }
        assertEquals(o.params(Calibration.minMax()), o.params(Calibration.percentile(100)));

        ActivationObserver m = observe(mixed);
        double mixedBin = (m.max() - m.min()) / ActivationObserver.BINS;
        for (double p : new double[] {99.99, 99.9, 99, 90}) {
            double hi = sortedMixed[(int) Math.ceil(p / 100 * mixed.length) - 1];
            double lo = sortedMixed[(int) Math.ceil((100 - p) / 100 * mixed.length) - 1];
            assertEquals(hi, m.quantile(p / 100), mixedBin, "upper percentile " + p);
            assertEquals(lo, m.quantile(1 - p / 100), mixedBin, "lower percentile " + p);
            QuantParams q = m.params(Calibration.percentile(p));
            assertEquals(QuantParams.forRange((float) m.quantile(1 - p / 100), (float) m.quantile(p / 100)), q);
        }
        assertEquals(m.params(Calibration.minMax()), m.params(Calibration.percentile(100)));
    }

    @Test
    void mseAndPercentileBeatMinMaxOnGaussianDataWithOutliers() {
        SplittableRandom r = new SplittableRandom(2024);
        float[] x = new float[1_000_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) gaussian(r);
        }
        // one value in 500,000 far out: min-max spends its 256 codes on [-35, 40], a step of 0.29
        x[123_456] = 40f;
        x[654_321] = -35f;
        ActivationObserver o = observe(x);
        double minMax = quantizationMse(x, o.params(Calibration.minMax()));
        double percentile = quantizationMse(x, o.params(Calibration.percentile(99.99)));
        double mse = quantizationMse(x, o.params(Calibration.mse()));
        assertTrue(percentile < 0.5 * minMax, "percentile " + percentile + " vs min-max " + minMax);
        assertTrue(mse < 0.5 * minMax, "mse " + mse + " vs min-max " + minMax);
        // the search weighs the outliers' clipping cost, which the percentile ignores
        assertTrue(mse <= percentile, "mse " + mse + " vs percentile " + percentile);
    }

    @Test
    void mseIsNeverWorseThanMinMax() {
        for (int seed = 1; seed <= 3; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            int n = 100_000;
            float[][] data = new float[4][n];
            for (int i = 0; i < n; i++) {
                double g = gaussian(r);
                data[0][i] = (float) r.nextDouble(-1, 3);
                data[1][i] = (float) g;
                data[2][i] = (float) Math.max(0, g);
                data[3][i] = (float) (r.nextBoolean() ? -3 + 0.5 * gaussian(r) : 2 + 0.3 * gaussian(r));
            }
            String[] names = {"uniform", "gaussian", "relu of gaussian", "bimodal"};
            for (int d = 0; d < data.length; d++) {
                ActivationObserver o = observe(data[d]);
                double minMax = quantizationMse(data[d], o.params(Calibration.minMax()));
                double mse = quantizationMse(data[d], o.params(Calibration.mse()));
                assertTrue(mse <= minMax, names[d] + " seed " + seed + ": mse " + mse + " vs min-max " + minMax);
            }
        }
    }

    @Test
    void mseKeepsMinMaxOnDiscreteData() {
        // pixel levels k / 255: min-max's 256 codes are exactly the levels, so no clipped range can win
        SplittableRandom r = new SplittableRandom(8);
        float[] pixels = new float[60_000];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = r.nextInt(256) / 255f;
        }
        pixels[0] = 1f;
        ActivationObserver o = observe(pixels);
        assertEquals(o.params(Calibration.minMax()), o.params(Calibration.mse()));
        assertEquals(0.0, quantizationMse(pixels, o.params(Calibration.mse())), 1e-12);
        // one-hot input: only 0 and 1
        float[] oneHot = new float[1000];
        for (int i = 0; i < oneHot.length; i += 10) {
            oneHot[i] = 1f;
        }
        ActivationObserver h = observe(oneHot);
        assertEquals(h.params(Calibration.minMax()), h.params(Calibration.mse()));
    }

    @Test
    void alwaysZeroTensorGetsScaleOne() {
        ActivationObserver o = observe(new float[100]);
        for (Calibration c : new Calibration[] {Calibration.minMax(), Calibration.percentile(99.99), Calibration.mse()}) {
            assertEquals(new QuantParams(1f, 0), o.params(c), c.toString());
        }
    }

    @Test
    void singleValueKeepsItsRange() {
        ActivationObserver o = observe(new float[] {2.5f});
        assertEquals(QuantParams.forRange(0f, 2.5f), o.params(Calibration.mse()));
        assertEquals(QuantParams.forRange(0f, 2.5f), o.params(Calibration.percentile(99)));
    }

    @Test
    void nonFiniteValuesNameTheTensorIndexAndValue() {
        ActivationObserver o = new ActivationObserver(WHERE);
        assertMessage(IllegalArgumentException.class,
                () -> o.observeRange(new float[] {0f, 1f, 2f, Float.NaN}, 1, 3), WHERE, "index 2 of this call",
                "array index 3", "NaN");
        o.observeRange(new float[] {1f, 2f}, 0, 2);
        o.endRange();
        assertMessage(IllegalArgumentException.class,
                () -> o.observeHistogram(new float[] {1f, Float.NEGATIVE_INFINITY}, 0, 2), WHERE,
                "index 1 of this call", "-Infinity");
        assertMessage(IllegalArgumentException.class, () -> o.observeHistogram(new float[3], 2, 2), WHERE,
                "[2, 2 + 2)", "length 3");
        assertMessage(IllegalArgumentException.class, () -> new ActivationObserver(null), "where");
    }

    @Test
    void phasesAreEnforced() {
        ActivationObserver o = new ActivationObserver(WHERE);
        assertMessage(IllegalStateException.class, () -> o.observeHistogram(new float[] {1f}, 0, 1), WHERE,
                "before endRange");
        o.observeRange(new float[] {-1f, 1f}, 0, 2);
        assertMessage(IllegalStateException.class, () -> o.params(Calibration.percentile(99.9)), WHERE,
                "percentile:99.9", "histogram pass");
        o.endRange();
        assertMessage(IllegalStateException.class, () -> o.observeRange(new float[] {1f}, 0, 1), WHERE,
                "after endRange");
        assertMessage(IllegalStateException.class, o::endRange, WHERE, "twice");
        // endRange alone is not the histogram pass
        assertMessage(IllegalStateException.class, () -> o.params(Calibration.mse()), WHERE, "mse",
                "histogram pass");
        // min-max still answers from pass 1
        assertEquals(QuantParams.forRange(-1f, 1f), o.params(Calibration.minMax()));
    }

    @Test
    void noDataAtAllIsNamed() {
        ActivationObserver o = new ActivationObserver(WHERE);
        String expected = "calibration saw no values for " + WHERE;
        assertMessage(IllegalArgumentException.class, () -> o.params(Calibration.minMax()), expected);
        assertMessage(IllegalArgumentException.class, o::min, expected);
        assertMessage(IllegalArgumentException.class, o::max, expected);
        o.observeRange(new float[0], 0, 0);
        o.endRange();
        o.observeHistogram(new float[0], 0, 0);
        assertEquals(0, o.count());
        for (Calibration c : new Calibration[] {Calibration.minMax(), Calibration.percentile(99.99), Calibration.mse()}) {
            assertMessage(IllegalArgumentException.class, () -> o.params(c), expected);
        }
    }

    @Test
    void mseSearchOfTwoThousandBinsIsDeterministic() {
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[20_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (gaussian(r) * (i % 7 == 0 ? 4 : 1));
        }
        ActivationObserver o = observe(x);
        QuantParams first = o.params(Calibration.mse());
        for (int t = 0; t < 5; t++) {
            assertEquals(first, o.params(Calibration.mse()));
        }
        assertEquals(first, observe(x).params(Calibration.mse()));
    }
}
