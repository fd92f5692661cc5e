package dev.smelt.models.generate;

/** Receives generated tokens as they are produced. */
@FunctionalInterface
public interface TokenStreamer {
    /**
     * @param tokenId the token just generated, or -1 for text held back until the end (an incomplete UTF-8
     *                sequence) and flushed after the last token
     * @param text    text that became printable with it: may be empty (a partial UTF-8 character or a special
     *                token) or hold more than one token's worth; concatenating all pieces gives the full output
     */
    void onToken(int tokenId, String text);

    /** Checked after every token: true ends generation with {@link StopReason#STOP_STRING}. */
    default boolean stopRequested() {
        return false;
    }

    TokenStreamer NONE = (id, text) -> { };
}
