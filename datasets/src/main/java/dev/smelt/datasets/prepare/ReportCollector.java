package dev.smelt.datasets.prepare;

import dev.smelt.datasets.format.FormatName;
import dev.smelt.datasets.length.LengthPolicy;
import dev.smelt.datasets.length.Truncation;
import dev.smelt.datasets.tokenize.TokenizedExample;
import java.util.ArrayList;
import java.util.List;

/** Accumulates a {@link PreparationReport} as rows stream past. */
public final class ReportCollector {
    private static final int KEEP_INVALID = 10;

    private final int seqLen;
    private final LengthStats.Collector lengths = new LengthStats.Collector();
    private final List<String> firstInvalid = new ArrayList<>();
    private long rows;
    private long invalid;
    private long overSeqLen;
    private long truncated;
    private long droppedTooLong;
    private long droppedNoTrained;
    private long trainedTokens;
    private long windows;
    private long images;
    private long imageTokens;
    private long withImages;
    private Truncation truncation;

    public ReportCollector(int seqLen) {
        this.seqLen = seqLen;
    }

    public void invalid(ProcessedRow.Invalid row) {
        rows++;
        invalid++;
        if (firstInvalid.size() < KEEP_INVALID) firstInvalid.add(row.error().getMessage());
    }

    public void example(ProcessedRow.Example row, LengthPolicy.Outcome outcome) {
        rows++;
        countImages(row.tokens());
        int n = row.tokens().length();
        lengths.add(n);
        if (n > seqLen) overSeqLen++;
        if (outcome instanceof LengthPolicy.Outcome.Kept k) {
            trainedTokens += k.example().trainedTokens();
        } else if (outcome instanceof LengthPolicy.Outcome.Truncated t) {
            truncated++;
            trainedTokens += t.example().trainedTokens();
        } else if (outcome instanceof LengthPolicy.Outcome.Dropped d) {
            if (n > seqLen) droppedTooLong++;
            else droppedNoTrained++;
        }
    }

    private void countImages(TokenizedExample ex) {
        if (ex.images().isEmpty()) return;
        withImages++;
        images += ex.images().size();
        imageTokens += ex.imageTokens();
    }

    /** The length handling in effect (known once the format is). */
    public void truncation(Truncation t) {
        truncation = t;
    }

    /** A document that goes into the chunked token stream whole. */
    public void chunked(ProcessedRow.Example row) {
        rows++;
        int n = row.tokens().length();
        lengths.add(n);
        if (n > seqLen) overSeqLen++;
    }

    /** A window cut from the chunked token stream. */
    public void window(TokenizedExample window) {
        windows++;
        trainedTokens += window.trainedTokens();
    }

    public PreparationReport report(List<String> files, FormatName format) {
        LengthStats stats = lengths.stats();
        return new PreparationReport(List.copyOf(files), format, rows, invalid, List.copyOf(firstInvalid), stats.count(),
                stats, seqLen, overSeqLen, truncated, droppedTooLong, droppedNoTrained, trainedTokens, truncation, windows,
                images, imageTokens, withImages);
    }
}
