/**
 * Post-training int8 quantization parameters: an {@link dev.isthmus.nn.quant.ActivationObserver} per
 * layer input watches calibration data in two passes (range, then histogram) and turns it into
 * {@link dev.isthmus.nn.quant.QuantParams} by the chosen {@link dev.isthmus.nn.quant.Calibration};
 * {@link dev.isthmus.nn.quant.QuantizedWeights} holds symmetric per-output-channel int8 weights; and
 * {@link dev.isthmus.nn.quant.ErrorStats} measures how far a quantized output lands from the fp32 one.
 */
package dev.isthmus.nn.quant;
