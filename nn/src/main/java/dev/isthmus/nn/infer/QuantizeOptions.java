package dev.isthmus.nn.infer;

import dev.isthmus.nn.quant.Calibration;

/**
 * How {@link InferencePlan#quantize} turns an fp32 plan into an int8 one.
 *
 * @param mode        {@link Mode#STATIC}: activation scales from calibration data, int8 between layers;
 *                    {@link Mode#DYNAMIC}: each product quantizes its input per call and sample, no
 *                    calibration data needed
 * @param calibration how static quantization turns each tensor's observed values into a range
 * @param layers      {@link Layers#MEASURED} keeps in fp32 the products that measured slower in int8:
 *                    fewer than {@link #MIN_INT8_WEIGHTS} weights, or convolutions with at least
 *                    {@link #FP32_FROM_BATCH} output pixels (product rows) per sample;
 *                    {@link Layers#ALL_INT8} quantizes every product
 */
public record QuantizeOptions(Mode mode, Calibration calibration, Layers layers) {
    /** Static or dynamic quantization of activations. */
    public enum Mode { STATIC, DYNAMIC }

    /** Which products become int8. */
    public enum Layers { MEASURED, ALL_INT8 }

    /** Static, MSE-searched ranges, fp32 where int8 measured slower. */
    public static final QuantizeOptions DEFAULT = new QuantizeOptions(Mode.STATIC, Calibration.mse(), Layers.MEASURED);

    /**
     * Products with fewer weights than this stay fp32 under {@link Layers#MEASURED}: their fp32 weights
     * (64 KiB) sit in L1 and L2, and there the int8 kernel's widening of every weight to float costs
     * more than the bytes it saves (Int8GemmBenchmark at batch 1: 9x32 0.55x, 32x64 0.62x, 64x64 0.76x
     * the speed of fp32; bench/RESULTS.md section 7).
     */
    public static final int MIN_INT8_WEIGHTS = 16_384;

    /**
     * From this many samples per call an int8 plan runs its fp32 twin (the same steps in fp32 on the
     * dequantized weights): at such batches the products are compute-bound, and the int8 kernels,
     * which widen every weight to float (the Vector API has no int8 dot product) and run row by row,
     * measured slower than the fp32 ones from 4 rows on weights that fit in L2 (784x256: 1.23x the
     * speed of fp32 at 2 rows, about 0.6x at 8; bench/RESULTS.md section 7). Results then follow fp32
     * activations: a batch's outputs depend on its size, as every plan's kernel choice does.
     */
    public static final int FP32_FROM_BATCH = 4;

    public QuantizeOptions {
        if (mode == null || calibration == null || layers == null) {
            throw new IllegalArgumentException("QuantizeOptions: mode, calibration and layers must not be null");
        }
    }

    /** Dynamic quantization (no calibration data), fp32 where int8 measured slower. */
    public static QuantizeOptions dynamic() {
        return new QuantizeOptions(Mode.DYNAMIC, Calibration.mse(), Layers.MEASURED);
    }

    /** These options with another calibration method. */
    public QuantizeOptions withCalibration(Calibration c) {
        return new QuantizeOptions(mode, c, layers);
    }

    /** These options with another choice of layers. */
    public QuantizeOptions withLayers(Layers l) {
        return new QuantizeOptions(mode, calibration, l);
    }
}
