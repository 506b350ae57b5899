package dev.isthmus.nn.layer;

import dev.isthmus.nn.Shape;

/**
 * The geometry the pooling layers share: square {@code size x size} windows moved by {@code stride}
 * over each {@code height x width} plane of {@code channels}, without padding.
 */
record PoolWindow(int channels, int height, int width, int size, int stride) {

    /**
     * Validates a pooling layer's arguments against its input shape.
     *
     * @throws IllegalArgumentException naming the layer and the shape when the input is not
     *                                  (channels, height, width), size or stride is below 1, or the
     *                                  window is larger than the plane
     */
    static PoolWindow of(String layer, Shape input, int size, int stride) {
        ShapeCheck.image(layer, input);
        ShapeCheck.positive(layer, "size", size);
        ShapeCheck.positive(layer, "stride", stride);
        if (size > input.dim(1) || size > input.dim(2)) {
            throw new IllegalArgumentException(layer + ": a window of " + size + " x " + size
                    + " does not fit input samples of shape " + input);
        }
        return new PoolWindow(input.dim(0), input.dim(1), input.dim(2), size, stride);
    }

    int outHeight() {
        return (height - size) / stride + 1;
    }

    int outWidth() {
        return (width - size) / stride + 1;
    }

    Shape inputShape() {
        return Shape.of(channels, height, width);
    }

    Shape outputShape() {
        return Shape.of(channels, outHeight(), outWidth());
    }

    /** Window elements read per sample, the FLOPs the summary reports for a pooling layer. */
    long reads() {
        return (long) channels * outHeight() * outWidth() * size * size;
    }
}
