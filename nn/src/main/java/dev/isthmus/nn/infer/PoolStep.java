package dev.isthmus.nn.infer;

import dev.isthmus.kernels.ChannelsLast;
import java.util.LinkedHashMap;
import java.util.Map;

/** Max or average pooling over channels-last images: square windows, no padding. */
final class PoolStep implements Step {
    private final boolean max;
    private final int channels;
    private final int height;
    private final int width;
    private final int size;
    private final int stride;

    PoolStep(boolean max, int channels, int height, int width, int size, int stride) {
        if (channels < 1 || height < 1 || width < 1 || size < 1 || stride < 1 || size > height || size > width
                || (long) channels * height * width > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("pool step: a " + size + " x " + size + " window with stride " + stride
                    + " does not fit images of " + channels + " x " + height + " x " + width);
        }
        this.max = max;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.size = size;
        this.stride = stride;
    }

    boolean max() {
        return max;
    }

    int channels() {
        return channels;
    }

    int height() {
        return height;
    }

    int width() {
        return width;
    }

    int size() {
        return size;
    }

    int stride() {
        return stride;
    }

    private int outHeight() {
        return (height - size) / stride + 1;
    }

    private int outWidth() {
        return (width - size) / stride + 1;
    }

    @Override
    public String kind() {
        return max ? "maxpool2d" : "avgpool2d";
    }

    @Override
    public int inSize() {
        return channels * height * width;
    }

    @Override
    public int outSize() {
        return channels * outHeight() * outWidth();
    }

    @Override
    public void run(float[] x, int xOff, float[] y, int yOff, int rows, Workspace ws, boolean pooled) {
        if (max) {
            ChannelsLast.maxPool(x, xOff, rows, height, width, channels, size, stride, y, yOff);
        } else {
            ChannelsLast.avgPool(x, xOff, rows, height, width, channels, size, stride, y, yOff);
        }
    }

    @Override
    public String describe() {
        return (max ? "max" : "average") + " pool " + size + "x" + size + "/" + stride + " over " + channels + " x "
                + height + " x " + width + " (channels-last, vectors across channels)";
    }

    @Override
    public long flops() {
        return (long) outSize() * size * size;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("input", new int[] {channels, height, width});
        c.put("size", size);
        c.put("stride", stride);
        return c;
    }
}
