package dev.smelt.datasets.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.sun.management.OperatingSystemMXBean;
import dev.smelt.core.chat.BuiltinChatTemplates;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.core.tiny.TinyTokenizer;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.ExamplePipeline;
import dev.smelt.datasets.prepare.ModelText;
import dev.smelt.datasets.prepare.ProcessedRow;
import dev.smelt.datasets.source.DataFile;
import dev.smelt.datasets.source.FileKind;
import dev.smelt.datasets.source.RowStream;
import dev.smelt.datasets.source.TextSampling;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@code smelt bench data}: renders and tokenizes a synthetic chat JSONL through the full pipeline
 * (read, parse, chat template with incremental loss-mask rendering, tokenization, labels) and
 * compares its token throughput with DJL's tokenizer alone encoding the very same rendered strings,
 * with the same number of threads, in the same run. The rendered strings are captured by the
 * pipeline's own sink (so their writing counts against Smelt, not the baseline).
 */
public final class DataBenchmark {
    /** Rendered strings are written one per line with newlines escaped, for the baseline to reread. */
    static final char NEWLINE_ESCAPE = '\u0001';

    /**
     * Wall-clock seconds and process CPU seconds of each phase. On a shared machine the wall-clock
     * ratio moves with other processes' load; the CPU-time ratio compares the work each path does.
     */
    public record Result(int rows, int threads, long tokens, double seconds, double cpuSeconds, double baselineSeconds,
                         double baselineCpuSeconds, long baselineTokens, long peakRssBytes, String tokenizer) {
        public double rowsPerSecond() {
            return rows / seconds;
        }

        public double tokensPerSecond() {
            return tokens / seconds;
        }

        public double baselineTokensPerSecond() {
            return baselineTokens / baselineSeconds;
        }

        /** Smelt's token throughput over the raw tokenizer's, wall clock: 1 means no overhead. */
        public double ratio() {
            return tokensPerSecond() / baselineTokensPerSecond();
        }

        /** The same ratio in tokens per CPU second. */
        public double cpuRatio() {
            return (tokens / cpuSeconds) / (baselineTokens / baselineCpuSeconds);
        }
    }

    private DataBenchmark() {}

