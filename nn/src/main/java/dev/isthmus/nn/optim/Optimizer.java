package dev.isthmus.nn.optim;

import dev.isthmus.nn.Parameter;

import java.util.List;
import java.util.Map;

/**
 * A first-order optimizer bound to a fixed list of parameters: after each backward pass, {@link #step()}
 * updates every parameter's values in place from its gradient, with one fused kernel call per parameter.
 *
 * <p>Each step first adds the parameter's own penalties to its gradient, {@code l2 * w + l1 * sign(w)}
 * (see {@link Parameter#regularize}), without changing {@link Parameter#grad()} itself. Steps are
 * deterministic: the same values, gradients, state and learning rate give bit-identical results.
 *
 * <p>For a checkpoint, save {@link #name()}, {@link #config()}, {@link #learningRate()} and
 * {@link #state()}; to resume, build the same optimizer over the same parameters in the same order and
 * call {@link #loadState}. The continuation is then bit-identical to an uninterrupted run.
 */
public sealed interface Optimizer permits SlotOptimizer {
    /** The parameters this optimizer updates, in the order its state is numbered (unmodifiable). */
    List<Parameter> parameters();

    /** Updates every parameter from its current gradient and counts one step. */
    void step();

    /** The learning rate the next step uses. */
    double learningRate();

    /**
     * Sets the learning rate for the following steps; learning-rate schedules call this before each step.
     *
     * @throws IllegalArgumentException when lr is negative, NaN, or too large for a float
     */
    void setLearningRate(double lr);

    /** The number of steps taken, including those of a loaded state. */
    long steps();

    /**
     * Copies of the step count and every per-parameter state array, keyed
     * {@code <name>.steps} (two floats {@code {high, low}}, {@code steps = high * 2^24 + low}) and
     * {@code <name>.<slot>.<i>} for parameter i, such as {@code adam.m.3}. The map is unmodifiable and
     * does not change with later steps.
     */
    Map<String, float[]> state();

    /**
     * Replaces the step count and state by copies of a map {@link #state()} returned, from an optimizer
     * of the same name over parameters of the same sizes.
     *
     * @throws IllegalArgumentException naming the entry, when one is missing, has the wrong length, or is
     *                                  not expected (such as another optimizer's state); nothing is
     *                                  loaded then
     */
    void loadState(Map<String, float[]> state);

    /** The optimizer's kind as written in checkpoints: {@code sgd}, {@code adagrad}, {@code rmsprop}, {@code adam}, {@code adamw}. */
    String name();

    /**
     * The hyperparameters given at construction, as written in checkpoints: Double and Boolean values
     * under {@code lr} (the learning rate at construction), {@code momentum}, {@code nesterov},
     * {@code rho}, {@code beta1}, {@code beta2}, {@code eps}, {@code weight_decay}, whichever apply.
     */
    Map<String, Object> config();
}
