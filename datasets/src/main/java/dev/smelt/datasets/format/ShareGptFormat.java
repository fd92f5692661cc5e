package dev.smelt.datasets.format;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.datasets.source.RowLocation;

/** ShareGPT rows: {@code {"conversations": [{"from": "human", "value": ...}], "system"?: ...}}. */
public record ShareGptFormat(FieldMap fields) implements DataFormat {
    @Override
    public FormatName name() {
        return FormatName.SHAREGPT;
    }

    @Override
    public Sample parse(JsonNode row, RowLocation at) {
        String list = fields.column("conversations");
        var turns = Conversations.read(Fields.required(row, list, at), list,
                fields.column("from"), fields.column("value"), RoleNames.SHAREGPT, at);
        String systemColumn = fields.column("system");
        turns = Conversations.withSystem(Fields.optionalText(row, systemColumn, at), turns, at, systemColumn);
        return new Sample.Chat(Conversations.checked(turns, list, at));
    }
}
