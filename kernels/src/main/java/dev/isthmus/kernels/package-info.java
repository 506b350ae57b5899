/**
 * Pure-Java kernels on heap arrays. Each op family has a plain scalar reference (the test oracle)
 * and a Vector API implementation on the {@link dev.isthmus.kernels.Species} constants; nothing
 * here knows what a layer is.
 */
package dev.isthmus.kernels;
