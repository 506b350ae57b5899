package dev.isthmus.nn.infer;

import dev.isthmus.nn.quant.Calibration;

/**
 * How {@link InferencePlan#quantize} turns an fp32 plan into an int8 one.
 *
 * @param mode        {@link Mode#STATIC}: activation scales from calibration data, int8 between layers;
 *                    {@link Mode#DYNAMIC}: each product quantizes its input per call and sample, no
 *                    calibration data needed
 * @param calibration how static quantization turns each tensor's observed values into a range
 * @param layers      {@link Layers#MEASURED} keeps in fp32 the products that measured slower in int8
 *                    (see {@link #MIN_INT8_INPUTS}); {@link Layers#ALL_INT8} quantizes every product
 */
public record QuantizeOptions(Mode mode, Calibration calibration, Layers layers) {
    /** Static or dynamic quantization of activations. */
    public enum Mode { STATIC, DYNAMIC }

    /** Which products become int8. */
    public enum Layers { MEASURED, ALL_INT8 }

    /** Static, MSE-searched ranges, fp32 where int8 measured slower. */
    public static final QuantizeOptions DEFAULT = new QuantizeOptions(Mode.STATIC, Calibration.mse(), Layers.MEASURED);

    /**
     * Products with fewer inputs per output than this stay fp32 under {@link Layers#MEASURED}: there
     * the int8 product's quantize, widening and requantize work is not paid back by reading fewer
     * weight bytes (bench/RESULTS.md section 7).
     */
    public static final int MIN_INT8_INPUTS = 32;

    /**
     * From this many samples per call an int8 plan runs its fp32 twin (the same steps in fp32 on the
     * dequantized weights): at such batches the products are compute-bound, and the int8 kernels,
     * which widen every weight to float (the Vector API has no int8 dot product), measured slower
     * than the fp32 ones (bench/RESULTS.md section 7). Results then follow fp32 activations: a
     * batch's outputs depend on its size, as every plan's kernel choice does.
     */
    public static final int FP32_FROM_BATCH = 16;

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
