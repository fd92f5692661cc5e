package dev.smelt.models.qwen35;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.Qwen35VisionTower;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.core.vision.ImagePreprocessor;
import dev.smelt.core.vision.ImageProcessorConfig;
import dev.smelt.core.vision.PixelPatches;
import dev.smelt.core.vision.RgbImage;
import dev.smelt.models.DecoderCache;
import dev.smelt.models.ModelLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-stage parity of the Qwen3.5 vision path on a create-tiny --vision checkpoint against independent plain-Java
 * double-precision forwards ({@link VisionReference}, {@link Qwen35Reference} with image rows and mRoPE positions).
 */
class Qwen35VisionTest {
    @TempDir static Path tmp;
    static Path dir;
    static Qwen35Model model;
    static NDManager manager;
    static Map<String, float[]> weights = new HashMap<>();
    static Qwen35Config config;
    static ImagePreprocessor pre;

    @BeforeAll
    static void setUp() throws Exception {
        dir = tmp.resolve("q35v");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).seed(11).vision(true).build(), dir);
        ModelDirectory md = ModelDirectory.open(dir);
        config = (Qwen35Config) md.config();
        try (SafetensorsModel w = md.weights()) {
            for (String n : w.names()) weights.put(n, w.floats(n));
        }
        model = (Qwen35Model) ModelLoader.load(md, Device.cpu(), DataType.FLOAT32);
        manager = NDManager.newBaseManager(Device.cpu());
        pre = new ImagePreprocessor(ImageProcessorConfig.read(dir));
    }

    @AfterAll
    static void tearDown() {
        manager.close();
        model.close();
    }

    static RgbImage pattern(int w, int h, int seed) {
        byte[] px = new byte[3 * w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                px[3 * (y * w + x)] = (byte) ((x * 7 + seed * 31) % 256);
                px[3 * (y * w + x) + 1] = (byte) ((y * 5 + x * seed) % 256);
                px[3 * (y * w + x) + 2] = (byte) (((x / 8 + y / 8) % 2) * 200 + seed);
            }
        }
        return new RgbImage(w, h, px);
    }

    private static double maxAbs(double[][] ref, float[] got) {
        double m = 0;
        int cols = ref[0].length;
        for (int i = 0; i < ref.length; i++) for (int j = 0; j < cols; j++) m = Math.max(m, Math.abs(ref[i][j] - got[i * cols + j]));
        return m;
    }

    private static double scale(double[][] ref) {
        double m = 0;
        for (double[] r : ref) for (double v : r) m = Math.max(m, Math.abs(v));
        return m;
    }

    /** A chat-shaped prompt: some text, then per image vision_start + its placeholders + vision_end, then text. */
    private static long[] prompt(List<PixelPatches> images, int... tail) {
        List<Long> ids = new ArrayList<>(List.of(5L, 77L, 300L, 12L));
        for (PixelPatches p : images) {
            ids.add((long) config.visionTokens().visionStartTokenId());
            for (int i = 0; i < p.numTokens(); i++) ids.add((long) config.visionTokens().imageTokenId());
            ids.add((long) config.visionTokens().visionEndTokenId());
        }
        for (int t : new int[] {40, 41, 500, 9, 100, 101, 17, 3, 88, 2, 61, 70}) ids.add((long) t);
        for (int t : tail) ids.add((long) t);
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void positionsFollowTheReferenceExample() {
        // 4 text tokens, a 7 x 10 token image (48 x 64 px -> 224 x 320), 12 text tokens: t = 4, h = 4..10, w = 4..13,
        // text resumes at 14, the last prompt token at 25, prompt length 86, rope delta -60
        long[] ids = new long[86];
        for (int i = 4; i < 74; i++) ids[i] = 9;
        MultimodalPositions p = MultimodalPositions.of(ids, 9, List.of(new int[] {7, 10}), 0);
        assertThat(p.positions()[0][4]).isEqualTo(4);
        assertThat(p.positions()[1][73]).isEqualTo(10);
        assertThat(p.positions()[2][73]).isEqualTo(13);
        assertThat(p.positions()[2][4 + 9]).isEqualTo(13); // end of the first token row
        assertThat(p.positions()[1][4 + 10]).isEqualTo(5); // start of the second row
        assertThat(p.positions()[0][74]).isEqualTo(14);
        assertThat(p.positions()[1][85]).isEqualTo(25);
        assertThat(p.next() - ids.length).isEqualTo(-60);
        assertThatThrownBy(() -> MultimodalPositions.of(ids, 9, List.of(), 0))
                .isInstanceOf(SmeltException.class).hasMessageContaining("more image placeholder tokens than images");
        assertThatThrownBy(() -> MultimodalPositions.of(ids, 9, List.of(new int[] {7, 10}, new int[] {1, 1}), 0))
                .hasMessageContaining("placeholder tokens for 1 image(s) but 2 were given");
    }

    @Test
    void encoderStagesMatchTheIndependentReference() {
        Qwen35VisionTower t = model.visionEncoder().tower();
        VisionReference ref = new VisionReference(t, weights);
        // 48 x 64 is stretched to 224 x 320 (upscale, non-multiple of 32): 14 x 20 patches, 70 tokens
        PixelPatches px = pre.process(pattern(48, 64, 3));
        assertThat(new int[] {px.gridH(), px.gridW(), px.numTokens()}).containsExactly(20, 14, 70);
        try (NDManager m = manager.newSubManager()) {
            VisionEncoder enc = model.visionEncoder();
            double[][] e = ref.embed(px);
            assertThat(maxAbs(e, enc.embed(px, m).toFloatArray()) / scale(e)).isLessThan(1e-5);
            double[][] b0 = ref.block(0, e, px);
            NDArray e32 = m.create(toFloats(e), new Shape(e.length, e[0].length));
            assertThat(maxAbs(b0, enc.block(0, e32, px, m).toFloatArray()) / scale(b0)).isLessThan(1e-5);
            double[][] all = ref.encode(px);
            float[] got = enc.encode(px, m).toFloatArray();
            assertThat(got).hasSize(70 * config.hiddenSize());
            assertThat(maxAbs(all, got) / scale(all)).isLessThan(1e-5);
        }
    }

    @Test
    void imagePromptMatchesTheReferenceAndDecodesIncrementally() {
        // two images in one prompt: one upscaled (40 x 30), one already a multiple of 32 (256 x 288)
        List<PixelPatches> images = List.of(pre.process(pattern(40, 30, 1)), pre.process(pattern(256, 288, 2)));
        long[] ids = prompt(images, 7, 8, 9);
        int extra = 3, promptLen = ids.length - extra;
        int imageToken = config.visionTokens().imageTokenId();
        VisionReference vref = new VisionReference(model.visionEncoder().tower(), weights);
        List<double[]> rows = new ArrayList<>();
        for (PixelPatches p : images) rows.addAll(List.of(vref.encode(p)));
        List<int[]> grids = new ArrayList<>();
        for (PixelPatches p : images) grids.add(new int[] {p.gridH() / 2, p.gridW() / 2});
        MultimodalPositions pos = MultimodalPositions.of(ids, imageToken, grids, 0);
        int[] tokens = new int[ids.length];
        for (int i = 0; i < ids.length; i++) tokens[i] = (int) ids[i];
        double[][] want = new Qwen35Reference(config, weights).logits(tokens, rows.toArray(new double[0][]), pos.positions(), imageToken);

        try (NDManager m = manager.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            NDArray full = model.logitsWithImages(ps, m.create(ids, new Shape(1, ids.length)), images);
            float[] fullFlat = full.toFloatArray();
            assertThat(maxAbs(want, fullFlat) / scale(want)).isLessThan(1e-4);

            // incremental: the text before the first image alone, then the rest of the prompt with both images, then
            // one token at a time at cache length + rope delta
            int v = config.vocabSize();
            DecoderCache cache = model.newCache(m, 1);
            long[] head = java.util.Arrays.copyOfRange(ids, 0, 4);
            long[] rest = java.util.Arrays.copyOfRange(ids, 4, promptLen);
            float[] a = model.step(ps, m.create(head, new Shape(1, 4)), cache, false).toFloatArray();
            float[] b = model.stepWithImages(ps, m.create(rest, new Shape(1, rest.length)), cache, false, images).toFloatArray();
            assertThat(((Qwen35Cache) cache).ropeDelta()).isEqualTo(pos.next() - ids.length);
            double diff = 0;
            for (int i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - fullFlat[i]));
            for (int i = 0; i < b.length; i++) diff = Math.max(diff, Math.abs(b[i] - fullFlat[4 * v + i]));
            for (int k = 0; k < extra; k++) {
                int at = promptLen + k;
                float[] s = model.step(ps, m.create(new long[] {ids[at]}, new Shape(1, 1)), cache, true).toFloatArray();
                for (int i = 0; i < v; i++) diff = Math.max(diff, Math.abs(s[i] - fullFlat[at * v + i]));
            }
            // relative to the logit scale: the prompt is 300+ tokens, the chunked delta rule against the recurrence
            assertThat(diff / scale(want)).as("max |incremental - full| = %s", diff).isLessThan(1e-5);
            cache.close();
        }
    }

    @Test
    void aGreyImageGivesDifferentLogitsThanAPattern() {
        PixelPatches pat = pre.process(pattern(64, 64, 5));
        PixelPatches grey = pre.process(RgbImage.filled(64, 64, 128, 128, 128));
        long[] ids = prompt(List.of(pat));
        try (NDManager m = manager.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            NDArray x = m.create(ids, new Shape(1, ids.length));
            float[] a = model.logitsWithImages(ps, x, List.of(pat)).get("0, -1, :").toFloatArray();
            float[] b = model.logitsWithImages(ps, x, List.of(grey)).get("0, -1, :").toFloatArray();
            double diff = 0;
            for (int i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
            assertThat(diff).isGreaterThan(0.05);
            // wrong placeholder counts are one-line errors
            assertThatThrownBy(() -> model.logitsWithImages(ps, x, List.of(pat, grey)))
                    .isInstanceOf(SmeltException.class).hasMessageContaining("2 were given");
        }
    }

    @Test
    void aTextOnlyCheckpointRefusesImages() throws Exception {
        Path plain = tmp.resolve("plain");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).seed(11).build(), plain);
        try (Qwen35Model text = (Qwen35Model) ModelLoader.load(ModelDirectory.open(plain), Device.cpu(), DataType.FLOAT32)) {
            assertThat(text.acceptsImages()).isFalse();
            assertThatThrownBy(text::visionEncoder).isInstanceOf(SmeltException.class)
                    .hasMessageContaining("no vision_config: this model has no vision tower and cannot take images");
        }
        assertThat(model.acceptsImages()).isTrue();
    }

    private static float[] toFloats(double[][] a) {
        float[] f = new float[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) f[i * a[i].length + j] = (float) a[i][j];
        return f;
    }
}
