package dev.isthmus.nn.infer;

import dev.isthmus.kernels.Activation;
import dev.isthmus.nn.quant.ActivationObserver;
import dev.isthmus.nn.quant.Calibration;
import dev.isthmus.nn.quant.QuantParams;
import dev.isthmus.nn.quant.QuantizedWeights;
import java.util.ArrayList;
import java.util.List;

/**
 * Post-training quantization of a compiled fp32 plan: per product, int8 weights (symmetric per output
 * channel) and, for static quantization, per-tensor activation ranges from calibration data; runs of
 * products and max pools become {@link QuantizedStep}s, everything else stays as it was.
 */
final class PlanQuantizer {
    /** Calibration samples carried through the fp32 steps at a time. */
    private static final int CALIBRATION_CHUNK = 256;

    private final InferencePlan plan;
    /** The plan's steps, sparse products replaced by their dense twins. */
    private final List<Step> steps;
    private final QuantizeOptions options;
    private final List<Quantization.Layer> layers = new ArrayList<>();

    private PlanQuantizer(InferencePlan plan, QuantizeOptions options) {
        this.plan = plan;
        // a sparse product is quantized as its dense twin: int8 weights keep the zeros, so the int8
        // kernels (dense only) run it
        this.steps = plan.steps().stream().map(s -> s instanceof SparseMatmulStep sparse ? sparse.dense() : s).toList();
        this.options = options;
    }

    static Quantization quantize(InferencePlan plan, float[] calibration, int samples, QuantizeOptions options) {
        if (plan == null || options == null) {
            throw new IllegalArgumentException("InferencePlan.quantize: plan and options must not be null");
        }
        for (Step s : plan.steps()) {
            if (s instanceof QuantizedStep) {
                throw new IllegalArgumentException("InferencePlan.quantize: the plan is already quantized");
            }
        }
        PlanQuantizer q = new PlanQuantizer(plan, options);
        boolean[] int8 = q.choose();
        QuantParams[] params = null;
        if (options.mode() == QuantizeOptions.Mode.STATIC) {
            if (calibration == null || samples < 1) {
                throw new IllegalArgumentException("InferencePlan.quantize: static quantization needs calibration data, "
                        + "got " + (calibration == null ? "none" : samples + " samples")
                        + " (use QuantizeOptions.dynamic() for a model without calibration data)");
            }
            long need = (long) samples * plan.inputSize();
            if (calibration.length < need) {
                throw new IllegalArgumentException("InferencePlan.quantize: " + samples + " calibration samples of "
                        + plan.inputShape() + " need " + need + " floats, the array has " + calibration.length);
            }
            params = q.calibrate(calibration, samples, int8);
        }
        List<Step> out = q.rewrite(int8, params);
        InferencePlan quantized = new InferencePlan(plan.inputShape(), plan.outputShape(), out, plan.options());
        return new Quantization(quantized, List.copyOf(q.layers), options);
    }

    /** Which steps become int8 products; records each product's choice and why. */
    private boolean[] choose() {
        boolean[] int8 = new boolean[steps.size()];
        boolean any = false;
        for (int i = 0; i < steps.size(); i++) {
            if (!(steps.get(i) instanceof MatmulStep m)) {
                continue;
            }
            String reason;
            int rows = m.conv() == null ? 1 : m.conv().outHeight() * m.conv().outWidth();
            boolean measured = options.layers() == QuantizeOptions.Layers.MEASURED;
            if (measured && (long) m.k() * m.n() < QuantizeOptions.MIN_INT8_WEIGHTS) {
                reason = m.k() + " x " + m.n() + " weights, fewer than " + QuantizeOptions.MIN_INT8_WEIGHTS
                        + ": in fp32 they stay in cache, and int8 measured slower (bench/RESULTS.md section 7); "
                        + "computes in fp32 on its int8 weights";
            } else if (measured && rows >= QuantizeOptions.FP32_FROM_BATCH) {
                reason = rows + " product rows per sample (output pixels), at least " + QuantizeOptions.FP32_FROM_BATCH
                        + ": int8 products with that many rows measured slower than fp32 (bench/RESULTS.md section 7); "
                        + "computes in fp32 on its int8 weights";
            } else {
                int8[i] = true;
                any = true;
                reason = "";
            }
            layers.add(new Quantization.Layer(i, m.describe().split(";")[0], int8[i], reason));
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("InferencePlan.quantize: no dense or conv2d step to quantize in int8 "
                    + "(steps: " + kinds() + ")");
        }
        if (!any) {
            List<String> why = new ArrayList<>();
            for (Quantization.Layer l : layers) {
                why.add("step " + l.step() + ": " + l.reason());
            }
            throw new IllegalArgumentException("InferencePlan.quantize: every product stayed fp32, as int8 measured "
                    + "slower for each (" + String.join("; ", why) + "): use QuantizeOptions.Layers.ALL_INT8 to force them");
        }
        return int8;
    }

