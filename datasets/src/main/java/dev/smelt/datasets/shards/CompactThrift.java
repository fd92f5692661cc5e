package dev.smelt.datasets.shards;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The writing half of Thrift's compact protocol, as much as Parquet's footer and page headers need: structs, i16/i32/i64
 * (zigzag varints), strings and lists. Field ids are written as deltas from the previous field of the same struct.
 */
final class CompactThrift {
    static final int I16 = 4;
    static final int I32 = 5;
    static final int I64 = 6;
    static final int BINARY = 8;
    static final int LIST = 9;
    static final int STRUCT = 12;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Deque<Integer> lastIds = new ArrayDeque<>();
    private int lastId;

    byte[] toByteArray() {
        if (!lastIds.isEmpty()) throw new IllegalStateException("unclosed struct");
        return out.toByteArray();
    }

    /** Starts a struct written at the top level or as a list element. */
    CompactThrift begin() {
        lastIds.push(lastId);
        lastId = 0;
        return this;
    }

    /** Starts a struct-valued field. */
    CompactThrift struct(int id) {
        field(STRUCT, id);
        return begin();
    }

    CompactThrift end() {
        out.write(0);
        lastId = lastIds.pop();
        return this;
    }

    CompactThrift i16(int id, int v) {
        field(I16, id);
        varint(zigzag(v));
        return this;
    }

    CompactThrift i32(int id, int v) {
        field(I32, id);
        varint(zigzag(v));
        return this;
    }

    CompactThrift i64(int id, long v) {
        field(I64, id);
        varint(zigzag(v));
        return this;
    }

    CompactThrift string(int id, String v) {
        field(BINARY, id);
        stringValue(v);
        return this;
    }

    /** A list field's header; the elements follow through {@link #i32Value}, {@link #stringValue} or {@link #begin}. */
    CompactThrift list(int id, int elementType, int size) {
        field(LIST, id);
        if (size < 15) {
            out.write(size << 4 | elementType);
        } else {
            out.write(0xf0 | elementType);
            varint(size);
        }
        return this;
    }

    CompactThrift i32Value(int v) {
        varint(zigzag(v));
        return this;
    }

    CompactThrift stringValue(String v) {
        byte[] b = v.getBytes(StandardCharsets.UTF_8);
        varint(b.length);
        out.write(b, 0, b.length);
        return this;
    }

    /** Bytes serialized elsewhere (a list element struct), as they are. */
    CompactThrift raw(byte[] bytes) {
        out.write(bytes, 0, bytes.length);
        return this;
    }

    private void field(int type, int id) {
        int delta = id - lastId;
        if (delta > 0 && delta <= 15) {
            out.write(delta << 4 | type);
        } else {
            out.write(type);
            varint(zigzag(id));
        }
        lastId = id;
    }

    private static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private void varint(long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
