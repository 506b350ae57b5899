package dev.isthmus.nn.infer;

import static dev.isthmus.nn.infer.InferencePlanTest.allocatedBy;
import static dev.isthmus.nn.infer.InferencePlanTest.inputs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.quant.Calibration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The int8 plan against the fp32 plan it came from: close outputs (int8 has no bit-for-bit promise
 * against fp32), the same predicted class for almost every input, exact save and load, the same bits
 * from concurrent callers, no allocation per call, and clear errors.
 */
class QuantizedPlanTest {
    private static final int CALIBRATION = 300;
    private static final int EVAL = 200;

    static Sequential smallCnn() {
        Sequential m = Sequential.builder(3, 12, 12).seed(5)
                .conv2d(16, 3, 1, 1).batchNorm().relu().maxPool2d(2)
                .conv2d(24, 3, 1, 1).relu().maxPool2d(2)
                .dense(32).relu().dense(6).build();
        InferencePlanTest.randomizeBatchNorm(m, 4);
        return m;
    }

    /** Max |int8 - fp32| relative to the fp32 outputs' spread, and the share of equal argmax. */
    private record Agreement(double relativeError, double sameClass) {}

    private static Agreement compare(InferencePlan fp32, InferencePlan int8, float[] x, int n) {
        int out = fp32.outputShape().size();
        float[] a = new float[n * out];
        float[] b = new float[n * out];
        fp32.predict(x, 0, n, a, 0);
        predictInt8(int8, x, n, b);
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        double err = 0;
        int same = 0;
        for (int i = 0; i < n; i++) {
            int ca = 0;
            int cb = 0;
            for (int j = 0; j < out; j++) {
                lo = Math.min(lo, a[i * out + j]);
                hi = Math.max(hi, a[i * out + j]);
                err = Math.max(err, Math.abs(a[i * out + j] - b[i * out + j]));
                ca = a[i * out + j] > a[i * out + ca] ? j : ca;
                cb = b[i * out + j] > b[i * out + cb] ? j : cb;
            }
            same += ca == cb ? 1 : 0;
        }
        return new Agreement(err / (hi - lo), (double) same / n);
    }

    /** The int8 path at any batch size (not the fp32 twin an int8 plan runs from FP32_FROM_BATCH samples). */
    static void predictInt8(InferencePlan int8, float[] x, int n, float[] y) {
        int8.int8Only().predict(x, 0, n, y, 0);
    }

    @Test
    void largeBatchesRunTheFp32TwinOnTheDequantizedWeights() {
        InferencePlan fp32 = smallCnn().compile();
        Quantization q = fp32.quantize(inputs(CALIBRATION, 432, 3), CALIBRATION,
                QuantizeOptions.DEFAULT.withLayers(QuantizeOptions.Layers.ALL_INT8));
        assertTrue(q.plan().describe().contains("batches of " + QuantizeOptions.FP32_FROM_BATCH + " samples and more"));
        int n = 3 * QuantizeOptions.FP32_FROM_BATCH;
        float[] x = inputs(n, 432, 8);
        float[] big = q.plan().predict(x);
        float[] small = new float[n * 6];
        predictInt8(q.plan(), x, n, small);
        float[] ref = fp32.predict(x);
        // the twin has int8 weights but float activations: closer to fp32 than int8 is, and not the int8 bits
        double twinError = 0;
        double int8Error = 0;
        for (int i = 0; i < ref.length; i++) {
            twinError = Math.max(twinError, Math.abs(big[i] - ref[i]));
            int8Error = Math.max(int8Error, Math.abs(small[i] - ref[i]));
        }
        assertTrue(twinError < int8Error, "twin " + twinError + ", int8 " + int8Error);
        assertFalse(java.util.Arrays.equals(big, small));
        // the same batch size gives the same bits, before and after a save and load
        assertArrayEquals(big, q.plan().predict(x));
    }

    @Test
    void staticMlpFollowsFp32WithEveryCalibrationMethod() {
        InferencePlan fp32 = InferencePlanTest.mlp().compile();
        float[] calib = inputs(CALIBRATION, 784, 1);
        float[] eval = inputs(EVAL, 784, 2);
        for (Calibration c : List.of(Calibration.minMax(), Calibration.percentile(99.99), Calibration.mse())) {
            Quantization q = fp32.quantize(calib, CALIBRATION, QuantizeOptions.DEFAULT.withCalibration(c));
            // the last product (128 x 10 weights) is too small to gain from int8
            assertEquals(List.of(2), q.keptFp32().stream().map(Quantization.Layer::step).toList(), q.layers().toString());
            assertTrue(q.keptFp32().get(0).reason().contains("128 x 10 weights"), q.keptFp32().get(0).reason());
            assertEquals(3, q.layers().size());
            Agreement g = compare(fp32, q.plan(), eval, EVAL);
            System.out.printf("mlp %s: max error %.4f of the output range, same class %.3f%n", c, g.relativeError(),
                    g.sameClass());
            assertTrue(g.relativeError() < 0.05, c + ": " + g);
            assertTrue(g.sameClass() >= 0.9, c + ": " + g);
            // both hidden layers are one int8 step (quantize once, dequantize once), then the fp32 product
            assertEquals(2, q.plan().steps().size(), q.plan().describe());
            assertTrue(q.plan().steps().get(0) instanceof QuantizedStep qs && qs.ops().size() == 2, q.plan().describe());
        }
    }

