package dev.isthmus.nn.train;

import dev.isthmus.kernels.Elementwise;
import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.data.Dataset;
import dev.isthmus.nn.loss.Loss;
import dev.isthmus.nn.optim.Lbfgs;

import java.util.List;

/**
 * Full-batch training with L-BFGS, the second-order method for small models: every evaluation is
 * the mean loss and exact gradient over the whole data set, computed in chunks of at most
 * {@link #CHUNK} examples split across the worker threads and summed in a fixed order.
 *
 * <pre>{@code
 * Lbfgs lbfgs = new Lbfgs(model.parameters());
 * double loss = FullBatch.minimize(model, new SparseCategoricalCrossEntropy(), train, lbfgs, 100, 1e-5, 2);
 * }</pre>
 *
 * The objective must be a fixed function of the weights for the line search to make sense: dropout
 * layers use one fixed mask (step 0), and batch normalization normalizes each chunk with its own
 * statistics and updates its running statistics at every evaluation.
 */
public final class FullBatch {
    /** Examples per chunk of an evaluation. */
    public static final int CHUNK = 4096;

    private FullBatch() {}

    /**
     * Runs {@code lbfgs} (bound to the model's parameters) on the whole of {@code data} for at most
     * {@code maxIterations} iterations or until the gradient norm is at most {@code tolerance}, and
     * returns the final mean loss; {@link Lbfgs#stopReason()} says why it stopped.
     *
     * @throws IllegalArgumentException as {@link Trainer#fit} does for data that does not fit the model
     */
    public static double minimize(Sequential model, Loss loss, Dataset data, Lbfgs lbfgs, int maxIterations,
                                  double tolerance, int threads) {
        Trainer.checkData(model, "training", data);
        DataParallel parallel = new DataParallel(model, loss, threads);
        List<Parameter> params = model.parameters();
        float[][] sum = new float[params.size()][];
        for (int i = 0; i < sum.length; i++) {
            sum[i] = new float[params.get(i).size()];
        }
        int sample = model.inputShape().size();
        float[] chunkFeatures = new float[Math.min(CHUNK, data.size()) * sample];
        int[] chunkLabels = new int[Math.min(CHUNK, data.size())];
        float[] features = data.features();
        int[] labels = data.labels();
        double total = loss.normalizer(labels, 0, data.size());
        Lbfgs.LossFunction f = () -> {
            double lossSum = 0;
            for (int start = 0; start < data.size(); start += CHUNK) {
                int rows = Math.min(CHUNK, data.size() - start);
                System.arraycopy(features, start * sample, chunkFeatures, 0, rows * sample);
                System.arraycopy(labels, start, chunkLabels, 0, rows);
                double weight = loss.normalizer(chunkLabels, 0, rows);
                DataParallel.Result r = parallel.lossAndGradient(chunkFeatures, chunkLabels, rows, 0);
                float share = (float) (weight / total);
                for (int i = 0; i < sum.length; i++) {
                    float[] g = params.get(i).grad();
                    if (start == 0) {
                        Elementwise.scale(share, g, 0, sum[i], 0, g.length);
                    } else {
                        Elementwise.axpy(share, g, 0, sum[i], 0, g.length);
                    }
                }
                lossSum += r.loss() * weight;
            }
            for (int i = 0; i < sum.length; i++) {
                System.arraycopy(sum[i], 0, params.get(i).grad(), 0, sum[i].length);
            }
            return lossSum / total;
        };
        return lbfgs.minimize(f, maxIterations, tolerance);
    }
}
