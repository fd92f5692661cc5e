package dev.smelt.core.vision;

/**
 * Pillow's {@code Image.resize(size, Image.BICUBIC)} on 8-bit RGB, reproduced operation for operation
 * (libImaging/Resample.c): the cubic convolution kernel with a = -0.5 and support 2 (stretched by the scale when
 * shrinking, which makes it an antialiasing filter), per output pixel the taps {@code [(int)(center - support + 0.5),
 * (int)(center + support + 0.5))} clipped to the image, weights normalised to sum 1 in double precision, then converted
 * to 22-bit fixed point (rounded away from zero); a horizontal pass into an 8-bit intermediate image (only the
 * rows the vertical pass reads), then a vertical pass, each output accumulated in 32-bit integers from
 * {@code 1 << 21}, shifted right by 22 and clipped to 0..255. An image that already has the target size is returned
 * unchanged, and a pass whose size does not change is skipped, as Pillow does.
 */
public final class PilBicubic {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 2.0;

    private PilBicubic() {}

    /** The cubic convolution kernel with a = -0.5 (Pillow's {@code bicubic_filter}). */
    static double filter(double x) {
        final double a = -0.5;
        if (x < 0.0) x = -x;
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    /** Taps of one axis: for output index i, {@code bounds[2i]} first input index, {@code bounds[2i+1]} count. */
    record Coeffs(int ksize, int[] bounds, int[] fixed) {}

    static Coeffs coefficients(int inSize, int outSize) {
        double scale = (double) inSize / outSize; // box (0, 0, in) as Pillow's float box
        double filterscale = Math.max(scale, 1.0);
        double support = SUPPORT * filterscale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] bounds = new int[outSize * 2];
        int[] fixed = new int[outSize * ksize];
        double[] k = new double[ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ww = 0.0;
            double ss = 1.0 / filterscale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            for (int x = 0; x < xmax; x++) {
                double w = filter((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                if (ww != 0.0) k[x] /= ww;
            }
            for (int x = 0; x < ksize; x++) {
                double v = x < xmax ? k[x] : 0;
                fixed[xx * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            bounds[xx * 2] = xmin;
            bounds[xx * 2 + 1] = xmax;
        }
        return new Coeffs(ksize, bounds, fixed);
    }

    private static int clip8(int in) {
        int v = in >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** Resizes an interleaved RGB image ({@code 3 * width * height} bytes, row-major) to {@code newWidth x newHeight}. */
    public static RgbImage resize(RgbImage in, int newWidth, int newHeight) {
        int w = in.width(), h = in.height();
        if (w == newWidth && h == newHeight) return in;
        byte[] src = in.rgb();
        Coeffs vert = coefficients(h, newHeight);
        int yFirst = vert.bounds[0];
        int yLast = vert.bounds[newHeight * 2 - 2] + vert.bounds[newHeight * 2 - 1];
        int curW = w, curH = h;
        byte[] cur = src;
        int[] vBounds = vert.bounds.clone();
        if (newWidth != w) {
            Coeffs hor = coefficients(w, newWidth);
            for (int i = 0; i < newHeight; i++) vBounds[i * 2] -= yFirst;
            int rows = yLast - yFirst;
            byte[] tmp = new byte[3 * newWidth * rows];
            for (int yy = 0; yy < rows; yy++) {
                int rowIn = (yy + yFirst) * w * 3;
                for (int xx = 0; xx < newWidth; xx++) {
                    int xmin = hor.bounds[xx * 2], xmax = hor.bounds[xx * 2 + 1], k0 = xx * hor.ksize;
                    int s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
                    for (int x = 0; x < xmax; x++) {
                        int p = rowIn + (x + xmin) * 3, c = hor.fixed[k0 + x];
                        s0 += (src[p] & 0xff) * c;
                        s1 += (src[p + 1] & 0xff) * c;
                        s2 += (src[p + 2] & 0xff) * c;
                    }
                    int o = (yy * newWidth + xx) * 3;
                    tmp[o] = (byte) clip8(s0);
                    tmp[o + 1] = (byte) clip8(s1);
                    tmp[o + 2] = (byte) clip8(s2);
                }
            }
            cur = tmp;
            curW = newWidth;
            curH = rows;
        }
        if (newHeight == h) {
            // no vertical pass; the horizontal pass covered every row (bounds are the identity)
            return new RgbImage(curW, curH, cur);
        }
        byte[] out = new byte[3 * curW * newHeight];
        for (int yy = 0; yy < newHeight; yy++) {
            int ymin = vBounds[yy * 2], ymax = vBounds[yy * 2 + 1], k0 = yy * vert.ksize;
            for (int xx = 0; xx < curW; xx++) {
                int s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
                for (int y = 0; y < ymax; y++) {
                    int p = ((y + ymin) * curW + xx) * 3, c = vert.fixed[k0 + y];
                    s0 += (cur[p] & 0xff) * c;
                    s1 += (cur[p + 1] & 0xff) * c;
                    s2 += (cur[p + 2] & 0xff) * c;
                }
                int o = (yy * curW + xx) * 3;
                out[o] = (byte) clip8(s0);
                out[o + 1] = (byte) clip8(s1);
                out[o + 2] = (byte) clip8(s2);
            }
        }
        return new RgbImage(curW, newHeight, out);
    }
}
