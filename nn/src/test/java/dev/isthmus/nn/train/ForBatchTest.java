package dev.isthmus.nn.train;

import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Tensor;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.loss.Loss;
import dev.isthmus.nn.loss.SparseCategoricalCrossEntropy;
import dev.isthmus.nn.metrics.Evaluation;
import dev.isthmus.nn.metrics.EvaluationReport;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainers and Evaluation hand a loss the input rows that produced each output row. */
class ForBatchTest {
    /** Softmax cross entropy that records, per call, the label offset and the input rows it was given. */
    static final class Recording implements Loss {
        final Loss inner = new SparseCategoricalCrossEntropy();
        final List<Object[]> calls = Collections.synchronizedList(new ArrayList<>());

        @Override
        public double forBatch(Tensor input, Tensor output, int[] labels, int labelsOff, Tensor grad) {
            assertEquals(output.batch(), input.batch(), "one input row per output row");
            calls.add(new Object[] {labelsOff, input.data().clone()});
            return inner.forLabels(output, labels, labelsOff, grad);
        }

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public Map<String, Object> config() {
            return Map.of();
        }

        @Override
        public double forLabels(Tensor output, int[] labels, int labelsOff, Tensor grad) {
            throw new AssertionError("forLabels called instead of forBatch");
        }

        @Override
        public double forTargets(Tensor output, Tensor targets, Tensor grad) {
            throw new AssertionError("forTargets called");
        }

        @Override
        public double normalizer(int[] labels, int off, int rows) {
            return inner.normalizer(labels, off, rows);
        }

        @Override
        public double normalizer(Tensor targets) {
            return inner.normalizer(targets);
        }

        /** Rows seen, by their first row; each call's rows must be {@code features} from its label offset on. */
        int checkRows(float[] features, int sample) {
            int rows = 0;
            for (Object[] call : calls) {
                int first = (Integer) call[0];
                float[] seen = (float[]) call[1];
                assertArrayEquals(Arrays.copyOfRange(features, first * sample, first * sample + seen.length), seen,
                        "input rows from row " + first);
                rows += seen.length / sample;
            }
            return rows;
        }
    }

    @Test
    void eachShardPassesItsOwnRowsAndTheDefaultKeepsTheBits() {
        Dataset data = TrainerTest.blobs(37, 3);
        float[] features = data.features();
        int[] labels = data.labels();
        for (int threads : new int[] {1, 2, 3}) {
            Sequential a = TrainerTest.model(5);
            Sequential b = TrainerTest.model(5);
            Recording recording = new Recording();
            DataParallel.Result r = new DataParallel(a, recording, threads).lossAndGradient(features, labels, 37, 0);
            DataParallel.Result plain = new DataParallel(b, new SparseCategoricalCrossEntropy(), threads)
                    .lossAndGradient(features, labels, 37, 0);
            assertEquals(Math.min(threads, 37 / 2), recording.calls.size(), "one call per shard, " + threads + " threads");
            assertEquals(37, recording.checkRows(features, 4), "every row once");
            assertEquals(plain.loss(), r.loss(), 0, "same loss bits");
            assertEquals(plain.correct(), r.correct());
            for (int i = 0; i < a.parameters().size(); i++) {
                assertArrayEquals(b.parameters().get(i).grad(), a.parameters().get(i).grad(), "gradient " + i);
            }
        }
    }

    @Test
    void evaluationAndFullBatchPassTheirRows() {
        Dataset data = TrainerTest.blobs(23, 4);
        Sequential m = TrainerTest.model(6);
        Recording recording = new Recording();
        EvaluationReport report = Evaluation.evaluate(m, data, recording, 5);
        EvaluationReport plain = Evaluation.evaluate(m, data, new SparseCategoricalCrossEntropy(), 5);
        assertEquals(plain.loss(), report.loss(), 0);
        assertEquals(5, recording.calls.size());
        // Evaluation's label offset is 0 within each batch: batch k starts at row 5k
        float[] features = data.features();
        for (int k = 0; k < recording.calls.size(); k++) {
            float[] seen = (float[]) recording.calls.get(k)[1];
            assertArrayEquals(Arrays.copyOfRange(features, k * 5 * 4, k * 5 * 4 + seen.length), seen, "batch " + k);
        }

        Recording full = new Recording();
        double loss = FullBatch.minimize(m, full, data, new dev.isthmus.nn.optim.Lbfgs(m.parameters()), 1, 0, 2);
        assertTrue(Double.isFinite(loss));
        assertTrue(full.checkRows(features, 4) >= 23, "the whole set at least once");
    }
}
