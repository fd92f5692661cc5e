package dev.smelt.datasets.format;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.datasets.source.RowLocation;
import java.util.ArrayList;
import java.util.List;

/**
 * Alpaca rows {@code {"instruction", "input"?, "output", "system"?}}: one user turn (the instruction,
 * then a blank line and the input when there is one) and one assistant turn.
 */
public record AlpacaFormat(FieldMap fields) implements DataFormat {
    @Override
    public FormatName name() {
        return FormatName.ALPACA;
    }

    @Override
    public Sample parse(JsonNode row, RowLocation at) {
        String instruction = Fields.requiredText(row, fields.column("instruction"), at);
        String input = Fields.optionalText(row, fields.column("input"), at);
        String output = Fields.requiredText(row, fields.column("output"), at);
        String system = Fields.optionalText(row, fields.column("system"), at);
        if (instruction.isBlank()) throw new InvalidRowException(at, "empty \"" + fields.column("instruction") + "\"");
        if (output.isBlank()) throw new InvalidRowException(at, "empty assistant turn (\"" + fields.column("output") + "\")");
        List<Turn> turns = new ArrayList<>(3);
        if (system != null && !system.isEmpty()) turns.add(Turn.system(system));
        turns.add(Turn.user(input == null || input.isBlank() ? instruction : instruction + "\n\n" + input));
        turns.add(Turn.assistant(output));
        return new Sample.Chat(turns);
    }
}
