package dev.smelt.datasets.prepare;

import dev.smelt.datasets.format.FormatName;
import java.util.List;

/**
 * What happened to the data: counts for every way a row can be left out, and token statistics.
 *
 * @param lengths token counts of all valid examples before truncation
 * @param overSeqLen examples longer than seq-len (truncated or dropped, per {@code --truncation})
 * @param firstInvalid the first few invalid-row messages ({@code file:line: reason})
 */
public record PreparationReport(
        List<String> files,
        FormatName format,
        long rows,
        long invalidRows,
        List<String> firstInvalid,
        long examples,
        LengthStats lengths,
        int seqLen,
        long overSeqLen,
        long truncated,
        long droppedTooLong,
        long droppedNoTrainedTokens,
        long trainedTokens) {

    /** Examples that remain after length handling. */
    public long kept() {
        return examples - droppedTooLong - droppedNoTrainedTokens;
    }
}
