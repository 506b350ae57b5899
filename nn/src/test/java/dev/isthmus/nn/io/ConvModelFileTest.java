package dev.isthmus.nn.io;

import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Tensor;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.optim.Adam;
import dev.isthmus.nn.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The layers of the issue-4 CNN (conv, batch norm, pooling, dropout) survive a model file bit for bit. */
class ConvModelFileTest {
    @TempDir
    Path dir;

    @Test
    void trainedCnnRoundTripsBitIdentically() throws IOException {
        Sequential model = Sequential.builder(1, 8, 8).seed(4).backend(Backend.VECTOR).weightPenalty(0f, 1e-3f)
                .conv2d(4, 3, 1, 1).batchNorm().relu().maxPool2d(2)
                .conv2d(6, 3, 2, 1).batchNorm(0.2f, 1e-4f).elu(1f).avgPool2d(2)
                .dropout(0.3f).dense(5).build();
        // a few steps so that batch-norm statistics and weights are no longer their initial values
        SplittableRandom rng = new SplittableRandom(1);
        float[] x = new float[32 * 64];
        int[] y = new int[32];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = rng.nextInt(5);
        }
        Dataset data = new Dataset(x, new int[] {1, 8, 8}, y, 5);
        Trainer.builder(model, new SparseCategoricalCrossEntropy(), new Adam(model.parameters(), 1e-2))
                .epochs(3).batchSize(8).build().fit(data);

        Path f = dir.resolve("cnn.safetensors");
        ModelFile.save(model, f, Map.of());
        Sequential loaded = ModelFile.load(f, Backend.VECTOR).model();
        ModelFileTest.assertSameModel(model, loaded);
        Tensor in = ModelFileTest.randomInput(model, 7, 9);
        assertArrayEquals(ModelFileTest.bits(model.predict(in).data()), ModelFileTest.bits(loaded.predict(in).data()));
    }
}
