package dev.isthmus.nn.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isthmus.blas.Blas;
import dev.isthmus.kernels.Activation;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Shape;
import dev.isthmus.nn.Tensor;
import dev.isthmus.nn.layer.Dense;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the compiler makes of a model: which steps remain (dropout gone, batch norm folded,
 * activations fused, layout changes only where needed), that odd layer orders still compute the
 * model's function, and which models and options it refuses.
 */
class PlanCompilerTest {
    static List<String> kinds(InferencePlan plan) {
        return plan.steps().stream().map(Step::kind).toList();
    }

    static MatmulStep product(InferencePlan plan, int step) {
        return (MatmulStep) plan.steps().get(step);
    }

    static void assertMatchesModel(Sequential m, InferencePlan plan, String what) {
        int size = m.inputShape().size();
        for (int n : new int[] {1, 5}) {
            float[] x = InferencePlanTest.inputs(n, size, 31 + n);
            float[] expected = m.predict(Tensor.of(x, m.inputShape().withBatch(n))).data();
            InferencePlanTest.assertClose(expected, plan.predict(x), what + ", batch " + n);
        }
    }

    @Test
    void theIssuesCnnIsSixStepsWithBatchNormFoldedAndReluFused() {
        InferencePlan plan = InferencePlanTest.cnn().compile();
        assertEquals(List.of("conv2d", "maxpool2d", "conv2d", "maxpool2d", "dense", "dense"), kinds(plan));
        for (int s : new int[] {0, 2}) {
            assertEquals("batchnorm", product(plan, s).config().get("folded"), "step " + s);
            assertEquals(Activation.Kind.RELU, product(plan, s).activation().kind(), "step " + s);
            assertTrue(product(plan, s).conv() != null, "step " + s + " is a convolution");
        }
        assertEquals(Activation.Kind.RELU, product(plan, 4).activation().kind());
        assertEquals("", product(plan, 4).config().get("folded"));
        assertEquals(Activation.Kind.IDENTITY, product(plan, 5).activation().kind());
        assertEquals(3136, product(plan, 4).inSize(), "the flattened channels-last image feeds the dense layer directly");
    }

    @Test
    void theMlpIsThreeProductsWithDropoutGone() {
        InferencePlan plan = InferencePlanTest.mlp().compile();
        assertEquals(List.of("dense", "dense", "dense"), kinds(plan));
        assertEquals(Activation.Kind.RELU, product(plan, 0).activation().kind());
        assertEquals(Activation.Kind.RELU, product(plan, 1).activation().kind());
        assertEquals(Activation.Kind.IDENTITY, product(plan, 2).activation().kind());
    }

    @Test
    void layoutStepsOnlyWhereTheLayoutsDiffer() {
        // several input channels: into channels-last first; flatten before a dense layer is free,
        // before a batch norm it costs a conversion back
        InferencePlan mixed = PlanFileTest.mixed().compile();
        assertEquals(List.of("to_channels_last", "conv2d", "avgpool2d", "affine", "conv2d", "to_channels_first", "affine",
                "dense", "softmax"), kinds(mixed));
        assertMatchesModel(PlanFileTest.mixed(), mixed, "mixed");

        // image outputs of several channels go back to channels-first; one channel needs nothing
        Sequential pooled = Sequential.builder(2, 6, 6).seed(8).conv2d(3, 3, 1, 0).maxPool2d(2).build();
        assertEquals(List.of("to_channels_last", "conv2d", "maxpool2d", "to_channels_first"), kinds(pooled.compile()));
        Sequential endsInConv = Sequential.builder(1, 8, 8).seed(9).conv2d(4, 3, 1, 1).build();
        assertEquals(List.of("conv2d", "to_channels_first"), kinds(endsInConv.compile()));
        assertMatchesModel(endsInConv, endsInConv.compile(), "ends in a convolution");
        Sequential oneChannelOut = Sequential.builder(1, 8, 8).seed(9).conv2d(1, 3, 1, 1).relu().build();
        assertEquals(List.of("conv2d"), kinds(oneChannelOut.compile()));
        assertMatchesModel(oneChannelOut, oneChannelOut.compile(), "one output channel");
    }

