package dev.isthmus.nn;

import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.data.FashionMnist;
import dev.isthmus.nn.data.Normalization;
import dev.isthmus.nn.infer.InferencePlan;
import dev.isthmus.nn.infer.QuantizeOptions;
import dev.isthmus.nn.infer.Quantization;
import dev.isthmus.nn.io.ModelFile;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.optim.Adam;
import dev.isthmus.nn.train.History;
import dev.isthmus.nn.train.ProgressLogger;
import dev.isthmus.nn.train.Trainer;
import dev.isthmus.nn.distill.DistillationLoss;
import dev.isthmus.nn.loss.Loss;
import dev.isthmus.nn.prune.MagnitudePruning;
import dev.isthmus.nn.prune.SparsitySchedule;
import dev.isthmus.nn.structure.StructuredPruning;
import dev.isthmus.nn.structure.StructuredPruning.Criterion;
import dev.isthmus.nn.structure.Widening;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** README.md's example, kept here so that the build fails when the API it shows changes. Not run. */
final class ReadmeExample {
    private ReadmeExample() {}

    static void example() throws IOException {
        Dataset train = FashionMnist.load(FashionMnist.DEFAULT_DIR, true);
        Normalization norm = Normalization.standardize(train);
        Sequential model = Sequential.builder(1, 28, 28).seed(42)
                .dense(256).relu().dense(128).relu().dense(10).build();
        Trainer trainer = Trainer.builder(model, new SparseCategoricalCrossEntropy(), new Adam(model.parameters(), 1e-3))
                .epochs(5).batchSize(64).validationSplit(0.1).callback(new ProgressLogger(System.out)).build();
        History history = trainer.fit(norm.apply(train));
        System.out.println(model.summary() + history.format());
        ModelFile.save(model, Path.of("mlp.safetensors"), Map.of());
        serve(model);
        quantize(model, norm.apply(train).features());
        shrink(model, model);
    }

    static void shrink(Sequential model, Sequential teacher) {
        Sequential half = StructuredPruning.prune(model, 0.5, Criterion.WEIGHT_NORM).model();  // 784-128-64-10
        MagnitudePruning pruning = MagnitudePruning.builder(model)
                .schedule(SparsitySchedule.polynomial(0, 0.9, 0, 650, 3)).build();  // a Trainer callback: masks stay zero
        Sequential wider = Widening.widen(model, 0, 384, 7);                    // same outputs, 384 first-layer units
        Loss kd = new DistillationLoss(teacher.compile(), 2.0, 0.9);            // train a student with it
    }

    static void serve(Sequential model) throws IOException {
        InferencePlan plan = model.compile();                 // immutable, thread-safe
        float[] image = new float[784], scores = new float[10];
        plan.predict(image, 0, 1, scores, 0);                 // batch 1, on the caller's thread, 0 bytes
        int label = plan.predictClass(image, 0);
        plan.save(Path.of("mlp.plan"));                       // InferencePlan.load needs no training code
    }

    static void quantize(Sequential model, float[] trainImages) throws IOException {
        InferencePlan fp32 = model.compile();
        Quantization q = fp32.quantize(trainImages, 1000, QuantizeOptions.DEFAULT);  // calibrate on 1000 images
        System.out.print(q.plan().describe());                // which products run int8, which stayed fp32
        q.plan().save(Path.of("mlp.int8.plan"));              // 0.25x the fp32 file; loads bit-exact
    }
}
