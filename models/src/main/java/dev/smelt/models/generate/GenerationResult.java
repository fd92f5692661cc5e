package dev.smelt.models.generate;

import java.util.List;

/**
 * Outcome of one generation.
 *
 * @param tokenIds      generated ids (the stop token excluded)
 * @param text          their decoded text (empty when generation ran without a tokenizer)
 * @param promptTokens  length of the prompt
 * @param prefillNanos  time to run the prompt and pick the first token
 * @param decodeNanos   time for the remaining tokens
 */
public record GenerationResult(List<Integer> tokenIds, String text, StopReason stopReason, int promptTokens,
        long prefillNanos, long decodeNanos) {

    public GenerationResult {
        tokenIds = List.copyOf(tokenIds);
    }

    /** Prompt tokens per second of the prefill pass. */
    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptTokens * 1e9 / prefillNanos;
    }

    /** Tokens per second after the first one (each is one incremental forward). */
    public double decodeTokensPerSecond() {
        int steps = Math.max(0, tokenIds.size() - 1 + (stopReason == StopReason.STOP_TOKEN ? 1 : 0));
        return decodeNanos == 0 || steps == 0 ? 0 : steps * 1e9 / decodeNanos;
    }
}