    private String kinds() {
        List<String> k = new ArrayList<>();
        for (Step s : steps) {
            k.add(s.kind());
        }
        return String.join(", ", k);
    }

    /**
     * Runs the calibration samples through the fp32 steps and returns, for each step boundary b
     * (b = the input of step b; steps.size() = the plan's output), the int8 parameters of the tensor
     * there, for the boundaries an int8 product reads or writes (null elsewhere).
     */
    private QuantParams[] calibrate(float[] x, int samples, boolean[] int8) {
        int n = steps.size();
        ActivationObserver[] observers = new ActivationObserver[n + 1];
        for (int i = 0; i < n; i++) {
            if (int8[i]) {
                String what = "step " + i + " (" + steps.get(i).describe().split(";")[0] + ")";
                observers[i] = observers[i] != null ? observers[i] : new ActivationObserver(what + " input");
                observers[i + 1] = new ActivationObserver(what + " output");
            }
        }
        boolean histogram = options.calibration().method() != Calibration.Method.MIN_MAX;
        pass(x, samples, observers, false);
        for (ActivationObserver o : observers) {
            if (o != null) {
                o.endRange();
            }
        }
        if (histogram) {
            pass(x, samples, observers, true);
        }
        QuantParams[] params = new QuantParams[n + 1];
        for (int b = 0; b <= n; b++) {
            if (observers[b] != null) {
                params[b] = observers[b].params(options.calibration());
            }
        }
        return params;
    }

    private void pass(float[] x, int samples, ActivationObserver[] observers, boolean histogram) {
        InferencePlan runner = plan;
        Workspace ws = new Workspace(runner);
        int in = plan.inputSize();
        float[] out = new float[CALIBRATION_CHUNK * plan.outputSize()];
        for (int first = 0; first < samples; first += CALIBRATION_CHUNK) {
            int rows = Math.min(CALIBRATION_CHUNK, samples - first);
            ws.ensure(rows);
            float[] src = x;
            int srcOff = first * in;
            observe(observers[0], src, srcOff, rows * in, histogram);
            for (int s = 0; s < steps.size(); s++) {
                Step step = steps.get(s);
                float[] dst = s == steps.size() - 1 ? out : (s & 1) == 0 ? ws.a : ws.b;
                step.run(src, srcOff, dst, 0, rows, ws, false);
                observe(observers[s + 1], dst, 0, rows * step.outSize(), histogram);
                src = dst;
                srcOff = 0;
            }
        }
    }

    private static void observe(ActivationObserver o, float[] x, int off, int n, boolean histogram) {
        if (o == null) {
            return;
        }
        if (histogram) {
            o.observeHistogram(x, off, n);
        } else {
            o.observeRange(x, off, n);
        }
    }

