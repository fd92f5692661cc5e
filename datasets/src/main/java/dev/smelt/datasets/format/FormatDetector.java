package dev.smelt.datasets.format;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.core.SmeltException;
import dev.smelt.datasets.source.RowLocation;
import java.util.ArrayList;
import java.util.List;

/** Picks the format from the fields of the first row (after {@code --field} mapping). */
public final class FormatDetector {
    private FormatDetector() {}

    public static FormatName detect(JsonNode row, FieldMap fields, RowLocation at) {
        if (has(row, fields, "messages")) return FormatName.MESSAGES;
        if (has(row, fields, "conversations")) return FormatName.SHAREGPT;
        if (has(row, fields, "instruction") && has(row, fields, "output")) return FormatName.ALPACA;
        if (has(row, fields, "prompt") && has(row, fields, "completion")) return FormatName.PROMPT_COMPLETION;
        if (has(row, fields, "text")) return FormatName.TEXT;
        List<String> names = new ArrayList<>();
        row.fieldNames().forEachRemaining(names::add);
        throw new SmeltException(at + ": cannot detect the data format from fields " + names
                + " (expected messages, conversations, instruction+output, prompt+completion or text;"
                + " use --format, and --field FIELD=COLUMN for other names)");
    }

    private static boolean has(JsonNode row, FieldMap fields, String field) {
        return Fields.field(row, fields.column(field)) != null;
    }
}
