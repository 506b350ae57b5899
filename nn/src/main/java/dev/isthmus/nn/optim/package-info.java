/**
 * Training updates: the first-order {@link dev.isthmus.nn.optim.Optimizer}s, each a call to a fused
 * update kernel per parameter; {@link dev.isthmus.nn.optim.GradientClipping} between the backward pass
 * and the step; {@link dev.isthmus.nn.optim.Lbfgs} for full-batch training of small models; and the
 * learning-rate and batch-size schedules a trainer consults before each step or epoch.
 */
package dev.isthmus.nn.optim;
