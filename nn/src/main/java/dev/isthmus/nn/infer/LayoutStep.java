package dev.isthmus.nn.infer;

import dev.isthmus.kernels.ChannelsLast;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A change of image layout: into channels-last before the first convolution or pooling of an input
 * with several channels, and back to channels-first where a flattened image reaches something
 * other than a dense layer (whose weights are permuted instead) or the model's output.
 */
final class LayoutStep implements Step {
    private final boolean toChannelsLast;
    private final int channels;
    private final int height;
    private final int width;

    LayoutStep(boolean toChannelsLast, int channels, int height, int width) {
        if (channels < 1 || height < 1 || width < 1
                || (long) channels * height * width > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("layout step: bad image " + channels + " x " + height + " x " + width);
        }
        this.toChannelsLast = toChannelsLast;
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    @Override
    public String kind() {
        return toChannelsLast ? "to_channels_last" : "to_channels_first";
    }

    @Override
    public int inSize() {
        return channels * height * width;
    }

    @Override
    public int outSize() {
        return inSize();
    }

    @Override
    public void run(float[] x, int xOff, float[] y, int yOff, int rows, Workspace ws, boolean pooled) {
        if (toChannelsLast) {
            ChannelsLast.toChannelsLast(x, xOff, rows, channels, height, width, y, yOff);
        } else {
            ChannelsLast.toChannelsFirst(x, xOff, rows, channels, height, width, y, yOff);
        }
    }

    @Override
    public String describe() {
        return "layout of " + channels + " x " + height + " x " + width + " images to "
                + (toChannelsLast ? "channels-last" : "channels-first");
    }

    @Override
    public long flops() {
        return 0;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("image", new int[] {channels, height, width});
        return c;
    }
}