    @Test
    void oddLayerOrdersStillComputeTheModel() {
        Map<String, Sequential> models = new LinkedHashMap<>();
        // flatten and dense with a dropout between: the dense layer still absorbs the channels-last order
        models.put("conv flatten dropout dense", Sequential.builder(2, 7, 7).seed(1)
                .conv2d(3, 3, 1, 1).flatten().dropout(0.2f).dense(5).build());
        // batch norm and activation behind dropouts are still folded and fused
        models.put("conv dropout batchnorm dropout relu", Sequential.builder(1, 6, 6).seed(2)
                .conv2d(4, 3, 1, 0).dropout(0.1f).batchNorm().dropout(0.1f).relu().flatten().dense(3).build());
        models.put("dense batchnorm batchnorm", Sequential.builder(6).seed(3).dense(5).batchNorm().batchNorm().build());
        models.put("batchnorm on a 3-channel input", Sequential.builder(3, 4, 5).seed(4).batchNorm().build());
        models.put("relu maxpool flatten on 3 channels", Sequential.builder(3, 4, 4).seed(5)
                .relu().maxPool2d(2).flatten().build());
        models.put("flatten of a channels-first image into dense", Sequential.builder(3, 3, 4).seed(10)
                .relu().flatten().dense(4).build());
        models.put("dropout and flatten only", Sequential.builder(3, 2, 2).seed(6).dropout(0.5f).flatten().build());
        models.put("flatten then activation before dense", Sequential.builder(1, 6, 6).seed(7)
                .conv2d(2, 3, 1, 0).flatten().tanh().dense(4).build());
        models.put("1x1 convolution on 3 channels", Sequential.builder(3, 5, 5).seed(8)
                .conv2d(4, 1, 1, 0).leakyRelu(0.1f).avgPool2d(2).build());
        models.put("strided convolution, overlapping pools", Sequential.builder(2, 11, 9).seed(9)
                .conv2d(5, 3, 2, 1).batchNorm().elu(0.5f).maxPool2d(3, 1).avgPool2d(2, 1).flatten().dense(3).softmax()
                .build());
        for (Map.Entry<String, Sequential> e : models.entrySet()) {
            InferencePlanTest.randomizeBatchNorm(e.getValue(), 17);
            InferencePlan plan = e.getValue().compile(PlanOptions.DEFAULT.withChunkSamples(2));
            assertMatchesModel(e.getValue(), plan, e.getKey() + " " + kinds(plan));
        }
        assertEquals(List.of("activation"), kinds(models.get("dropout and flatten only").compile()));
        assertEquals(List.of("dense", "affine"), kinds(models.get("dense batchnorm batchnorm").compile()));
        assertEquals(List.of("to_channels_last", "conv2d", "dense"),
                kinds(models.get("conv flatten dropout dense").compile()));
    }

    @Test
    void laterTrainingDoesNotChangeThePlan() {
        Sequential m = InferencePlanTest.cnn();
        InferencePlan plan = m.compile();
        float[] x = InferencePlanTest.inputs(3, 784, 5);
        float[] before = plan.predict(x);
        for (Parameter p : m.parameters()) {
            Arrays.fill(p.value(), 0.5f);
        }
        for (Parameter p : m.buffers()) {
            Arrays.fill(p.value(), 2f);
        }
        assertArrayEquals(PlanFileTest.bits(before), PlanFileTest.bits(plan.predict(x)));
    }

    @Test
    void kernelOptionDecidesWhereProductsMayRun() {
        Sequential m = InferencePlanTest.mlp();
        InferencePlan vector = m.compile(PlanOptions.DEFAULT.withKernel(PlanOptions.Kernel.VECTOR));
        assertFalse(vector.describe().contains("OpenBLAS"), vector.describe());
        InferencePlan blas = m.compile(PlanOptions.DEFAULT.withKernel(PlanOptions.Kernel.BLAS));
        for (int s = 0; s < 3; s++) {
            assertEquals(Integer.MAX_VALUE, product(vector, s).blasFromRows());
            assertEquals(Blas.available() ? 1 : Integer.MAX_VALUE, product(blas, s).blasFromRows());
        }
    }

    /** A layer the plan does not know. */
    static final class Scale implements Layer {
        private final Shape shape;

        Scale(Shape shape) {
            this.shape = shape;
        }

        @Override
        public String kind() {
            return "scale";
        }

        @Override
        public Shape inputShape() {
            return shape;
        }

        @Override
        public Shape outputShape() {
            return shape;
        }

        @Override
        public long flops() {
            return shape.size();
        }

        @Override
        public Tensor forward(Tensor input, Pass pass) {
            return input;
        }

        @Override
        public Tensor backward(Tensor gradOutput, boolean inputGradient) {
            return inputGradient ? gradOutput : null;
        }

        @Override
        public Map<String, Object> config() {
            return Map.of();
        }

        @Override
        public Layer replica() {
            return this;
        }
    }

    @Test
    void customLayerIsRejectedNamingIt() {
        Sequential m = Sequential.of(Shape.of(4), List.of(new Dense(4, 3), new Scale(Shape.of(3))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, m::compile);
        String message = e.getMessage();
        assertTrue(message.contains("layer 1") && message.contains("scale") && message.contains(Scale.class.getName()),
                message);
    }

    @Test
    void optionsAndArgumentsAreChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PlanOptions(null, 0));
        assertTrue(e.getMessage().contains("kernel"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new PlanOptions(PlanOptions.Kernel.AUTO, -1));
        assertTrue(e.getMessage().contains("chunkSamples") && e.getMessage().contains("-1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PlanOptions.DEFAULT.withChunkSamples(-5));
        assertThrows(IllegalArgumentException.class, () -> PlanOptions.DEFAULT.withKernel(null));
        assertThrows(IllegalArgumentException.class, () -> InferencePlan.compile(null));
        assertThrows(IllegalArgumentException.class, () -> InferencePlan.compile(InferencePlanTest.mlp(), null));
        assertEquals(7, InferencePlanTest.mlp().compile(PlanOptions.DEFAULT.withChunkSamples(7)).chunkSamples());
    }
}
