package dev.smelt.converter.gguf;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One GGUF metadata value. There is one record per wire type, so a value always knows exactly how it is
 * encoded (a u32 and an i32 with the same number are different values, as they are in the file).
 * Unsigned types hold their value in a wider Java type ({@code UInt32} in a long, {@code UInt8} in an int);
 * {@code UInt64} keeps the raw 64 bits.
 */
public sealed interface GgufValue {
    GgufValueType type();

    /** The value as a Java object (Long/Integer/Float/Double/Boolean/String, List for arrays), for JSON output. */
    Object plain();

    record UInt8(int value) implements GgufValue {
        public UInt8 {
            if (value < 0 || value > 0xff) throw new IllegalArgumentException("uint8 out of range: " + value);
        }
        public GgufValueType type() { return GgufValueType.UINT8; }
        public Object plain() { return value; }
    }

    record Int8(byte value) implements GgufValue {
        public GgufValueType type() { return GgufValueType.INT8; }
        public Object plain() { return (int) value; }
    }

    record UInt16(int value) implements GgufValue {
        public UInt16 {
            if (value < 0 || value > 0xffff) throw new IllegalArgumentException("uint16 out of range: " + value);
        }
        public GgufValueType type() { return GgufValueType.UINT16; }
        public Object plain() { return value; }
    }

    record Int16(short value) implements GgufValue {
        public GgufValueType type() { return GgufValueType.INT16; }
        public Object plain() { return (int) value; }
    }

    record UInt32(long value) implements GgufValue {
        public UInt32 {
            if (value < 0 || value > 0xffffffffL) throw new IllegalArgumentException("uint32 out of range: " + value);
        }
        public GgufValueType type() { return GgufValueType.UINT32; }
        public Object plain() { return value; }
    }

    record Int32(int value) implements GgufValue {
        public GgufValueType type() { return GgufValueType.INT32; }
        public Object plain() { return value; }
    }

    record Float32(float value) implements GgufValue {
        public GgufValueType type() { return GgufValueType.FLOAT32; }
        public Object plain() { return value; }
    }

    record Bool(boolean value) implements GgufValue {
        public GgufValueType type() { return GgufValueType.BOOL; }
        public Object plain() { return value; }
    }

    record Str(String value) implements GgufValue {
        public Str {
            Objects.requireNonNull(value);
        }
        public GgufValueType type() { return GgufValueType.STRING; }
        public Object plain() { return value; }
    }

    /** Raw 64 bits; use {@link Long#toUnsignedString} to print. */
    record UInt64(long value) implements GgufValue {
        public GgufValueType type() { return GgufValueType.UINT64; }
        public Object plain() { return value >= 0 ? (Object) value : new BigInteger(Long.toUnsignedString(value)); }
    }

    record Int64(long value) implements GgufValue {
        public GgufValueType type() { return GgufValueType.INT64; }
        public Object plain() { return value; }
    }

    record Float64(double value) implements GgufValue {
        public GgufValueType type() { return GgufValueType.FLOAT64; }
        public Object plain() { return value; }
    }

    /** A homogeneous array; nested arrays have element type ARRAY and may differ in their own element types. */
    record Array(GgufValueType elementType, List<GgufValue> values) implements GgufValue {
        public Array {
            Objects.requireNonNull(elementType);
            values = List.copyOf(values);
            for (GgufValue v : values) {
                if (v.type() != elementType) {
                    throw new IllegalArgumentException("array of " + elementType + " holds a " + v.type());
                }
            }
        }
        public GgufValueType type() { return GgufValueType.ARRAY; }
        public Object plain() {
            List<Object> out = new ArrayList<>(values.size());
            for (GgufValue v : values) out.add(v.plain());
            return out;
        }
        public int size() { return values.size(); }
    }

    static Str of(String s) { return new Str(s); }

    static UInt32 u32(long v) { return new UInt32(v); }

    static Int32 i32(int v) { return new Int32(v); }

    static Float32 f32(float v) { return new Float32(v); }

    static Bool bool(boolean v) { return new Bool(v); }

    static Array strings(List<String> values) {
        List<GgufValue> list = new ArrayList<>(values.size());
        for (String s : values) list.add(new Str(s));
        return new Array(GgufValueType.STRING, list);
    }

    static Array int32s(int[] values) {
        List<GgufValue> list = new ArrayList<>(values.length);
        for (int v : values) list.add(new Int32(v));
        return new Array(GgufValueType.INT32, list);
    }

    static Array bools(boolean[] values) {
        List<GgufValue> list = new ArrayList<>(values.length);
        for (boolean v : values) list.add(new Bool(v));
        return new Array(GgufValueType.BOOL, list);
    }

    static Array float32s(float[] values) {
        List<GgufValue> list = new ArrayList<>(values.length);
        for (float v : values) list.add(new Float32(v));
        return new Array(GgufValueType.FLOAT32, list);
    }

    /** Integer value of any integer type; throws for other types. */
    default long asLong() {
        if (this instanceof UInt8 v) return v.value();
        if (this instanceof Int8 v) return v.value();
        if (this instanceof UInt16 v) return v.value();
        if (this instanceof Int16 v) return v.value();
        if (this instanceof UInt32 v) return v.value();
        if (this instanceof Int32 v) return v.value();
        if (this instanceof UInt64 v) return v.value();
        if (this instanceof Int64 v) return v.value();
        throw new IllegalStateException("not an integer value: " + type());
    }

    /** Human-readable rendering, with long arrays abbreviated. */
    default String display(int maxArrayItems) {
        if (this instanceof Str s) return '"' + s.value().replace("\\", "\\\\").replace("\n", "\\n").replace("\"", "\\\"") + '"';
        if (this instanceof UInt64 u) return Long.toUnsignedString(u.value());
        if (this instanceof Array a) {
            StringBuilder sb = new StringBuilder("[");
            int n = Math.min(a.size(), maxArrayItems);
            for (int i = 0; i < n; i++) {
                if (i > 0) sb.append(", ");
                sb.append(a.values().get(i).display(maxArrayItems));
            }
            if (a.size() > n) sb.append(", … (").append(a.size()).append(" ").append(a.elementType().name().toLowerCase()).append(" items)");
            return sb.append(']').toString();
        }
        return String.valueOf(plain());
    }
}