    /**
     * @param modelDir a model directory with tokenizer.json and a chat template, or null for a tiny
     *     byte-level BPE tokenizer (vocabSize tokens) with the Qwen2.5 ChatML template
     */
    public static Result run(Path modelDir, int rows, int threads, int vocabSize, Path workDir, Consumer<String> log)
            throws IOException {
        Path model = tokenizerModel(modelDir, vocabSize, workDir, log);
        Path data = syntheticData(rows, workDir, log);
        Path rendered = workDir.resolve("rendered-" + rows + ".txt");
        DataOptions options = DataOptions.builder().threads(threads).seqLen(Integer.MAX_VALUE).build();
        try (ModelText text = ModelText.load(model)) {
            warmUp(text, options, data, workDir);
            log.accept("Smelt pipeline: " + rows + " rows, " + threads + " thread(s)…");
            long[] counts = new long[2];
            long start = System.nanoTime();
            long cpuStart = processCpuNanos();
            try (BufferedWriter out = Files.newBufferedWriter(rendered, StandardCharsets.UTF_8);
                 RowStream stream = new RowStream(List.of(new DataFile(data, data.toString(), FileKind.JSONL)), TextSampling.LINE)) {
                new ExamplePipeline(options, text).run(stream, p -> {
                    ProcessedRow.Example ex = (ProcessedRow.Example) p;
                    counts[0]++;
                    counts[1] += ex.tokens().length();
                    try {
                        out.write(ex.rendered().text().replace('\n', NEWLINE_ESCAPE));
                        out.write('\n');
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9;

            log.accept("DJL tokenizer alone on the same strings…");
            long baseStart = System.nanoTime();
            long baseCpuStart = processCpuNanos();
            long baseTokens = encodeAll(text.tokenizer().djl(), rendered, threads);
            double baseSeconds = (System.nanoTime() - baseStart) / 1e9;
            double baseCpuSeconds = (processCpuNanos() - baseCpuStart) / 1e9;
            Files.deleteIfExists(rendered);
            return new Result((int) counts[0], threads, counts[1], seconds, cpuSeconds, baseSeconds, baseCpuSeconds, baseTokens,
                    PeakRss.bytes(),
                    modelDir == null ? "tiny byte-level BPE, " + vocabSize + " tokens" : modelDir.toString());
        }
    }

    /** {@code modelDir}, or a tiny byte-level BPE tokenizer with the Qwen2.5 ChatML template kept in {@code workDir}. */
    public static Path tokenizerModel(Path modelDir, int vocabSize, Path workDir, Consumer<String> log) throws IOException {
        if (modelDir != null) return modelDir;
        Files.createDirectories(workDir);
        Path model = workDir.resolve("tiny-tokenizer-" + vocabSize);
        if (!Files.isRegularFile(model.resolve("tokenizer.json"))) {
            log.accept("training a " + vocabSize + "-token byte-level BPE tokenizer…");
            AtomicFiles.writeDirectory(model, dir -> TinyTokenizer.train(vocabSize)
                    .writeTo(dir, BuiltinChatTemplates.QWEN2_5.source(), 32768));
        }
        return model;
    }

    /** A synthetic chat JSONL of {@code rows} rows kept in {@code workDir} for reruns. */
    public static Path syntheticData(int rows, Path workDir, Consumer<String> log) throws IOException {
        Files.createDirectories(workDir);
        Path data = workDir.resolve("synthetic-chat-" + rows + ".jsonl");
        if (!Files.isRegularFile(data)) {
            log.accept("writing " + rows + " synthetic chat rows to " + data + "…");
            Path tmp = workDir.resolve(data.getFileName() + ".tmp");
            SyntheticChats.write(tmp, rows, 2026);
            Files.move(tmp, data, StandardCopyOption.REPLACE_EXISTING);
        }
        return data;
    }

    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean()
                instanceof OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return System.nanoTime(); // no CPU clock: fall back to wall time
    }

    /** Runs both paths over the first rows so neither is timed while the JIT is cold. */
    private static void warmUp(ModelText text, DataOptions options, Path data, Path workDir) throws IOException {
        Path sample = workDir.resolve("warmup.jsonl");
        try (BufferedReader in = Files.newBufferedReader(data, StandardCharsets.UTF_8);
             BufferedWriter out = Files.newBufferedWriter(sample, StandardCharsets.UTF_8)) {
            String line;
            for (int i = 0; i < 3000 && (line = in.readLine()) != null; i++) {
                out.write(line);
                out.write('\n');
            }
        }
        List<String> strings = new ArrayList<>();
        try (RowStream stream = new RowStream(List.of(new DataFile(sample, "warmup", FileKind.JSONL)), TextSampling.LINE)) {
            new ExamplePipeline(options, text).run(stream, p -> strings.add(((ProcessedRow.Example) p).rendered().text()));
        }
        for (String s : strings) text.tokenizer().djl().encode(s, false, false);
        Files.deleteIfExists(sample);
    }

    /** Encodes every line of {@code file} with {@code threads} threads, exactly as the pipeline calls the tokenizer. */
    public static long encodeAll(HuggingFaceTokenizer tokenizer, Path file, int threads) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicLong tokens = new AtomicLong();
        List<Future<?>> inFlight = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            List<String> batch = new ArrayList<>(128);
            String line;
            while (true) {
                line = in.readLine();
                if (line != null) batch.add(line.replace(NEWLINE_ESCAPE, '\n'));
                if (batch.size() == 128 || (line == null && !batch.isEmpty())) {
                    List<String> work = batch;
                    inFlight.add(pool.submit(() -> {
                        long n = 0;
                        for (String s : work) n += tokenizer.encode(s, false, false).getIds().length;
                        tokens.addAndGet(n);
                    }));
                    batch = new ArrayList<>(128);
                    while (inFlight.size() > 2 * threads) await(inFlight.remove(0));
                }
                if (line == null) break;
            }
            for (Future<?> f : inFlight) await(f);
        } finally {
            pool.shutdownNow();
        }
        return tokens.get();
    }

    private static void await(Future<?> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }
}
