package dev.smelt.models.generate;

import ai.djl.Device;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.privacy.DjlTelemetry;
import dev.smelt.models.CausalLM;
import dev.smelt.models.DecoderCache;
import dev.smelt.models.ModelLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prefill and decode speed of a model, measured the way llama.cpp's bench harness does so the two can be put
 * side by side: each run starts an empty cache, prefills {@code prompt.length - 1} tokens, then greedily decodes
 * {@code gen} tokens one at a time starting from the last prompt token. Medians over the measured runs.
 */
public final class SpeedBenchmark {
    /** Medians in tokens per second (NaN when only warm-up runs were asked for), and every run's numbers. */
    public record Result(double prefillTokensPerSecond, double decodeTokensPerSecond, List<double[]> runs) {}

    private SpeedBenchmark() {}

    /** The prompt llama.cpp's bench script uses: a deterministic spread of ordinary ids (skipping the first 16). */
    public static long[] benchPrompt(int length, int vocabSize) {
        int span = Math.max(1, Math.min(vocabSize, 32000) - 16);
        long[] p = new long[length];
        for (int i = 0; i < length; i++) p[i] = 16 + ((i * 7919L + 13) % span);
        return p;
    }

    public static Result measure(CausalLM model, long[] prompt, int gen, int warmup, int repeat) {
        if (prompt.length < 2) throw new IllegalArgumentException("prompt needs at least 2 tokens");
        List<double[]> runs = new ArrayList<>();
        for (int r = 0; r < warmup + repeat; r++) {
            try (NDManager session = model.manager().newSubManager();
                    DecoderCache cache = model.newCache(session, 1)) {
                ParameterStore ps = new ParameterStore(session, false);
                long[] head = Arrays.copyOf(prompt, prompt.length - 1);
                long t0 = System.nanoTime();
                try (NDManager step = session.newSubManager()) {
                    NDArray logits = model.step(ps, step.create(head).reshape(1, head.length), cache, true);
                    logits.toType(DataType.FLOAT32, false).toFloatArray(); // wait for the result, as llama.cpp does
                }
                long t1 = System.nanoTime();
                long next = prompt[prompt.length - 1];
                for (int i = 0; i < gen; i++) {
                    try (NDManager step = session.newSubManager()) {
                        NDArray logits = model.step(ps, step.create(new long[] {next}).reshape(1, 1), cache, true);
                        next = Sampler.argmax(logits);
                    }
                }
                long t2 = System.nanoTime();
                if (r >= warmup) {
                    runs.add(new double[] {head.length * 1e9 / (t1 - t0), gen * 1e9 / (t2 - t1)});
                }
            }
        }
        return new Result(median(runs, 0), median(runs, 1), runs);
    }

    /**
     * Memory of one decode of {@code gen} tokens after {@code prompt}: bytes of the arrays still alive under the
     * model's manager at the last step (weights excluded: measured against the count before the run), and the
     * process's peak resident set ({@code VmHWM}, -1 where /proc is missing).
     */
    public record Memory(long heldBytes, int tokens, long peakRssBytes) {
        public double heldBytesPerToken() {
            return tokens == 0 ? 0 : (double) heldBytes / tokens;
        }
    }

    public static Memory memory(CausalLM model, long[] prompt, int gen) {
        long base = liveBytes(model);
        long held;
        try (NDManager session = model.manager().newSubManager();
                DecoderCache cache = model.newCache(session, 1)) {
            ParameterStore ps = new ParameterStore(session, false);
            long next = -1;
            for (int i = 0; i <= gen; i++) {
                long[] ids = i == 0 ? prompt : new long[] {next};
                try (NDManager step = session.newSubManager()) {
                    NDArray logits = model.step(ps, step.create(ids).reshape(1, ids.length), cache, true);
                    next = Sampler.argmax(logits.toType(DataType.FLOAT32, false).toFloatArray());
                }
            }
            held = liveBytes(model) - base;
        }
        return new Memory(held, prompt.length + gen, peakRss());
    }

    /**
     * Child-process entry for a memory measurement in a fresh JVM (peak RSS only means something per process):
     * {@code modelDir promptTokens gen}; loads the model (float32, CPU), runs {@link #memory} and prints
     * {@code memory: heldBytes tokens peakRssBytes} as its last line.
     */
    public static void main(String[] args) throws Exception {
        DjlTelemetry.disable();
        ModelDirectory md = ModelDirectory.open(Path.of(args[0]));
        try (CausalLM lm = ModelLoader.load(md, Device.cpu(), DataType.FLOAT32)) {
            long[] prompt = benchPrompt(Integer.parseInt(args[1]), md.config().vocabSize());
            Memory m = memory(lm, prompt, Integer.parseInt(args[2]));
            System.out.println("memory: " + m.heldBytes() + " " + m.tokens() + " " + m.peakRssBytes());
        }
        System.exit(0);
    }

    private static long liveBytes(CausalLM model) {
        long sum = 0;
        if (model.manager() instanceof BaseNDManager m) {
            for (NDArray a : m.getManagedArrays()) sum += a.size() * a.getDataType().getNumOfBytes();
        }
        return sum;
    }

    /** Peak resident set of this process in bytes (Linux {@code VmHWM}), or -1. */
    public static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static double median(List<double[]> runs, int col) {
        double[] v = runs.stream().mapToDouble(x -> x[col]).sorted().toArray();
        if (v.length == 0) return Double.NaN; // warm-up only
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
