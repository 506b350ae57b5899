package dev.isthmus.nn.search;

import dev.isthmus.nn.data.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizeSearchTest {
    /** Four Gaussian blobs in 6-D, one class per centre, separable enough for a small MLP. */
    static Dataset blobs(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n * 6];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextInt(4);
            for (int j = 0; j < 6; j++) {
                x[i * 6 + j] = (float) ((j == y[i] ? 3.0 : 0.0) + rng.nextGaussian() * 0.8);
            }
        }
        return new Dataset(x, new int[] {6}, y, 4);
    }

    static void assertMessage(Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should name '" + part + "'");
        }
    }

    /** Weights and biases of 6 -> hidden... -> 4, counted by hand. */
    static long parameters(int... hidden) {
        long n = 0;
        int in = 6;
        for (int h : hidden) {
            n += (long) in * h + h;
            in = h;
        }
        return n + in * 4L + 4;
    }

    @Test
    void reportsEveryCandidateInOrderWithExactCountsAndAParetoFront() {
        List<int[]> hidden = List.of(new int[] {16, 8}, new int[0], new int[] {12});
        List<String> lines = new ArrayList<>();
        SizeSearch search = SizeSearch.builder(blobs(800, 1), blobs(300, 2)).hidden(hidden).epochs(3)
                .batchSize(32).learningRate(1e-2).seed(7).threads(2).latencyCalls(300).progress(lines::add).build();
        List<SizeSearch.Candidate> result = search.run();

        assertEquals(3, result.size());
        assertEquals(3, lines.size());
        assertEquals(List.of(284L, 28L, 136L), List.of(parameters(16, 8), parameters(), parameters(12)));
        for (int i = 0; i < 3; i++) {
            SizeSearch.Candidate c = result.get(i);
            assertArrayEquals(hidden.get(i), c.hidden(), "candidate " + i + " in order");
            assertEquals(parameters(hidden.get(i)), c.parameters(), "parameters of " + c.label());
            // chance is 1/4; these blobs are separable enough for 90% with any of the models
            assertTrue(c.accuracy() >= 0.9 && c.accuracy() <= 1, "accuracy of " + c.label() + ": " + c.accuracy());
            assertTrue(c.latencyMicros() > 0 && Double.isFinite(c.latencyMicros()), c.toString());
            assertTrue(lines.get(i).contains(c.label()), lines.get(i));
        }
        // the flags, brute force over the returned numbers
        for (SizeSearch.Candidate c : result) {
            boolean dominated = false;
            for (SizeSearch.Candidate o : result) {
                dominated |= o.accuracy() >= c.accuracy() && o.latencyMicros() <= c.latencyMicros()
                        && (o.accuracy() > c.accuracy() || o.latencyMicros() < c.latencyMicros());
            }
            assertEquals(!dominated, c.pareto(), c.toString());
        }
        assertTrue(result.stream().anyMatch(SizeSearch.Candidate::pareto), "someone is on the front");

        String[] rows = SizeSearch.table(result).split("\n");
        assertEquals(5, rows.length, SizeSearch.table(result));
        assertEquals("| hidden | parameters | accuracy % | p50 us | pareto |", rows[0]);
        assertTrue(rows[2].startsWith("| 16-8 | 284 | "), rows[2]);
        assertTrue(rows[3].startsWith("| none | 28 | "), rows[3]);
        assertTrue(rows[4].startsWith("| 12 | 136 | "), rows[4]);
        for (int i = 0; i < 3; i++) {
            assertEquals(result.get(i).pareto(), rows[2 + i].endsWith("| * |"), rows[2 + i]);
            assertTrue(rows[2 + i].contains(String.format(java.util.Locale.ROOT, "| %.2f |",
                    100 * result.get(i).accuracy())), rows[2 + i]);
        }

        // the same seed and threads train the same models: the accuracies repeat exactly
        List<SizeSearch.Candidate> again = search.run();
        for (int i = 0; i < 3; i++) {
            assertEquals(result.get(i).accuracy(), again.get(i).accuracy(), 0, "candidate " + i);
        }
    }

    @Test
    void paretoFlagsByHand() {
        double[] accuracy = {0.90, 0.85, 0.90, 0.80, 0.95, 0.95};
        double[] latency = {10, 5, 12, 6, 30, 30};
        // 0: front; 1: fastest; 2: dominated by 0 (same accuracy, slower); 3: dominated by 1;
        // 4 and 5: equal, neither dominates the other, and nobody is more accurate
        assertArrayEquals(new boolean[] {true, true, false, false, true, true}, SizeSearch.pareto(accuracy, latency));
    }

    @Test
    void badCandidatesAndSettingsAreRejected() {
        Dataset train = blobs(20, 1);
        Dataset test = blobs(10, 2);
        assertMessage(() -> SizeSearch.builder(train, test).hidden(List.of(new int[] {8, 0})), "[8, 0]", "width 0");
        assertMessage(() -> SizeSearch.builder(train, test).hidden(List.of(new int[] {4}, new int[] {-3})),
                "candidate 1", "-3");
        assertMessage(() -> SizeSearch.builder(train, test).hidden(List.of()), "empty");
        assertMessage(() -> SizeSearch.builder(train, test).hidden(null), "null");
        assertMessage(() -> SizeSearch.builder(train, test).hidden(Arrays.asList(new int[] {4}, null)), "candidate 1");
        assertMessage(() -> SizeSearch.builder(train, test).build(), "hidden");
        assertMessage(() -> SizeSearch.builder(train, test).epochs(0), "epochs", "0");
        assertMessage(() -> SizeSearch.builder(train, test).batchSize(-1), "batch size", "-1");
        assertMessage(() -> SizeSearch.builder(train, test).learningRate(Double.NaN), "learning rate", "NaN");
        assertMessage(() -> SizeSearch.builder(train, test).threads(0), "threads", "0");
        assertMessage(() -> SizeSearch.builder(train, test).latencyCalls(0), "latency calls", "0");
        assertMessage(() -> SizeSearch.builder(null, test), "null");
        Dataset other = new Dataset(new float[10 * 5], new int[] {5}, new int[10], 4);
        assertMessage(() -> SizeSearch.builder(train, other), "[6]", "[5]");
        assertMessage(() -> SizeSearch.table(null), "null");

        // the builder copies the widths
        int[] widths = {8};
        List<int[]> list = new ArrayList<>(List.of(widths));
        SizeSearch.Builder b = SizeSearch.builder(train, test).hidden(list).epochs(1).latencyCalls(5);
        widths[0] = 0;
        list.clear();
        List<SizeSearch.Candidate> one = b.build().run();
        assertEquals(1, one.size());
        assertArrayEquals(new int[] {8}, one.get(0).hidden());
        assertEquals(parameters(8), one.get(0).parameters());
    }
}
