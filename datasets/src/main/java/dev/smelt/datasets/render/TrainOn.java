package dev.smelt.datasets.render;

import dev.smelt.core.SmeltException;
import java.util.Locale;

/** Which tokens of a conversation carry loss ({@code --train-on}). */
public enum TrainOn {
    /** Every token, prompts included. */
    ALL,
    /** Every assistant turn: its content and its end-of-turn token. */
    ASSISTANT,
    /** Only the final assistant turn. */
    LAST_ASSISTANT;

    public static TrainOn parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "all" -> ALL;
            case "assistant" -> ASSISTANT;
            case "last-assistant" -> LAST_ASSISTANT;
            default -> throw new SmeltException("--train-on: unknown value '" + s + "' (expected all, assistant or last-assistant)");
        };
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
