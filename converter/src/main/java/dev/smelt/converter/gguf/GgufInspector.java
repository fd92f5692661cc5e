package dev.smelt.converter.gguf;

import dev.smelt.core.inspect.Inspection;
import dev.smelt.core.inspect.TensorRow;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code smelt inspect} for GGUF files: architecture, parameter count, the tensor table (GGUF names, dims in
 * GGUF order innermost first, ggml type, bytes), total data size and the metadata. Arrays longer than
 * {@link #MAX_ARRAY_ITEMS} (token lists, merges) are summarised rather than printed.
 */
public final class GgufInspector {
    public static final int MAX_ARRAY_ITEMS = 16;

    private GgufInspector() {}

    public static Inspection inspect(Path path) {
        try (GgufReader r = GgufReader.open(path)) {
            List<TensorRow> rows = new ArrayList<>();
            long params = 0, bytes = 0;
            for (GgufTensorInfo t : r.tensors()) {
                rows.add(new TensorRow(t.name(), t.dims(), t.type().name(), t.byteSize()));
                params += t.numElements();
                bytes += t.byteSize();
            }
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("gguf_version", r.version());
            extra.put("tensor_count", r.tensors().size());
            extra.put("alignment", r.alignment());
            extra.put("file_bytes", r.fileSize());
            extra.put("shape_order", "ggml (innermost first)");
            extra.put("metadata", summarize(r.metadata()));
            return new Inspection(path.toString(), "gguf", r.architecture(), params, null, bytes, rows, List.of(),
                    List.of(), extra);
        }
    }

    /** Metadata as plain Java values, long arrays replaced by {@code {type, length, head}}. */
    public static Map<String, Object> summarize(Map<String, GgufValue> metadata) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            GgufValue v = e.getValue();
            if (v instanceof GgufValue.Array a && a.size() > MAX_ARRAY_ITEMS) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("type", "array[" + a.elementType().name().toLowerCase() + "]");
                s.put("length", a.size());
                List<Object> head = new ArrayList<>();
                for (int i = 0; i < 4; i++) head.add(a.values().get(i).plain());
                s.put("head", head);
                out.put(e.getKey(), s);
            } else {
                out.put(e.getKey(), v.plain());
            }
        }
        return out;
    }

    /** One-line rendering of a summarised metadata value for text output (long strings cut, newlines escaped). */
    public static String display(Object v) {
        String s = v instanceof String str ? '"' + str.replace("\n", "\\n") + '"' : String.valueOf(v);
        return s.length() > 120 ? s.substring(0, 117) + "…" + (v instanceof String str ? " (" + str.length() + " chars)" : "") : s;
    }
}