    @Test
    void dynamicQuantizationNeedsNoCalibration() {
        InferencePlan fp32 = InferencePlanTest.mlp().compile();
        Quantization q = fp32.quantize(null, 0, QuantizeOptions.dynamic());
        assertEquals(3, q.plan().steps().size(), q.plan().describe());
        Agreement g = compare(fp32, q.plan(), inputs(EVAL, 784, 2), EVAL);
        assertTrue(g.relativeError() < 0.05, g.toString());
        assertTrue(g.sameClass() >= 0.9, g.toString());
        // an all-zero sample (and all-zero rows after a ReLU) has no scale of its own: it is all zeros in int8
        float[] zero = new float[784];
        float[] a = fp32.predict(zero);
        float[] b = q.plan().predict(zero);
        for (int j = 0; j < 10; j++) {
            assertEquals(a[j], b[j], 0.05 * (1 + Math.abs(a[j])), "output " + j);
        }
    }

    @Test
    void cnnWithFoldedBatchNormAndPoolingRunsInInt8() {
        Sequential m = smallCnn();
        InferencePlan fp32 = m.compile();
        int in = 3 * 12 * 12;
        Quantization q = fp32.quantize(inputs(CALIBRATION, in, 3), CALIBRATION,
                QuantizeOptions.DEFAULT.withLayers(QuantizeOptions.Layers.ALL_INT8));
        String d = q.plan().describe();
        assertTrue(d.contains("maxpool 2/2"), d);
        Agreement g = compare(fp32, q.plan(), inputs(EVAL, in, 4), EVAL);
        System.out.printf("cnn: max error %.4f of the output range, same class %.3f%n%s", g.relativeError(),
                g.sameClass(), d);
        assertTrue(g.relativeError() < 0.05, g.toString());
        assertTrue(g.sameClass() >= 0.9, g.toString());
        // measured choice: every product of this small CNN has too few weights to gain from int8
        String none = assertThrows(IllegalArgumentException.class,
                () -> fp32.quantize(inputs(CALIBRATION, in, 3), CALIBRATION, QuantizeOptions.DEFAULT)).getMessage();
        assertTrue(none.contains("every product stayed fp32") && none.contains("ALL_INT8"), none);
    }

    @Test
    void measuredChoiceKeepsSmallProductsAndManyRowConvolutionsInFp32() {
        Sequential m = Sequential.builder(3, 12, 12).seed(6)
                .conv2d(32, 3, 1, 1).relu().maxPool2d(2)
                .conv2d(64, 3, 1, 1).relu().maxPool2d(2)
                .dense(128).relu().dense(6).build();
        InferencePlan fp32 = m.compile();
        Quantization q = fp32.quantize(inputs(CALIBRATION, 432, 3), CALIBRATION, QuantizeOptions.DEFAULT);
        List<Quantization.Layer> l = q.layers();
        assertEquals(4, l.size(), l.toString());
        assertFalse(l.get(0).int8());
        assertTrue(l.get(0).reason().contains("27 x 32 weights"), l.get(0).reason());
        // 288 x 64 weights, but 6 x 6 = 36 output pixels per sample: 36 product rows, where int8 measured slower
        assertFalse(l.get(1).int8());
        assertTrue(l.get(1).reason().contains("36 product rows"), l.get(1).reason());
        assertTrue(l.get(2).int8(), l.toString());
        assertFalse(l.get(3).int8());
        Agreement g = compare(fp32, q.plan(), inputs(EVAL, 432, 4), EVAL);
        assertTrue(g.relativeError() < 0.05, g.toString());
        assertTrue(g.sameClass() >= 0.9, g.toString());
    }

