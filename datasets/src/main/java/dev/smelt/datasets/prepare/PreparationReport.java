package dev.smelt.datasets.prepare;

import dev.smelt.datasets.format.FormatName;
import dev.smelt.datasets.length.Truncation;
import java.util.List;

/**
 * What happened to the data: counts for every way a row can be left out, and token statistics.
 *
 * @param lengths token counts of all valid examples before truncation
 * @param overSeqLen examples longer than seq-len (truncated or dropped, per {@code --truncation})
 * @param firstInvalid the first few invalid-row messages ({@code file:line: reason})
 * @param trainedTokens tokens that carry loss in what is kept (in the windows, when chunking)
 * @param truncation the length handling applied (null when no valid example was seen)
 * @param windows with {@link Truncation#CHUNK}: the seq-len windows cut from the joined documents, else 0
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
        long trainedTokens,
        Truncation truncation,
        long windows,
        long images,
        long imageTokens,
        long examplesWithImages) {

    /** Examples that remain after length handling (when chunking: the windows). */
    public long kept() {
        if (truncation == Truncation.CHUNK) return windows;
        return examples - droppedTooLong - droppedNoTrainedTokens;
    }
}
