package dev.smelt.core.vision;

import dev.smelt.core.SmeltException;

/**
 * The target size of Qwen2-VL-family image processors ({@code smart_resize}): each side rounded to a multiple of
 * {@code factor} with Python's {@code round} (half to even), then scaled down or up so the pixel count lies within
 * [{@code minPixels}, {@code maxPixels}], keeping the aspect ratio approximately.
 */
public final class SmartResize {
    private SmartResize() {}

    /** Returns {@code {height, width}}. */
    public static int[] of(int height, int width, int factor, long minPixels, long maxPixels) {
        if (height <= 0 || width <= 0) throw new SmeltException("image size " + width + "x" + height + " is empty");
        double ratio = (double) Math.max(height, width) / Math.min(height, width);
        if (ratio > 200) {
            throw new SmeltException("image " + width + "x" + height + ": absolute aspect ratio must be smaller than 200, got "
                    + ratio);
        }
        long hb = (long) Math.rint((double) height / factor) * factor;
        long wb = (long) Math.rint((double) width / factor) * factor;
        if (hb * wb > maxPixels) {
            double beta = Math.sqrt((double) height * width / maxPixels);
            hb = Math.max(factor, (long) Math.floor(height / beta / factor) * factor);
            wb = Math.max(factor, (long) Math.floor(width / beta / factor) * factor);
        } else if (hb * wb < minPixels) {
            double beta = Math.sqrt((double) minPixels / ((double) height * width));
            hb = (long) Math.ceil(height * beta / factor) * factor;
            wb = (long) Math.ceil(width * beta / factor) * factor;
        }
        if (hb > Integer.MAX_VALUE / 2 || wb > Integer.MAX_VALUE / 2) {
            throw new SmeltException("image " + width + "x" + height + " resizes to an unsupported size");
        }
        return new int[] {(int) hb, (int) wb};
    }
}