    @Test
    void saveAndLoadAreExactAndTheFileIsSmall(@TempDir Path dir) throws IOException {
        InferencePlan fp32 = InferencePlanTest.mlp().compile();
        float[] calib = inputs(CALIBRATION, 784, 1);
        float[] eval = inputs(EVAL, 784, 2);
        for (QuantizeOptions o : List.of(QuantizeOptions.DEFAULT, QuantizeOptions.dynamic())) {
            InferencePlan int8 = fp32.quantize(calib, CALIBRATION, o).plan();
            Path f = dir.resolve(o.mode() + ".plan");
            Path f32 = dir.resolve("fp32.plan");
            int8.save(f);
            fp32.save(f32);
            InferencePlan back = InferencePlan.load(f);
            float[] a = new float[EVAL * 10];
            float[] b = new float[EVAL * 10];
            predictInt8(int8, eval, EVAL, a);
            predictInt8(back, eval, EVAL, b);
            assertArrayEquals(a, b, o.mode().toString());
            assertArrayEquals(int8.predict(eval), back.predict(eval), o.mode() + ", fp32 twin");
            double ratio = (double) Files.size(f) / Files.size(f32);
            System.out.printf("%s int8 plan file: %.3f of the fp32 plan file%n", o.mode(), ratio);
            assertTrue(ratio <= 0.27, o.mode() + ": " + ratio);
        }
        InferencePlan cnn = smallCnn().compile().quantize(inputs(CALIBRATION, 432, 3), CALIBRATION,
                QuantizeOptions.DEFAULT.withLayers(QuantizeOptions.Layers.ALL_INT8)).plan();
        cnn.save(dir.resolve("cnn.plan"));
        float[] x = inputs(10, 432, 5);
        assertArrayEquals(cnn.predict(x), InferencePlan.load(dir.resolve("cnn.plan")).predict(x));
    }

    @Test
    void concurrentCallersGetTheSingleThreadedBits() throws Exception {
        InferencePlan int8 = InferencePlanTest.mlp().compile().quantize(inputs(CALIBRATION, 784, 1), CALIBRATION,
                QuantizeOptions.DEFAULT).plan();
        int n = 64;
        float[] x = inputs(n, 784, 9);
        float[][] expected = new float[n][];
        for (int i = 0; i < n; i++) {
            float[] one = new float[784];
            System.arraycopy(x, i * 784, one, 0, 784);
            expected[i] = int8.predict(one);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int first = t;
                results.add(pool.submit(() -> {
                    float[] y = new float[10];
                    for (int rep = 0; rep < 50; rep++) {
                        for (int i = first; i < n; i += 4) {
                            int8.predict(x, i * 784, 1, y, 0);
                            if (!java.util.Arrays.equals(y, expected[i])) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : results) {
                assertTrue(r.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void steadyStatePredictAllocatesNothing() {
        InferencePlan int8 = smallCnn().compile().quantize(inputs(CALIBRATION, 432, 3), CALIBRATION,
                QuantizeOptions.DEFAULT.withLayers(QuantizeOptions.Layers.ALL_INT8)).plan();
        float[] x = inputs(1, 432, 1);
        float[] y = new float[6];
        StringBuilder seen = new StringBuilder();
        int zeros = 0;
        for (int round = 0; round < 60 && zeros < 3; round++) {
            long bytes = allocatedBy(() -> {
                for (int i = 0; i < 500; i++) {
                    int8.predict(x, 0, 1, y, 0);
                    int8.predictClass(x, 0);
                }
            });
            zeros = bytes == 0 ? zeros + 1 : 0;
            seen.append(bytes).append(' ');
        }
        assertEquals(3, zeros, "bytes per round of 1000 calls: " + seen);
    }

    @Test
    void badInputGetsClearErrors() {
        InferencePlan fp32 = InferencePlanTest.mlp().compile();
        String none = assertThrows(IllegalArgumentException.class,
                () -> fp32.quantize(null, 0, QuantizeOptions.DEFAULT)).getMessage();
        assertTrue(none.contains("needs calibration data"), none);
        String shortData = assertThrows(IllegalArgumentException.class,
                () -> fp32.quantize(new float[784], 2, QuantizeOptions.DEFAULT)).getMessage();
        assertTrue(shortData.contains("need 1568 floats"), shortData);
        float[] calib = inputs(10, 784, 1);
        calib[784 + 5] = Float.NaN;
        String nan = assertThrows(IllegalArgumentException.class,
                () -> fp32.quantize(calib, 10, QuantizeOptions.DEFAULT)).getMessage();
        assertTrue(nan.contains("step 0") && nan.contains("NaN"), nan);
        InferencePlan int8 = fp32.quantize(inputs(10, 784, 1), 10, QuantizeOptions.DEFAULT).plan();
        String twice = assertThrows(IllegalArgumentException.class,
                () -> int8.quantize(inputs(10, 784, 1), 10, QuantizeOptions.DEFAULT)).getMessage();
        assertTrue(twice.contains("already quantized"), twice);
        InferencePlan noProduct = Sequential.builder(8).relu().build().compile();
        String nothing = assertThrows(IllegalArgumentException.class,
                () -> noProduct.quantize(inputs(4, 8, 1), 4, QuantizeOptions.DEFAULT)).getMessage();
        assertTrue(nothing.contains("no dense or conv2d step"), nothing);
        // NaN at serving time: that sample's outputs are NaN, the class a clear error, the plan still usable
        float[] x = inputs(2, 784, 3);
        x[784 + 7] = Float.NaN;
        float[] y = int8.predict(x);
        assertFalse(Float.isNaN(y[0]));
        assertTrue(Float.isNaN(y[10]));
        assertThrows(IllegalArgumentException.class, () -> int8.predictClass(x, 784));
        assertEquals(int8.predictClass(x, 0), int8.predictClass(inputs(2, 784, 3), 0));
    }
}
