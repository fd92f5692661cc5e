package dev.smelt.datasets.format;

import dev.smelt.core.SmeltException;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Column names for data whose fields are named differently from the format's own
 * ({@code --field messages=dialog --field role=speaker}). Unmapped fields keep their standard names.
 */
public record FieldMap(Map<String, String> columns) implements Serializable {
    /** Every field name some format reads. */
    public static final Set<String> LOGICAL_FIELDS = Set.of(
            "messages", "role", "content", "system",
            "conversations", "from", "value",
            "instruction", "input", "output",
            "prompt", "completion",
            "text");

    public static final FieldMap DEFAULT = new FieldMap(Map.of());

    public FieldMap {
        columns = Map.copyOf(columns);
    }

    /** Parses {@code field=column} pairs. */
    public static FieldMap parse(List<String> pairs) {
        Map<String, String> map = new HashMap<>();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new SmeltException("--field " + pair + ": expected FIELD=COLUMN, e.g. messages=dialog");
            }
            String field = pair.substring(0, eq).trim();
            String column = pair.substring(eq + 1).trim();
            if (!LOGICAL_FIELDS.contains(field)) {
                throw new SmeltException("--field " + pair + ": unknown field '" + field + "' (expected one of "
                        + String.join(", ", new TreeSet<>(LOGICAL_FIELDS)) + ")");
            }
            if (map.put(field, column) != null) throw new SmeltException("--field " + field + " given twice");
        }
        return new FieldMap(map);
    }

    /** The column that holds {@code field}. */
    public String column(String field) {
        return columns.getOrDefault(field, field);
    }
}
