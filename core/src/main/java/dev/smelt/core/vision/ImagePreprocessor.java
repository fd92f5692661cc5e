package dev.smelt.core.vision;

import dev.smelt.core.SmeltException;

/**
 * The Hugging Face Qwen2-VL image processor (PIL path, {@code image_processing_pil_qwen2_vl.py}) as Qwen3.5 uses
 * it: RGB, {@link SmartResize} to multiples of patch × merge, {@link PilBicubic} stretch to exactly that size
 * (skipped when the size already matches), {@code x / 255}, {@code (x - mean) / std} per channel, then patch rows in
 * 2x2-block-major order with the still image repeated over the temporal patch ({@link PixelPatches}).
 */
public final class ImagePreprocessor {
    private final ImageProcessorConfig config;

    public ImagePreprocessor(ImageProcessorConfig config) {
        this.config = config;
    }

    public ImageProcessorConfig config() {
        return config;
    }

    /** The size an image of {@code width x height} is stretched to: {@code {height, width}}. */
    public int[] targetSize(int width, int height) {
        if (!config.doResize()) return new int[] {height, width};
        return SmartResize.of(height, width, config.factor(), config.minPixels(), config.maxPixels());
    }

    /** Merged LLM tokens an image of {@code width x height} becomes (no pixels touched). */
    public int tokenCount(int width, int height) {
        int[] hw = targetSize(width, height);
        return (hw[0] / config.factor()) * (hw[1] / config.factor());
    }

    /** The resized 8-bit image (what PIL returns before rescaling). */
    public RgbImage resize(RgbImage image) {
        int[] hw = targetSize(image.width(), image.height());
        return PilBicubic.resize(image, hw[1], hw[0]);
    }

    public PixelPatches process(RgbImage image) {
        RgbImage r = resize(image);
        int p = config.patchSize(), m = config.mergeSize(), tp = config.temporalPatchSize();
        if (r.height() % (p * m) != 0 || r.width() % (p * m) != 0) {
            throw new SmeltException("image " + r.width() + "x" + r.height()
                    + " is not a multiple of patch_size x merge_size = " + p * m + " (do_resize is off)");
        }
        // per-channel lookup table: the normalised value of each byte value
        float[][] lut = new float[3][256];
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                double x = v;
                if (config.doRescale()) x = (float) (x * config.rescaleFactor());
                if (config.doNormalize()) x = (float) ((x - (float) config.imageMean()[c]) / (float) config.imageStd()[c]);
                lut[c][v] = (float) x;
            }
        }
        int gh = r.height() / p, gw = r.width() / p;
        int row = 3 * tp * p * p;
        float[] out = new float[gh * gw * row];
        PixelPatches shape = new PixelPatches(out, 1, gh, gw, row, m, r.width(), r.height());
        for (int n = 0; n < gh * gw; n++) {
            int[] rc = shape.patchPosition(n);
            int base = n * row;
            for (int c = 0; c < 3; c++) {
                for (int t = 0; t < tp; t++) {
                    int o = base + (c * tp + t) * p * p;
                    for (int y = 0; y < p; y++) {
                        for (int x = 0; x < p; x++) {
                            out[o + y * p + x] = lut[c][r.get(rc[1] * p + x, rc[0] * p + y, c)];
                        }
                    }
                }
            }
        }
        return shape;
    }
}
