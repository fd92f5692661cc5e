package dev.smelt.models.generate;

/** Why generation ended. */
public enum StopReason {
    /** A stop (EOS) token was produced. */
    STOP_TOKEN,
    /** The streamer asked to stop (a stop string appeared in the text). */
    STOP_STRING,
    /** max new tokens, or the model's context limit, was reached. */
    LENGTH,
    /** The calling thread was interrupted. */
    CANCELLED;

    /** The OpenAI {@code finish_reason} value. */
    public String openAiName() {
        return this == STOP_TOKEN || this == STOP_STRING ? "stop" : this == LENGTH ? "length" : "cancelled";
    }
}
