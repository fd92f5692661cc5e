package dev.smelt.core.safetensors;

import dev.smelt.core.SmeltException;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Element types of the safetensors format, named as in the file header. */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2),
    I64(8), I32(4), I16(2), I8(1),
    U64(8), U32(4), U16(2), U8(1),
    BOOL(1), F8_E4M3(1), F8_E5M2(1);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16 || this == F8_E4M3 || this == F8_E5M2;
    }

    /** Parses a header dtype string; unknown names give an error listing the supported ones. */
    public static DType parse(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) return t;
        }
        throw new SmeltException("unknown dtype \"" + name + "\" (supported: "
                + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")) + ")");
    }
}
