package dev.isthmus.nn.train;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.optim.Adam;
import dev.isthmus.nn.optim.Sgd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointingTest {
    @TempDir
    Path dir;

    static Sequential model() {
        return Sequential.builder(4).seed(5).dense(12).batchNorm().relu().dropout(0.25f).dense(3).build();
    }

    static Trainer trainer(Sequential m, int epochs, Callback... callbacks) {
        Trainer.Builder b = Trainer.builder(m, new SparseCategoricalCrossEntropy(), new Adam(m.parameters(), 1e-2))
                .epochs(epochs).batchSize(16).seed(9).threads(2);
        for (Callback c : callbacks) {
            b.callback(c);
        }
        return b.build();
    }

    @Test
    void resumingFromACheckpointGivesTheSameWeightsAsNotStopping() throws Exception {
        Dataset data = TrainerTest.blobs(200, 1);
        Sequential straight = model();
        trainer(straight, 4).fit(data);

        Path file = dir.resolve("run.ckpt");
        Sequential first = model();
        trainer(first, 2, new Checkpointing(file, 2)).fit(data);
        assertTrue(Files.exists(file));

        Sequential resumed = model();
        Trainer t = trainer(resumed, 4);
        Checkpointing.restore(t, file);
        assertEquals(2, t.nextEpoch());
        History h = t.fit(data);
        assertEquals(2, h.epochs(), "only the remaining epochs ran");

        List<float[]> a = TrainerTest.values(straight);
        List<float[]> b = TrainerTest.values(resumed);
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i), "parameter " + i);
        }
        for (int i = 0; i < straight.buffers().size(); i++) {
            assertArrayEquals(straight.buffers().get(i).value(), resumed.buffers().get(i).value(), "buffer " + i);
        }
    }

    @Test
    void aCheckpointOfAnotherModelOrOptimizerIsRefused() throws Exception {
        Path file = dir.resolve("run.ckpt");
        Sequential m = model();
        Trainer t = trainer(m, 1);
        t.fit(TrainerTest.blobs(64, 2));
        Checkpointing.save(t, file);

        Sequential other = Sequential.builder(4).dense(7).dense(3).build();
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> Checkpointing.restore(
                Trainer.builder(other, new SparseCategoricalCrossEntropy(), new Adam(other.parameters(), 1e-3)).build(),
                file));
        assertTrue(shape.getMessage().contains("does not match") || shape.getMessage().contains("arrays"),
                shape.getMessage());

        Sequential same = model();
        IllegalArgumentException opt = assertThrows(IllegalArgumentException.class, () -> Checkpointing.restore(
                Trainer.builder(same, new SparseCategoricalCrossEntropy(), new Sgd(same.parameters(), 0.1)).build(),
                file));
        assertTrue(opt.getMessage().contains("adam"), opt.getMessage());
    }
}
