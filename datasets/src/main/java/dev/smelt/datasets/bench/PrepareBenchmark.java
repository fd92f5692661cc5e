package dev.smelt.datasets.bench;

import dev.smelt.core.io.AtomicFiles;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.DataPreparer;
import dev.smelt.datasets.prepare.ExamplePipeline;
import dev.smelt.datasets.prepare.ModelText;
import dev.smelt.datasets.prepare.PreparedData;
import dev.smelt.datasets.prepare.ProcessedRow;
import dev.smelt.datasets.shards.ModelIdentity;
import dev.smelt.datasets.shards.PreparedManifest;
import dev.smelt.datasets.shards.PreparedShards;
import dev.smelt.datasets.shards.ShardWriter;
import dev.smelt.datasets.source.DataFile;
import dev.smelt.datasets.source.FileKind;
import dev.smelt.datasets.source.RowStream;
import dev.smelt.datasets.source.TextSampling;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code smelt bench prepare}: {@code smelt data prepare} on a synthetic chat JSONL (render, tokenize, mask, split, pack,
 * write Parquet shards) beside DJL's tokenizer alone, on one thread, encoding the same rendered strings, and reading the
 * shards back as {@code smelt train --data DIR} does, all in the same run.
 */
public final class PrepareBenchmark {
    /**
     * @param tokens tokens over the rendered examples (what the tokenizer produced)
     * @param packedRows rows written (train and validation) after packing
     */
    public record Result(int rows, int threads, long tokens, long packedRows, long shardBytes, int shards, double seconds,
                         double cpuSeconds, double baselineSeconds, long baselineTokens, double readSeconds, String tokenizer) {
        public double rowsPerSecond() {
            return rows / seconds;
        }

        public double tokensPerSecond() {
            return tokens / seconds;
        }

        public double baselineTokensPerSecond() {
            return baselineTokens / baselineSeconds;
        }

        /** Preparation's token throughput over the single-thread tokenizer's: above 1 with enough threads. */
        public double ratio() {
            return tokensPerSecond() / baselineTokensPerSecond();
        }

        /** Reading the shards back: rows per second as training loads them. */
        public double readRowsPerSecond() {
            return packedRows / readSeconds;
        }

        /** How many times faster training loads the shards than it would prepare the raw data. */
        public double readSpeedup() {
            return seconds / readSeconds;
        }
    }

    private PrepareBenchmark() {}

    /**
     * Renders every row of the chat JSONL {@code data} once, one line each (newlines escaped), for {@link
     * DataBenchmark#encodeAll}: the strings preparation hands the tokenizer.
     */
    public static void renderForBaseline(Path model, Path data, DataOptions options, Path rendered) throws IOException {
        DataOptions renderOptions = options.toBuilder().seqLen(Integer.MAX_VALUE).build();
        try (ModelText text = ModelText.load(model);
             BufferedWriter w = Files.newBufferedWriter(rendered, StandardCharsets.UTF_8);
             RowStream stream = new RowStream(List.of(new DataFile(data, data.toString(), FileKind.JSONL)), TextSampling.LINE)) {
            new ExamplePipeline(renderOptions, text).run(stream, p -> {
                try {
                    w.write(((ProcessedRow.Example) p).rendered().text().replace('\n', DataBenchmark.NEWLINE_ESCAPE));
                    w.write('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    public static Result run(Path modelDir, int rows, int threads, int vocabSize, int seqLen, Path workDir, Consumer<String> log)
            throws IOException {
        Path model = DataBenchmark.tokenizerModel(modelDir, vocabSize, workDir, log);
        Path data = DataBenchmark.syntheticData(rows, workDir, log);
        Path out = workDir.resolve("prepared-" + rows);
        DataOptions options = DataOptions.builder().threads(threads).seqLen(seqLen).packing(true).valSplit(0.01).build();

        log.accept("rendering once for the tokenizer baseline (not timed)…");
        Path rendered = workDir.resolve("rendered-" + rows + ".txt");
        renderForBaseline(model, data, options, rendered);

        log.accept("smelt data prepare: " + rows + " rows, " + threads + " thread(s)…");
        long start = System.nanoTime();
        long cpuStart = DataBenchmark.processCpuNanos();
        PreparedManifest m;
        long tokens;
        try (PreparedData prepared = DataPreparer.builder().data(data.toString()).model(model).options(options).build()) {
            tokens = prepared.trainReport().lengths().total();
            m = new ShardWriter().write(out, prepared, ModelIdentity.of(model), options, List.of(data.toString()), List.of(), null);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (DataBenchmark.processCpuNanos() - cpuStart) / 1e9;

        log.accept("DJL tokenizer alone, 1 thread, on the same strings…");
        long baseStart = System.nanoTime();
        long baseTokens;
        try (ModelText text = ModelText.load(model)) {
            baseTokens = DataBenchmark.encodeAll(text.tokenizer().djl(), rendered, 1);
        }
        double baseSeconds = (System.nanoTime() - baseStart) / 1e9;
        Files.deleteIfExists(rendered);

        log.accept("reading the shards back as smelt train --data does…");
        long readStart = System.nanoTime();
        try (PreparedData back = PreparedShards.open(out, model, workDir, null)) {
            if (back.train().size() + back.validation().size() != m.trainRows() + m.validationRows()) {
                throw new IllegalStateException("read " + back.train().size() + " rows back, wrote " + m.trainRows());
            }
        }
        double readSeconds = (System.nanoTime() - readStart) / 1e9;
        long bytes = 0;
        int shards = 0;
        for (List<PreparedManifest.Shard> part : List.of(m.train(), m.validation())) {
            for (PreparedManifest.Shard s : part) {
                bytes += s.bytes();
                shards++;
            }
        }
        AtomicFiles.deleteRecursively(out);
        return new Result(rows, threads, tokens, m.trainRows() + m.validationRows(), bytes, shards, seconds, cpuSeconds,
                baseSeconds, baseTokens, readSeconds,
                modelDir == null ? "tiny byte-level BPE, " + vocabSize + " tokens" : modelDir.toString());
    }
}
