package dev.smelt.datasets.prepare;

import dev.smelt.core.SmeltException;
import dev.smelt.datasets.format.FormatName;
import dev.smelt.datasets.length.Truncation;
import dev.smelt.datasets.source.HubDatasetFetcher;
import dev.smelt.datasets.source.TextSampling;
import dev.smelt.datasets.tokenize.DatasetTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Evaluation text as llama.cpp's imatrix and perplexity tools cut it: the data read as plain text (smelt train's
 * {@code --format text}: BOS where the tokenizer adds one, EOS after each document), cut into chunks of exactly
 * {@code chunkSize} tokens (a shorter remainder is dropped), each chunk starting with BOS where the tokenizer has one.
 */
public final class TextChunks {
    private TextChunks() {}

    /** At most {@code maxChunks} chunks of {@code data} tokenized with {@code model}'s tokenizer (smelt imatrix, quant-report, recipes). */
    public static List<int[]> read(Path model, List<String> data, TextSampling sampling, Integer dataThreads, int chunkSize,
            int maxChunks) throws IOException {
        return read(model, data, sampling, dataThreads, chunkSize, maxChunks, null);
    }

    /** As {@link #read(Path, List, TextSampling, Integer, int, int)}, fetching {@code hf://datasets/...} sources with {@code hub} (null: none). */
    public static List<int[]> read(Path model, List<String> data, TextSampling sampling, Integer dataThreads, int chunkSize,
            int maxChunks, HubDatasetFetcher hub) throws IOException {
        if (chunkSize < 2) throw new SmeltException("--chunk-size must be at least 2, got " + chunkSize);
        DataOptions.Builder options = DataOptions.builder().format(FormatName.TEXT).truncation(Truncation.CHUNK)
                .seqLen(chunkSize).packing(false).valSplit(0).textSampling(sampling);
        if (dataThreads != null) options.threads(dataThreads);
        DataOptions dataOptions;
        try {
            dataOptions = options.build();
        } catch (IllegalArgumentException e) {
            throw new SmeltException(e.getMessage());
        }
        Integer bos = bosToken(model);
        List<int[]> chunks = new ArrayList<>();
        try (PreparedData prepared = DataPreparer.builder().data(data).model(model).options(dataOptions).hub(hub).build()) {
            SequenceSet windows = prepared.train();
            for (int i = 0; i < windows.size() && chunks.size() < maxChunks; i++) {
                int[] ids = windows.get(i).inputIds().clone();
                if (ids.length != chunkSize) continue;
                if (bos != null) ids[0] = bos;
                chunks.add(ids);
            }
            if (chunks.isEmpty()) {
                throw new SmeltException(String.join(", ", data) + ": " + windows.tokens() + " tokens, fewer than one chunk of "
                        + chunkSize + " (--chunk-size)");
            }
        }
        return chunks;
    }

    /** The BOS id when the tokenizer puts one before a text (llama), else null (Qwen). */
    private static Integer bosToken(Path model) {
        try (DatasetTokenizer t = DatasetTokenizer.load(model)) {
            int[] plain = t.encode("a", false).ids();
            int[] special = t.encode("a", true).ids();
            return special.length > plain.length && special[0] != plain[0] ? special[0] : null;
        }
    }
}
