package dev.smelt.cli.commands;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.core.vision.ImagePreprocessor;
import dev.smelt.core.vision.ImageProcessorConfig;
import dev.smelt.core.vision.RgbImage;
import dev.smelt.models.Devices;
import dev.smelt.models.ModelLoader;
import dev.smelt.models.TorchThreads;
import dev.smelt.models.qwen35.Qwen35Model;
import dev.smelt.models.qwen35.VisionBenchmark;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "vision", description = {
        "Qwen3.5 image cost: preprocessing and vision-tower encode time, and the prefill tokens/s of a prompt holding the "
        + "image (encode included) against a text-only prompt of the same length, same model, same run."})
public final class BenchVisionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR",
            description = "A qwen3_5 model directory with its vision tower (default: create-tiny qwen3_5 --vision in a temp dir).")
    Path model;

    @Option(names = "--image", paramLabel = "FILE", description = "Image to encode (default: a 448x448 synthetic pattern).")
    Path image;

    @Option(names = "--text-tokens", defaultValue = "64", description = "Text tokens around the image (default: ${DEFAULT-VALUE}).")
    int textTokens;

    @Option(names = "--runs", defaultValue = "3", description = "Timed runs of each after one warm-up (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--devices", defaultValue = "cpu", paramLabel = "cpu|gpuN", description = "Device to run on (default: ${DEFAULT-VALUE}).")
    String devices;

    @Option(names = "--threads", paramLabel = "N", description = "PyTorch CPU threads (default: half the processors, at least 1).")
    Integer threads;

    @Override
    public Integer call() throws IOException {
        if (runs < 1) throw new SmeltException("--runs must be at least 1, got " + runs);
        if (textTokens < 2) throw new SmeltException("--text-tokens must be at least 2, got " + textTokens);
        RgbImage picture = image != null ? RgbImage.read(image) : pattern(448, 448);
        TorchThreads.configure(threads, TorchThreads.Default.HALF_PROCESSORS);
        Device dev = Devices.parseOne(devices);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path temp = null;
        Path dir = model;
        if (dir == null) {
            temp = Files.createTempDirectory("smelt-bench-vision-");
            dir = TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).seed(0).vision(true).build(),
                    temp.resolve("model")).directory();
        }
        try {
            ModelDirectory md = ModelDirectory.open(dir);
            if (!(md.config() instanceof Qwen35Config c) || !c.hasVision()) {
                throw new SmeltException(dir + ": not a qwen3_5 checkpoint with a vision tower (vision_config)");
            }
            try (Qwen35Model lm = (Qwen35Model) ModelLoader.load(md, dev, DataType.FLOAT32)) {
                ImagePreprocessor pre = new ImagePreprocessor(ImageProcessorConfig.read(dir));
                out.printf(Locale.ROOT, "model: %s, image %dx%d, device %s, %d timed runs%n", lm, picture.width(),
                        picture.height(), dev, runs);
                out.flush();
                VisionBenchmark.Result r = new VisionBenchmark(lm, line -> {
                    err.println(line);
                    err.flush();
                }).run(picture, pre, textTokens, runs);
                out.printf(Locale.ROOT, "image tokens: %d of %d prompt tokens%n", r.imageTokens(), r.promptTokens());
                out.printf(Locale.ROOT, "preprocess: %.1f ms, encode: %.1f ms%n", r.preprocessMillis(), r.encodeMillis());
                out.printf(Locale.ROOT, "prefill with image: %.1f tokens/s (encode included)%n", r.imagePrefillTokensPerSecond());
                out.printf(Locale.ROOT, "prefill text only:  %.1f tokens/s%n", r.textPrefillTokensPerSecond());
                out.printf(Locale.ROOT, "ratio: %.2f%n", r.ratio());
                out.flush();
            }
            return 0;
        } finally {
            if (temp != null) {
                try (Stream<Path> s = Files.walk(temp)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                }
            }
        }
    }

    private static RgbImage pattern(int w, int h) {
        byte[] px = new byte[3 * w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                px[3 * (y * w + x)] = (byte) (x * 255 / w);
                px[3 * (y * w + x) + 1] = (byte) (y * 255 / h);
                px[3 * (y * w + x) + 2] = (byte) ((x / 16 + y / 16) % 2 * 255);
            }
        }
        return new RgbImage(w, h, px);
    }
}
