package dev.smelt.core.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagePreprocessorTest {
    @TempDir
    Path tmp;

    @Test
    void smartResizeFollowsTheProcessorRuleWithHalfToEvenRounding() {
        // the reference's worked example: 64 high x 48 wide rounds to 64x64 = 4096 < 65536, so it is scaled up
        // by sqrt(65536 / 3072): ceil(9.24) * 32 = 320, ceil(6.93) * 32 = 224 -> 10 x 7 = 70 tokens
        assertThat(SmartResize.of(64, 48, 32, 65_536, 16_777_216)).containsExactly(320, 224);
        // 80 / 32 = 2.5 rounds to 2 (Python's round), 112 / 32 = 3.5 rounds to 4; Math.round would give 96 x 128
        assertThat(SmartResize.of(80, 112, 32, 1024, 1 << 20)).containsExactly(64, 128);
        // over max_pixels: beta = sqrt(1e6 / 262144) = 1.953125, 1000 / beta / 32 = 16 -> 512 x 512
        assertThat(SmartResize.of(1000, 1000, 32, 1024, 262_144)).containsExactly(512, 512);
        // a 1x1 image rounds to 0 x 0, under the minimum: scaled by 256 -> 256 x 256
        assertThat(SmartResize.of(1, 1, 32, 65_536, 16_777_216)).containsExactly(256, 256);
        assertThatThrownBy(() -> SmartResize.of(1, 201, 32, 1024, 1 << 20))
                .isInstanceOf(SmeltException.class).hasMessageContaining("aspect ratio must be smaller than 200");
        ImagePreprocessor pre = new ImagePreprocessor(ImageProcessorConfig.qwen35Defaults());
        assertThat(pre.tokenCount(48, 64)).isEqualTo(70);
        assertThat(pre.tokenCount(256, 320)).isEqualTo(80);
    }

    @Test
    void bicubicMatchesHandComputedPillowValues() {
        // 2 -> 4 wide, one row [0, 255]. scale 0.5, support 2. Output 1: center 0.75, taps 0..1 with
        // kernel(-0.25) = 0.8671875, kernel(0.75) = 0.2265625, normalised 0.792857 / 0.207143 -> 255 * 0.207143 = 52.8,
        // in 22-bit fixed point (2^21 + 255 * 868820) >> 22 = 53; output 0 undershoots below 0 and is clipped,
        // outputs 2 and 3 mirror them (202, 255 clipped)
        RgbImage up = PilBicubic.resize(row(0, 255), 4, 1);
        assertThat(channel(up, 0)).containsExactly(0, 53, 202, 255);
        // 4 -> 2 wide: the kernel is stretched by 2 (support 4), weights for output 0 over taps 0..3
        // 0.458678, 0.458678, 0.119835, -0.037190: 100 * 0.4587 + 200 * 0.1198 - 255 * 0.0372 = 60.35 -> 60;
        // output 1 mirrors them: 220.68 -> 221
        RgbImage down = PilBicubic.resize(row(0, 100, 200, 255), 2, 1);
        assertThat(channel(down, 0)).containsExactly(60, 221);
        // the same along columns (vertical pass only)
        RgbImage col = PilBicubic.resize(transpose(row(0, 255)), 1, 4);
        assertThat(channel(col, 0)).containsExactly(0, 53, 202, 255);
        // channels are independent; an image of the right size comes back as it is
        RgbImage rgb = new RgbImage(2, 1, new byte[] {0, (byte) 255, 7, (byte) 255, 0, 7});
        RgbImage r = PilBicubic.resize(rgb, 4, 1);
        assertThat(channel(r, 0)).containsExactly(0, 53, 202, 255);
        assertThat(channel(r, 1)).containsExactly(255, 202, 53, 0);
        assertThat(channel(r, 2)).containsExactly(7, 7, 7, 7);
        assertThat(PilBicubic.resize(rgb, 2, 1)).isSameAs(rgb);
    }

    /** Pillow's own accuracy cases (Tests/test_image_resample.py, TestImagingCoreResampleAccuracy), expected bytes as there. */
    @Test
    void bicubicReproducesPillowsAccuracyTestCases() {
        // 4x4 two-tone case enlarged to 8x8; the expected top-left quarter, the rest follows by symmetry
        assertThat(channel(PilBicubic.resize(pillowCase(4, 0xe1), 8, 8), 0))
                .containsExactly(pillowSample(8, "e1 e5 ee b9 e5 e9 f3 bc ee f3 fd c1 b9 bc c1 a2"));
        // 12x12 reduced to 6x6
        assertThat(channel(PilBicubic.resize(pillowCase(12, 0xe1), 6, 6), 1))
                .containsExactly(pillowSample(6, "e1 e3 d4 e3 e5 d6 d4 d6 c9"));
    }

    /** Two bright (color) squares top-left and bottom-right, dark (255 - color) elsewhere. */
    private static RgbImage pillowCase(int size, int color) {
        byte[] px = new byte[3 * size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                boolean bright = (x < size / 2) == (y < size / 2);
                int v = bright ? color : 255 - color;
                for (int c = 0; c < 3; c++) px[3 * (y * size + x) + c] = (byte) v;
            }
        }
        return new RgbImage(size, size, px);
    }

    /** Pillow's make_sample: the top-left quarter given in hex, mirrored (and inverted) into the other quarters. */
    private static int[] pillowSample(int size, String hex) {
        String[] v = hex.split(" ");
        int[] out = new int[size * size];
        int h = size / 2;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < h; x++) {
                int val = Integer.parseInt(v[y * h + x], 16);
                out[y * size + x] = val;
                out[(size - y - 1) * size + size - x - 1] = val;
                out[(size - y - 1) * size + x] = 255 - val;
                out[y * size + size - x - 1] = 255 - val;
            }
        }
        return out;
    }

    @Test
    void resizedPixelsAreWithinOneLevelOfTheSeparableBicubicRule() {
        // upscaled, downscaled and non-multiple-of-32 images against the rule computed in double precision
        // (normalised cubic weights, a horizontal pass rounded to 8 bits, then the vertical pass)
        Random rnd = new Random(7);
        int[][] cases = {{50, 37, 320, 224}, {700, 300, 512, 224}, {97, 61, 96, 64}, {33, 200, 32, 192}};
        for (int[] c : cases) {
            RgbImage img = noise(rnd, c[0], c[1]);
            RgbImage got = PilBicubic.resize(img, c[2], c[3]);
            RgbImage want = referenceResize(img, c[2], c[3]);
            int maxDiff = 0, exact = 0;
            for (int i = 0; i < got.rgb().length; i++) {
                int d = Math.abs((got.rgb()[i] & 0xff) - (want.rgb()[i] & 0xff));
                maxDiff = Math.max(maxDiff, d);
                if (d == 0) exact++;
            }
            assertThat(maxDiff).as("%dx%d -> %dx%d", c[0], c[1], c[2], c[3]).isLessThanOrEqualTo(1);
            assertThat((double) exact / got.rgb().length).isGreaterThan(0.99);
        }
    }

    @Test
    void patchesAreNormalisedAndTwoByTwoBlockMajor() {
        ImageProcessorConfig cfg = ImageProcessorConfig.parse("p.json", json(
                "{\"size\": {\"shortest_edge\": 1024, \"longest_edge\": 1048576}, \"patch_size\": 16, \"merge_size\": 2,"
                        + " \"temporal_patch_size\": 2, \"image_mean\": [0.5, 0.5, 0.5], \"image_std\": [0.5, 0.5, 0.5]}"));
        // 64 wide x 32 high: no resize, grid 2 x 4 patches; pixel (x, y) = (x, y, x + y)
        byte[] px = new byte[3 * 64 * 32];
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 64; x++) {
                px[3 * (y * 64 + x)] = (byte) (4 * x);
                px[3 * (y * 64 + x) + 1] = (byte) (8 * y);
                px[3 * (y * 64 + x) + 2] = (byte) 255;
            }
        }
        PixelPatches p = new ImagePreprocessor(cfg).process(new RgbImage(64, 32, px));
        assertThat(new int[] {p.gridT(), p.gridH(), p.gridW()}).containsExactly(1, 2, 4);
        assertThat(p.rowLength()).isEqualTo(1536);
        assertThat(p.numTokens()).isEqualTo(2);
        // block-major: patches 0..3 are the first 2x2 block (0,0) (0,1) (1,0) (1,1), then 4..7 the block to its right
        int[][] order = {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}};
        for (int n = 0; n < 8; n++) assertThat(p.patchPosition(n)).containsExactly(order[n]);
        // patch 5 = grid (0, 3): its top-left pixel is x 48, y 0 -> red 192 -> (192/255 - 0.5) / 0.5
        float[] v = p.values();
        int row5 = 5 * 1536;
        assertThat(v[row5]).isCloseTo((float) (192 / 255.0 - 0.5) / 0.5f, org.assertj.core.data.Offset.offset(1e-6f));
        // channel 1 (green), frame 1 (a copy of frame 0), y 3, x 2 of patch 6 = grid (1, 2): pixel x 34, y 19 -> 152
        int idx = 6 * 1536 + (1 * 2 + 1) * 256 + 3 * 16 + 2;
        assertThat(v[idx]).isCloseTo((float) (152 / 255.0 - 0.5) / 0.5f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(v[6 * 1536 + (1 * 2) * 256 + 3 * 16 + 2]).isEqualTo(v[idx]);
        // blue 255 -> exactly 1, and 0 -> exactly -1
        assertThat(v[row5 + 2 * 512]).isEqualTo(1.0f);
        assertThat(v[0]).isEqualTo(-1.0f);
    }

    @Test
    void configReadsTheCheckpointFileAndNamesBadFields() throws IOException {
        Files.writeString(tmp.resolve("preprocessor_config.json"), "{\"size\": {\"shortest_edge\": 65536, \"longest_edge\": 16777216},"
                + " \"patch_size\": 16, \"merge_size\": 2, \"image_mean\": [0.5,0.5,0.5], \"image_std\": [0.5,0.5,0.5]}");
        ImageProcessorConfig c = ImageProcessorConfig.read(tmp);
        assertThat(c.factor()).isEqualTo(32);
        assertThat(c.minPixels()).isEqualTo(65_536);
        assertThatThrownBy(() -> ImageProcessorConfig.read(tmp.resolve("none")))
                .isInstanceOf(SmeltException.class).hasMessageContaining("preprocessor_config.json: missing");
        assertThatThrownBy(() -> ImageProcessorConfig.parse("p.json", json("{\"patch_size\": -1}")))
                .hasMessage("p.json: field \"patch_size\" must be a positive integer, got -1");
    }

    @Test
    void decodesPngAndJpegAndRefusesUnreadableOrOversizeImages() throws IOException {
        BufferedImage rgb = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        rgb.setRGB(2, 1, 0x123456);
        RgbImage a = RgbImage.decode(encode(rgb, "png"), "a.png");
        assertThat(new int[] {a.get(2, 1, 0), a.get(2, 1, 1), a.get(2, 1, 2)}).containsExactly(0x12, 0x34, 0x56);
        // grey stays the stored level (no colour-space conversion), alpha is dropped, palettes are looked up
        BufferedImage grey = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(1, 0, 0, 100);
        RgbImage g = RgbImage.decode(encode(grey, "png"), "g.png");
        assertThat(new int[] {g.get(1, 0, 0), g.get(1, 0, 1), g.get(1, 0, 2)}).containsExactly(100, 100, 100);
        BufferedImage argb = new BufferedImage(1, 1, BufferedImage.TYPE_4BYTE_ABGR);
        argb.setRGB(0, 0, 0x10203040);
        RgbImage t = RgbImage.decode(encode(argb, "png"), "t.png");
        assertThat(new int[] {t.get(0, 0, 0), t.get(0, 0, 1), t.get(0, 0, 2)}).containsExactly(0x20, 0x30, 0x40);
        IndexColorModel pal = new IndexColorModel(8, 2, new byte[] {0, 9}, new byte[] {0, 8}, new byte[] {0, 7});
        BufferedImage indexed = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_INDEXED, pal);
        indexed.getRaster().setSample(0, 0, 0, 1);
        RgbImage i = RgbImage.decode(encode(indexed, "png"), "i.png");
        assertThat(new int[] {i.get(0, 0, 0), i.get(0, 0, 1), i.get(0, 0, 2)}).containsExactly(9, 8, 7);
        BufferedImage flat = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) flat.setRGB(x, y, 0x808080);
        RgbImage j = RgbImage.decode(encode(flat, "jpg"), "j.jpg");
        assertThat(j.get(5, 5, 0)).isBetween(126, 130); // lossy, but a flat field stays flat

        assertThatThrownBy(() -> RgbImage.decode("not an image".getBytes(), "x.png"))
                .isInstanceOf(SmeltException.class).hasMessage("x.png: not a readable image (expected PNG or JPEG)");
        assertThatThrownBy(() -> RgbImage.read(tmp.resolve("missing.png")))
                .isInstanceOf(SmeltException.class).hasMessageEndingWith("missing.png: image file not found");
        // a PNG header that claims 100000 x 100000 pixels is refused before any pixel is decoded
        byte[] png = encode(rgb, "png");
        ByteBuffer b = ByteBuffer.wrap(png);
        b.putInt(16, 100_000).putInt(20, 100_000); // IHDR width, height
        CRC32 crc = new CRC32();
        crc.update(png, 12, 17);
        b.putInt(29, (int) crc.getValue());
        assertThatThrownBy(() -> RgbImage.decode(png, "big.png"))
                .isInstanceOf(SmeltException.class).hasMessageContaining("big.png: image is 100000x100000 pixels, over the limit");
    }

    // ---- reference rule, written from the Pillow algorithm description in double precision ----

    static RgbImage referenceResize(RgbImage in, int w, int h) {
        double[][] hor = weights(in.width(), w);
        int[] hStart = starts(in.width(), w);
        byte[] mid = new byte[3 * w * in.height()];
        for (int y = 0; y < in.height(); y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    double s = 0;
                    for (int k = 0; k < hor[x].length; k++) s += in.get(hStart[x] + k, y, c) * hor[x][k];
                    mid[3 * (y * w + x) + c] = (byte) clamp(s);
                }
            }
        }
        RgbImage m = in.width() == w ? in : new RgbImage(w, in.height(), mid);
        if (in.height() == h) return m;
        double[][] ver = weights(in.height(), h);
        int[] vStart = starts(in.height(), h);
        byte[] out = new byte[3 * w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    double s = 0;
                    for (int k = 0; k < ver[y].length; k++) s += m.get(x, vStart[y] + k, c) * ver[y][k];
                    out[3 * (y * w + x) + c] = (byte) clamp(s);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.floor(v + 0.5)));
    }

    private static int[] starts(int in, int out) {
        double scale = (double) in / out, support = 2 * Math.max(1, scale);
        int[] s = new int[out];
        for (int i = 0; i < out; i++) s[i] = Math.max(0, (int) ((i + 0.5) * scale - support + 0.5));
        return s;
    }

    private static double[][] weights(int in, int out) {
        double scale = (double) in / out, fs = Math.max(1, scale), support = 2 * fs;
        double[][] w = new double[out][];
        int[] s = starts(in, out);
        for (int i = 0; i < out; i++) {
            double center = (i + 0.5) * scale;
            int end = Math.min(in, (int) (center + support + 0.5));
            w[i] = new double[end - s[i]];
            double sum = 0;
            for (int k = 0; k < w[i].length; k++) {
                double d = Math.abs((s[i] + k + 0.5 - center) / fs);
                w[i][k] = d < 1 ? 1.5 * d * d * d - 2.5 * d * d + 1 : d < 2 ? -0.5 * d * d * d + 2.5 * d * d - 4 * d + 2 : 0;
                sum += w[i][k];
            }
            for (int k = 0; k < w[i].length; k++) w[i][k] /= sum;
        }
        return w;
    }

    // ---- helpers ----

    private static RgbImage row(int... v) {
        byte[] px = new byte[3 * v.length];
        for (int i = 0; i < v.length; i++) px[3 * i] = px[3 * i + 1] = px[3 * i + 2] = (byte) v[i];
        return new RgbImage(v.length, 1, px);
    }

    private static RgbImage transpose(RgbImage r) {
        return new RgbImage(1, r.width(), r.rgb().clone());
    }

    private static int[] channel(RgbImage img, int c) {
        int[] out = new int[img.width() * img.height()];
        for (int i = 0; i < out.length; i++) out[i] = img.rgb()[3 * i + c] & 0xff;
        return out;
    }

    private static RgbImage noise(Random rnd, int w, int h) {
        byte[] px = new byte[3 * w * h];
        // smooth gradients plus noise, so both flat and busy regions are covered
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int v = (x * 255 / w + y * 128 / h + c * 40 + rnd.nextInt(60)) % 256;
                    px[3 * (y * w + x) + c] = (byte) v;
                }
            }
        }
        return new RgbImage(w, h, px);
    }

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(img, format, out)).isTrue();
        return out.toByteArray();
    }

    private static com.fasterxml.jackson.databind.JsonNode json(String s) {
        try {
            return new ObjectMapper().readTree(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
