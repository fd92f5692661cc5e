package dev.smelt.models.qwen35;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.smelt.core.vision.ImagePreprocessor;
import dev.smelt.core.vision.PixelPatches;
import dev.smelt.core.vision.RgbImage;
import dev.smelt.models.DecoderCache;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * What an image costs a Qwen3.5 prompt (behind {@code smelt bench vision}): preprocessing, the vision tower's encode,
 * and the prefill of a prompt holding the image (encode included) against the prefill of a text-only prompt of the same
 * length, both measured in the same run, alternating run by run after one warm-up of each.
 */
public final class VisionBenchmark {
    /** Averages over the timed runs. */
    public record Result(int imageTokens, int promptTokens, double preprocessMillis, double encodeMillis,
            double imagePrefillTokensPerSecond, double textPrefillTokensPerSecond) {
        /** Image-prompt prefill rate over the text-only rate (1 = the image costs no more than text tokens). */
        public double ratio() {
            return imagePrefillTokensPerSecond / textPrefillTokensPerSecond;
        }
    }

    private final Qwen35Model model;
    private final Consumer<String> progress;

    public VisionBenchmark(Qwen35Model model, Consumer<String> progress) {
        this.model = model;
        this.progress = progress;
    }

    public Result run(RgbImage image, ImagePreprocessor pre, int textTokens, int runs) {
        int imageToken = model.imageTokenId();
        PixelPatches px = pre.process(image);
        long[] withImage = new long[textTokens + px.numTokens()];
        long[] textOnly = new long[withImage.length];
        int vocab = model.config().vocabSize();
        for (int i = 0; i < withImage.length; i++) {
            long t = 1 + (i * 7919L) % Math.min(vocab - 1, 250); // plain byte-range text tokens
            textOnly[i] = t;
            withImage[i] = i >= 2 && i < 2 + px.numTokens() ? imageToken : t;
        }
        double pre0 = 0, enc = 0, imgSec = 0, txtSec = 0;
        for (int r = -1; r < runs; r++) {
            long t0 = System.nanoTime();
            PixelPatches p = pre.process(image);
            long t1 = System.nanoTime();
            try (NDManager m = model.manager().newSubManager()) {
                model.visionEncoder().encode(p, m).toFloatArray();
            }
            long t2 = System.nanoTime();
            double img = prefill(withImage, List.of(p));
            double txt = prefill(textOnly, List.of());
            if (r >= 0) {
                pre0 += (t1 - t0) / 1e6;
                enc += (t2 - t1) / 1e6;
                imgSec += img;
                txtSec += txt;
                progress.accept(String.format(Locale.ROOT, "run %d/%d: encode %.1f ms, image prefill %.3f s, text prefill %.3f s",
                        r + 1, runs, (t2 - t1) / 1e6, img, txt));
            }
        }
        return new Result(px.numTokens(), withImage.length, pre0 / runs, enc / runs,
                withImage.length * runs / imgSec, textOnly.length * runs / txtSec);
    }

    /** Seconds for one prefill over {@code ids} (images encoded inside). */
    private double prefill(long[] ids, List<PixelPatches> images) {
        try (NDManager m = model.manager().newSubManager(); DecoderCache cache = model.newCache(m, 1)) {
            ParameterStore ps = new ParameterStore(m, false);
            long t0 = System.nanoTime();
            model.stepWithImages(ps, m.create(ids, new Shape(1, ids.length)), cache, true, new ArrayList<>(images)).toFloatArray();
            return (System.nanoTime() - t0) / 1e9;
        }
    }
}
