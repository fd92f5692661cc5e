package dev.smelt.datasets.format;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.datasets.source.RowLocation;

/** How a row's fields become a {@link Sample}. One implementation per supported layout. */
public sealed interface DataFormat
        permits MessagesFormat, ShareGptFormat, AlpacaFormat, PromptCompletionFormat, TextFormat {

    FormatName name();

    /**
     * Reads one row.
     *
     * @throws InvalidRowException when a required field is missing or malformed, a role is unknown,
     *     or an assistant turn is empty
     */
    Sample parse(JsonNode row, RowLocation at);

    static DataFormat of(FormatName name, FieldMap fields) {
        return switch (name) {
            case MESSAGES -> new MessagesFormat(fields);
            case SHAREGPT -> new ShareGptFormat(fields);
            case ALPACA -> new AlpacaFormat(fields);
            case PROMPT_COMPLETION -> new PromptCompletionFormat(fields);
            case TEXT -> new TextFormat(fields);
        };
    }
}
