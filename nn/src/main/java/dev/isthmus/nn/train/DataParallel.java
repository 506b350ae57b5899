package dev.isthmus.nn.train;

import dev.isthmus.blas.Blas;
import dev.isthmus.kernels.Elementwise;
import dev.isthmus.kernels.Parallel;
import dev.isthmus.nn.Backend;
import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Pass;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Tensor;
import dev.isthmus.nn.loss.Loss;

import java.util.List;

/**
 * Computes the loss and the gradient of one batch with the batch split into shards, one per
 * worker, each running forward and backward on a replica of the model. The gradients are then
 * summed into the model's own parameters in shard order, and batch-normalization running statistics
 * averaged (weighted by shard size) in the same order, so the result depends on the shard count,
 * never on timing. Shard 0 runs on the model itself.
 *
 * <p>Each shard's output gradient is scaled by its share of the loss's normalizer (rows, or the
 * sum of class weights), so the sum of the shards' parameter gradients is the gradient of the whole
 * batch's mean loss. Batch normalization normalizes each shard with that shard's statistics, as
 * data-parallel training without synchronized statistics does elsewhere.
 */
final class DataParallel {
    private final Sequential model;
    private final Loss loss;
    private final Sequential[] replicas;
    private final List<Parameter>[] params;
    private final List<Parameter>[] buffers;
    private final Tensor[] inputs;
    private final Tensor[] grads;
    private final int[][] predicted;
    private final double[] shardLoss;
    private final double[] shardNorm;
    private final int[] shardCorrect;
    private final int sampleSize;

    @SuppressWarnings("unchecked")
    DataParallel(Sequential model, Loss loss, int workers) {
        this.model = model;
        this.loss = loss;
        this.replicas = new Sequential[workers];
        this.params = new List[workers];
        this.buffers = new List[workers];
        for (int w = 0; w < workers; w++) {
            replicas[w] = w == 0 ? model : model.replica();
            params[w] = replicas[w].parameters();
            buffers[w] = replicas[w].buffers();
        }
        this.inputs = new Tensor[workers];
        this.grads = new Tensor[workers];
        this.predicted = new int[workers][];
        this.shardLoss = new double[workers];
        this.shardNorm = new double[workers];
        this.shardCorrect = new int[workers];
        this.sampleSize = model.inputShape().size();
    }

    int workers() {
        return replicas.length;
    }

    /** The result of one batch: mean loss, and how many of its rows were classified correctly. */
    record Result(double loss, int correct) {}

    /**
     * Runs forward and backward over the first {@code rows} samples of {@code features} with
     * {@code labels[0, rows)}, leaving the batch's gradient in the model's parameters.
     */
    Result lossAndGradient(float[] features, int[] labels, int rows, long step) {
        // at least two rows per shard: batch normalization cannot estimate a variance from one
        int shards = Math.max(1, Math.min(replicas.length, rows / 2));
        // replicas start from the model's running statistics
        for (int s = 1; s < shards; s++) {
            copyBuffers(buffers[0], buffers[s]);
        }
        double total = loss.normalizer(labels, 0, rows);
        if (shards == 1) {
            shard(0, features, labels, 0, rows, total, step);
        } else {
            // each shard's products run on its own thread: OpenBLAS must not start threads of its own
            // (two callers contending for its thread pool measured 10-25x slower than one)
            int blasThreads = Backend.blasAvailable() ? Blas.threads() : 1;
            if (blasThreads > 1) {
                Blas.setThreads(1);
            }
            try {
                Parallel.run(shards, s -> shard(s, features, labels, first(s, rows, shards),
                        first(s + 1, rows, shards) - first(s, rows, shards), total, step));
            } finally {
                if (blasThreads > 1) {
                    Blas.setThreads(blasThreads);
                }
            }
            sumGradients(shards);
            averageBuffers(shards, rows);
        }
        double lossSum = 0;
        int correct = 0;
        for (int s = 0; s < shards; s++) {
            lossSum += shardLoss[s] * shardNorm[s];
            correct += shardCorrect[s];
        }
        return new Result(total > 0 ? lossSum / total : 0, correct);
    }

    private static int first(int shard, int rows, int shards) {
        return (int) ((long) rows * shard / shards);
    }

    private void shard(int s, float[] features, int[] labels, int firstRow, int rows, double total, long step) {
        Sequential m = replicas[s];
        Tensor x = inputs[s];
        if (x == null || x.batch() != rows) {
            x = inputs[s] = Tensor.zeros(rows, model.inputShape());
        }
        System.arraycopy(features, firstRow * sampleSize, x.data(), 0, rows * sampleSize);
        Tensor y = m.forward(x, new Pass(true, step, firstRow));
        Tensor g = grads[s];
        if (g == null || g.batch() != rows) {
            g = grads[s] = Tensor.zeros(rows, model.outputShape());
        }
        double l = loss.forBatch(x, y, labels, firstRow, g);
        double norm = loss.normalizer(labels, firstRow, rows);
        shardLoss[s] = l;
        shardNorm[s] = norm;
        shardCorrect[s] = correct(s, y, labels, firstRow, rows);
        if (total > 0 && norm != total) {
            Elementwise.scale((float) (norm / total), g.data(), 0, g.data(), 0, g.size());
        }
        m.backward(g);
    }

    private int correct(int s, Tensor y, int[] labels, int firstRow, int rows) {
        int[] p = predicted[s];
        if (p == null || p.length < rows) {
            p = predicted[s] = new int[rows];
        }
        Sequential.classes(y, p);
        int c = 0;
        for (int r = 0; r < rows; r++) {
            if (p[r] == labels[firstRow + r]) {
                c++;
            }
        }
        return c;
    }

    /** The model's gradients += each other shard's, in shard order. */
    private void sumGradients(int shards) {
        List<Parameter> target = params[0];
        for (int s = 1; s < shards; s++) {
            List<Parameter> source = params[s];
            for (int i = 0; i < target.size(); i++) {
                float[] g = source.get(i).grad();
                Elementwise.add(target.get(i).grad(), 0, g, 0, target.get(i).grad(), 0, g.length);
            }
        }
    }

    /** Running statistics = the shard-size-weighted mean of the shards' updated ones. */
    private void averageBuffers(int shards, int rows) {
        List<Parameter> target = buffers[0];
        for (int i = 0; i < target.size(); i++) {
            float[] t = target.get(i).value();
            int n0 = first(1, rows, shards);
            Elementwise.scale((float) n0 / rows, t, 0, t, 0, t.length);
            for (int s = 1; s < shards; s++) {
                int ns = first(s + 1, rows, shards) - first(s, rows, shards);
                Elementwise.axpy((float) ns / rows, buffers[s].get(i).value(), 0, t, 0, t.length);
            }
        }
    }

    private static void copyBuffers(List<Parameter> from, List<Parameter> to) {
        for (int i = 0; i < from.size(); i++) {
            float[] src = from.get(i).value();
            System.arraycopy(src, 0, to.get(i).value(), 0, src.length);
        }
    }
}
