package dev.smelt.datasets.format;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.datasets.source.RowLocation;

/** OpenAI / Hugging Face chat rows: {@code {"messages": [{"role": ..., "content": ...}], "system"?: ...}}. */
public record MessagesFormat(FieldMap fields) implements DataFormat {
    @Override
    public FormatName name() {
        return FormatName.MESSAGES;
    }

    @Override
    public Sample parse(JsonNode row, RowLocation at) {
        String list = fields.column("messages");
        var turns = Conversations.read(Fields.required(row, list, at), list,
                fields.column("role"), fields.column("content"), RoleNames.OPENAI, at);
        String systemColumn = fields.column("system");
        turns = Conversations.withSystem(Fields.optionalText(row, systemColumn, at), turns, at, systemColumn);
        return new Sample.Chat(Conversations.checked(turns, list, at));
    }
}