    /** The plan's steps with runs of int8 products and max pools replaced by quantized steps. */
    private List<Step> rewrite(boolean[] int8, QuantParams[] params) {
        List<Step> out = new ArrayList<>();
        boolean dynamic = params == null;
        int i = 0;
        while (i < steps.size()) {
            if (!int8[i]) {
                // a product kept in fp32 still stores int8 weights: it computes on them dequantized
                out.add(steps.get(i) instanceof MatmulStep m ? weightsOnly(m) : steps.get(i));
                i++;
                continue;
            }
            List<QuantizedStep.Op> ops = new ArrayList<>();
            List<Integer> sources = new ArrayList<>();
            int j = i;
            Activation after = null;
            // a product inside a run reads what the one before wrote (max pooling keeps scale and zero point)
            QuantParams current = dynamic ? null : params[i];
            // a run: product (max pool* product)*; a static run grows while the next product is int8
            while (true) {
                MatmulStep m = (MatmulStep) steps.get(j);
                Activation.Kind act = m.activation().kind();
                boolean fusable = act == Activation.Kind.IDENTITY || act == Activation.Kind.RELU;
                int end = j + 1;
                while (!dynamic && end < steps.size() && steps.get(end) instanceof PoolStep p && p.max()) {
                    end++;
                }
                boolean extend = !dynamic && fusable && end < steps.size() && int8[end];
                QuantParams output = dynamic || !extend ? null : params[j + 1];
                ops.add(product(m, current, output, fusable && act == Activation.Kind.RELU));
                current = output;
                sources.add(j);
                if (!fusable) {
                    after = m.activation();
                }
                if (!extend) {
                    j++;
                    break;
                }
                for (int p = j + 1; p < end; p++) {
                    PoolStep pool = (PoolStep) steps.get(p);
                    ops.add(new QuantizedStep.MaxPool(pool.channels(), pool.height(), pool.width(), pool.size(),
                            pool.stride()));
                    sources.add(p);
                }
                j = end;
            }
            QuantParams input = dynamic ? null : params[i];
            out.add(new QuantizedStep(dynamic ? 0f : input.scale(), dynamic ? 0 : input.zeroPoint(), ops,
                    sources.stream().mapToInt(Integer::intValue).toArray()));
            if (after != null) {
                out.add(new ActivationStep(steps.get(j - 1).outSize(), after));
            }
            i = j;
        }
        return out;
    }

    /** An fp32 product on its weights quantized to int8 per output channel and dequantized. */
    private MatmulStep weightsOnly(MatmulStep m) {
        QuantizedWeights w = QuantizedWeights.symmetricPerColumn(m.weights(), 0, m.k(), m.n());
        return MatmulStep.dequantized(m.conv(), m.k(), m.n(), w.values(), w.scales(), m.bias().clone(), m.activation(),
                m.blasFromRows(), m.folded());
    }

    /**
     * One int8 product from an fp32 one: weights symmetric per output channel; a static product's bias
     * in int32 at scale {@code inScale * weightScale}, its output requantized at {@code out} (null:
     * dequantized to float); a dynamic product keeps its float bias.
     */
    private static QuantizedStep.Product product(MatmulStep m, QuantParams in, QuantParams out, boolean relu) {
        int k = m.k();
        int n = m.n();
        QuantizedWeights w = QuantizedWeights.symmetricPerColumn(m.weights(), 0, k, n);
        float[] bias = m.bias();
        if (in == null) {
            return new QuantizedStep.Product(m.conv(), k, n, w.values(), w.scales(), null, bias.clone(), relu, 0f, 0, 0f,
                    0);
        }
        int[] q = new int[n];
        for (int j = 0; j < n; j++) {
            double v = Math.rint(bias[j] / ((double) in.scale() * w.scales()[j]));
            q[j] = (int) Math.max(Integer.MIN_VALUE / 2, Math.min(Integer.MAX_VALUE / 2, v));
        }
        return new QuantizedStep.Product(m.conv(), k, n, w.values(), w.scales(), q, null, relu, in.scale(),
                in.zeroPoint(), out == null ? 0f : out.scale(), out == null ? 0 : out.zeroPoint());
    }
}
