/**
 * Changing a trained model's width: {@link dev.isthmus.nn.structure.StructuredPruning} removes whole
 * neurons and channels and returns a smaller model; {@link dev.isthmus.nn.structure.Widening} adds
 * them (Net2Net) so that the wider model computes the same function. Both return a new
 * {@link dev.isthmus.nn.Sequential} and leave the input model unchanged.
 */
package dev.isthmus.nn.structure;
