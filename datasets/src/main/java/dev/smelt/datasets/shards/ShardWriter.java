package dev.smelt.datasets.shards;

import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.PreparationReport;
import dev.smelt.datasets.prepare.PreparedData;
import dev.smelt.datasets.prepare.SequenceSet;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongConsumer;

/**
 * Writes {@link PreparedData} as a prepared data directory: {@code train-00000.parquet …} and {@code
 * validation-00000.parquet …} ({@link ParquetShardWriter}), rows in training order, then {@link PreparedManifest#FILE}.
 * The whole directory appears at once ({@link AtomicFiles#writeDirectory}); the same data and settings give the same bytes.
 */
public final class ShardWriter {
    /** Tokens per Parquet row group (each buffered in memory while it fills: 12 bytes a token). */
    public static final int DEFAULT_ROW_GROUP_TOKENS = 1 << 20;
    /** Tokens per shard file (about 8.5 bytes a token on disk). */
    public static final long DEFAULT_SHARD_TOKENS = 1L << 24;

    private final int rowGroupTokens;
    private final long shardTokens;

    public ShardWriter() {
        this(DEFAULT_ROW_GROUP_TOKENS, DEFAULT_SHARD_TOKENS);
    }

    public ShardWriter(int rowGroupTokens, long shardTokens) {
        if (rowGroupTokens < 1 || shardTokens < 1) throw new IllegalArgumentException("sizes must be positive");
        this.rowGroupTokens = rowGroupTokens;
        this.shardTokens = shardTokens;
    }

    /**
     * Writes {@code data} into {@code out} (replaced only once complete).
     *
     * @param identity the model the rows were rendered and tokenized with
     * @param options the settings they were prepared with
     * @param rowsWritten called with the number of rows written so far, or null
     */
    public PreparedManifest write(Path out, PreparedData data, ModelIdentity identity, DataOptions options,
                                  List<String> sources, List<String> valSources, LongConsumer rowsWritten) throws IOException {
        refuseImages(data.trainReport(), sources);
        if (data.validationReport() != null) refuseImages(data.validationReport(), valSources);
        PreparedManifest[] result = new PreparedManifest[1];
        long[] written = {0};
        AtomicFiles.writeDirectory(out, dir -> {
            List<PreparedManifest.Shard> train = writeShards(dir, "train", data.train(), written, rowsWritten);
            List<PreparedManifest.Shard> validation = writeShards(dir, "validation", data.validation(), written, rowsWritten);
            PreparedManifest m = new PreparedManifest(PreparedManifest.KIND, PreparedManifest.VERSION, identity,
                    PreparedManifest.Settings.of(options), List.copyOf(sources), List.copyOf(valSources), data.padTokenId(),
                    data.chatTemplateKwargs().values(), data.trainReport(), data.validationReport(), train, validation);
            AtomicFiles.writeString(dir.resolve(PreparedManifest.FILE), m.toJson());
            result[0] = m;
        });
        return result[0];
    }

    /**
     * Prepared shards hold token ids, labels and lengths only; an image's pixels live in its file, which the trainer
     * reads while training, so image data is trained from the raw files instead of shards that would silently lose it.
     */
    private static void refuseImages(PreparationReport r, List<String> sources) {
        if (r.images() == 0) return;
        throw new SmeltException(String.join(", ", sources) + ": " + r.examplesWithImages() + " example(s) with "
                + r.images() + " image(s); prepared shards hold tokens only, not images: train on the data itself"
                + " (smelt train --data " + sources.get(0) + ")");
    }

    private List<PreparedManifest.Shard> writeShards(Path dir, String part, SequenceSet rows, long[] written,
                                                     LongConsumer progress) throws IOException {
        List<PreparedManifest.Shard> shards = new ArrayList<>();
        int n = rows == null ? 0 : rows.size();
        int next = 0;
        while (next < n) {
            String name = String.format(Locale.ROOT, "%s-%05d.parquet", part, shards.size());
            Path file = dir.resolve(name);
            int first = next;
            long[] tokens = {0};
            int[] end = {next};
            AtomicFiles.write(file, ch -> {
                OutputStream os = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                ParquetShardWriter w = new ParquetShardWriter(os, rowGroupTokens);
                int i = first;
                while (i < n && (i == first || tokens[0] < shardTokens)) {
                    if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("interrupted");
                    TrainingSequence s = rows.get(i++);
                    w.write(s.inputIds(), s.labels(), segmentLengths(s));
                    tokens[0] += s.length();
                    if (progress != null) progress.accept(++written[0]);
                }
                w.finish();
                os.flush();
                end[0] = i;
            });
            next = end[0];
            shards.add(new PreparedManifest.Shard(name, next - first, tokens[0], Files.size(file),
                    ModelIdentity.sha256(file)));
        }
        return shards;
    }

    static int[] segmentLengths(TrainingSequence s) {
        int[] b = s.boundaries();
        int[] lens = new int[b.length - 1];
        for (int k = 0; k < lens.length; k++) lens[k] = b[k + 1] - b[k];
        return lens;
    }
}
