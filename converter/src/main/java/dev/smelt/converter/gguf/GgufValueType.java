package dev.smelt.converter.gguf;

import dev.smelt.core.SmeltException;

/** Metadata value type ids of the GGUF format (the {@code uint32 value_type} before every value). */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4), BOOL(7, 1),
    STRING(8, -1), ARRAY(9, -1), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private final int id;
    private final int fixedSize;

    GgufValueType(int id, int fixedSize) {
        this.id = id;
        this.fixedSize = fixedSize;
    }

    public int id() {
        return id;
    }

    /** Encoded size in bytes for scalar types; -1 for STRING and ARRAY, whose size depends on content. */
    public int fixedSize() {
        return fixedSize;
    }

    public static GgufValueType ofId(long id) {
        for (GgufValueType t : values()) {
            if (t.id == id) return t;
        }
        throw new SmeltException("unknown GGUF value type id " + id + " (expected 0..12)");
    }

    public static GgufValueType ofIdOrNull(long id) {
        for (GgufValueType t : values()) {
            if (t.id == id) return t;
        }
        return null;
    }
}
