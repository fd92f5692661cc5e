package dev.smelt.datasets.format;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.datasets.source.RowLocation;

/** Raw text rows {@code {"text": ...}} for continued pre-training. */
public record TextFormat(FieldMap fields) implements DataFormat {
    @Override
    public FormatName name() {
        return FormatName.TEXT;
    }

    @Override
    public Sample parse(JsonNode row, RowLocation at) {
        String column = fields.column("text");
        String text = Fields.requiredText(row, column, at);
        if (text.isBlank()) throw new InvalidRowException(at, "empty \"" + column + "\"");
        return new Sample.Text(text);
    }
}
