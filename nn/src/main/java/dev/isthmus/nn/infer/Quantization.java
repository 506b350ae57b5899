package dev.isthmus.nn.infer;

import java.util.List;

/**
 * The result of {@link InferencePlan#quantize}: the quantized plan and, for each product of the fp32
 * plan, whether it runs in int8 and, if not, why.
 *
 * @param plan    the quantized plan (immutable and thread-safe like every plan; save it with
 *                {@link InferencePlan#save})
 * @param layers  one entry per dense or conv2d step of the fp32 plan, in order
 * @param options the options it was made with
 */
public record Quantization(InferencePlan plan, List<Layer> layers, QuantizeOptions options) {
    /**
     * One product of the fp32 plan.
     *
     * @param step   its index among the fp32 plan's steps
     * @param layer  what it computes ("dense 784 -> 256 + bias + relu fused")
     * @param int8   whether it runs in int8
     * @param reason why it stayed fp32 ("" when int8)
     */
    public record Layer(int step, String layer, boolean int8, String reason) {}

    /** The products kept in fp32. */
    public List<Layer> keptFp32() {
        return layers.stream().filter(l -> !l.int8()).toList();
    }
}
