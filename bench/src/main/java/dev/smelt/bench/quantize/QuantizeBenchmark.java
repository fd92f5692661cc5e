package dev.smelt.bench.quantize;

import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.GgufTensorInfo;
import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.core.SmeltException;
import dev.smelt.quantizer.gguf.GgufQuantizer;
import dev.smelt.quantizer.gguf.QuantizeOptions;
import dev.smelt.quantizer.mix.QuantMix;
import dev.smelt.testkit.interop.LlamaTools;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Quantization throughput of Smelt against llama.cpp's llama-quantize on the same F32 GGUF, with the same
 * thread count, in the same run: MB/s of F32 tensor data read, the median of {@code runs} timed runs of each
 * side, and their ratio. Both write a complete file to the same scratch folder and the clock stops when that file
 * is on disk: Smelt's atomic write fsyncs before its rename, llama-quantize's {@code std::ofstream} does not, so its
 * output is fsynced by the benchmark inside its timed span (the same durability for both; without it
 * llama-quantize's time would leave its write-back to the page cache). llama-quantize's time includes its process
 * start and model load (it is how users run it), Smelt's is the in-process quantization of the same file. Each type
 * starts with one untimed pass of both tools: it puts the input in the page cache for both and lets the JIT compile
 * Smelt's kernel for that type (about a second, which on a benchmark-sized file would otherwise dominate and on a
 * real model is noise). The tools then take turns, so every timed run follows one of the other tool: with the order
 * alternating pair by pair instead (each pair's first run following its own tool), the second run of a pair was the
 * slower one in 5 of 5 Q8_0 pairs, whichever tool it was; taking turns gives both the same start. Medians rather
 * than bests, so one lucky run decides nothing.
 */
public final class QuantizeBenchmark {
    /** One type's result: input megabytes per second for both tools and their ratio (Smelt / llama.cpp). */
    public record Row(QuantMix mix, double smeltMBps, double llamaMBps) {
        public double ratio() {
            return smeltMBps / llamaMBps;
        }
    }

    private final Path input;
    private final Path llamaQuantize;
    private final Path scratch;
    private final int threads;
    private final int runs;
    private final Consumer<String> log;

    /**
     * The llama-quantize that interop/build-llama-tools.sh built, found as the interop tests find it
     * ({@link LlamaTools}: {@code -Dsmelt.llama.tools} or {@code $SMELT_LLAMA_TOOLS}, else the newest cached build).
     */
    public static Path llamaQuantize() {
        return LlamaTools.binary("llama-quantize").orElseThrow(() -> new SmeltException(
                LlamaTools.missing("llama-quantize") + ", or give the binary with --llama-quantize"));
    }

    public QuantizeBenchmark(Path input, Path llamaQuantize, Path scratch, int threads, int runs, Consumer<String> log) {
        if (threads < 1) throw new SmeltException("--threads must be >= 1, got " + threads);
        if (runs < 1) throw new SmeltException("--runs must be >= 1, got " + runs);
        this.input = input;
        this.llamaQuantize = llamaQuantize;
        this.scratch = scratch;
        this.threads = threads;
        this.runs = runs;
        this.log = log;
    }

    /** Bytes of F32 tensor data in the input (the work both tools do). */
    public long inputBytes() {
        try (GgufReader r = GgufReader.open(input)) {
            long n = 0;
            for (GgufTensorInfo t : r.tensors()) n += t.byteSize();
            return n;
        }
    }

    public List<Row> run(List<QuantMix> mixes) throws IOException, InterruptedException {
        long bytes = inputBytes();
        List<Row> rows = new ArrayList<>();
        Path out = scratch.resolve("smelt-bench-quantize-" + ProcessHandle.current().pid() + ".gguf");
        try {
            for (QuantMix mix : mixes) {
                double[] smelt = new double[runs];
                double[] llama = new double[runs];
                // one untimed pass of each: the JIT compiles this type's kernel, both read a cached input
                timeSmelt(mix, out);
                timeLlama(mix, out);
                for (int i = 0; i < runs; i++) {
                    smelt[i] = timeSmelt(mix, out);
                    llama[i] = timeLlama(mix, out);
                    log.accept(String.format(Locale.ROOT, "%s run %d: smelt %.2f s, llama-quantize %.2f s (ratio %.2f)",
                            mix, i + 1, smelt[i], llama[i], llama[i] / smelt[i]));
                }
                rows.add(new Row(mix, bytes / 1e6 / median(smelt), bytes / 1e6 / median(llama)));
            }
        } finally {
            Files.deleteIfExists(out);
        }
        return rows;
    }

    /** Seconds for Smelt to quantize the input into {@code out} (deleted afterwards). */
    private double timeSmelt(QuantMix mix, Path out) throws IOException {
        long t0 = System.nanoTime();
        GgufQuantizer.quantize(input, out, new QuantizeOptions(mix, threads, false, false, null), GgufWriter.Listener.NONE);
        double s = (System.nanoTime() - t0) / 1e9;
        Files.deleteIfExists(out);
        return s;
    }

    /** Seconds for llama-quantize to quantize the input into {@code out} with its output fsynced (deleted afterwards). */
    private double timeLlama(QuantMix mix, Path out) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        runLlamaQuantize(mix, out);
        fsync(out);
        double s = (System.nanoTime() - t0) / 1e9;
        Files.deleteIfExists(out);
        return s;
    }

    /** The median (the mean of the middle two for an even count). */
    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    /** Forces {@code file}'s data to disk, as Smelt's atomic write does before its rename. */
    private static void fsync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    private void runLlamaQuantize(QuantMix mix, Path out) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(llamaQuantize.toString(), input.toString(), out.toString(), mix.name(),
                Integer.toString(threads)).redirectErrorStream(true).start();
        byte[] log = p.getInputStream().readAllBytes();
        if (!p.waitFor(1, TimeUnit.HOURS) || p.exitValue() != 0) {
            throw new SmeltException("llama-quantize failed on " + input + ": "
                    + new String(log, java.nio.charset.StandardCharsets.UTF_8).lines().reduce((a, b) -> b).orElse(""));
        }
    }
}
