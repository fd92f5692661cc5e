package dev.smelt.core.vision;

import dev.smelt.core.SmeltException;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * An 8-bit RGB image, interleaved row-major ({@code rgb[3 * (y * width + x) + c]}), as PIL's {@code convert("RGB")}
 * gives it: an alpha channel is dropped (not composited), grey is replicated into the three channels, palette
 * images are looked up. Decoding uses the JDK's ImageIO (PNG, JPEG, GIF, BMP); the size is read from the header
 * first, so an image over {@link #MAX_DECODED_PIXELS} is refused before its pixels are decoded.
 */
public record RgbImage(int width, int height, byte[] rgb) {
    /** Largest image decoded (Pillow's decompression-bomb limit is about 89 M pixels). */
    public static final long MAX_DECODED_PIXELS = 89_478_485L;

    public RgbImage {
        if (width <= 0 || height <= 0 || rgb.length != 3L * width * height) {
            throw new IllegalArgumentException("rgb must hold 3 x " + width + " x " + height + " bytes, got " + rgb.length);
        }
    }

    /** A uniform image. */
    public static RgbImage filled(int width, int height, int r, int g, int b) {
        byte[] px = new byte[3 * width * height];
        for (int i = 0; i < px.length; i += 3) {
            px[i] = (byte) r;
            px[i + 1] = (byte) g;
            px[i + 2] = (byte) b;
        }
        return new RgbImage(width, height, px);
    }

    public int get(int x, int y, int channel) {
        return rgb[3 * (y * width + x) + channel] & 0xff;
    }

    /** Reads and decodes an image file; {@code name} in errors is the path. */
    public static RgbImage read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SmeltException(file + ": image file not found");
        } catch (IOException e) {
            throw new SmeltException(file + ": cannot read image: " + e.getMessage());
        }
        return decode(bytes, file.toString());
    }

    /** Decodes PNG / JPEG / GIF / BMP bytes; {@code name} says where they came from in error messages. */
    public static RgbImage decode(byte[] bytes, String name) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new SmeltException(name + ": not a readable image (expected PNG or JPEG)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0), h = reader.getHeight(0);
                if (w * h > MAX_DECODED_PIXELS) {
                    throw new SmeltException(name + ": image is " + w + "x" + h + " pixels, over the limit of "
                            + MAX_DECODED_PIXELS + " pixels");
                }
                return fromBuffered(reader.read(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof SmeltException s) throw s;
            throw new SmeltException(name + ": not a readable image (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }

    /**
     * The RGB bytes of a decoded image: 8-bit component images (grey, grey+alpha, RGB, RGBA) are read from the raster
     * as stored, without the colour-space conversion {@code getRGB} applies to grey; anything else (palette,
     * 16-bit) goes through {@code getRGB}.
     */
    public static RgbImage fromBuffered(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        byte[] out = new byte[3 * w * h];
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        boolean component = img.getColorModel() instanceof ComponentColorModel
                && r.getTransferType() == DataBuffer.TYPE_BYTE && bands >= 1 && bands <= 4;
        if (component) {
            int[] px = new int[bands * w];
            for (int y = 0; y < h; y++) {
                r.getPixels(0, y, w, 1, px);
                for (int x = 0; x < w; x++) {
                    int o = 3 * (y * w + x);
                    if (bands <= 2) {
                        byte g = (byte) px[x * bands];
                        out[o] = g;
                        out[o + 1] = g;
                        out[o + 2] = g;
                    } else {
                        out[o] = (byte) px[x * bands];
                        out[o + 1] = (byte) px[x * bands + 1];
                        out[o + 2] = (byte) px[x * bands + 2];
                    }
                }
            }
        } else {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int argb = img.getRGB(x, y), o = 3 * (y * w + x);
                    out[o] = (byte) (argb >> 16);
                    out[o + 1] = (byte) (argb >> 8);
                    out[o + 2] = (byte) argb;
                }
            }
        }
        return new RgbImage(w, h, out);
    }
}
