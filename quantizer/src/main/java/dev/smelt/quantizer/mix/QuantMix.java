package dev.smelt.quantizer.mix;

import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.core.SmeltException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The quantization recipes llama-quantize names ({@code llama_ftype}): each has a default block type and an
 * id written to {@code general.file_type}. The per-tensor refinements live in {@link TensorTypePlanner}.
 */
public enum QuantMix {
    Q4_0(2, GgmlType.Q4_0),
    Q4_1(3, GgmlType.Q4_1),
    Q8_0(7, GgmlType.Q8_0),
    Q5_0(8, GgmlType.Q5_0),
    Q5_1(9, GgmlType.Q5_1),
    Q2_K(10, GgmlType.Q2_K),
    Q3_K_S(11, GgmlType.Q3_K),
    Q3_K_M(12, GgmlType.Q3_K),
    Q3_K_L(13, GgmlType.Q3_K),
    Q4_K_S(14, GgmlType.Q4_K),
    Q4_K_M(15, GgmlType.Q4_K),
    Q5_K_S(16, GgmlType.Q5_K),
    Q5_K_M(17, GgmlType.Q5_K),
    Q6_K(18, GgmlType.Q6_K),
    IQ4_NL(25, GgmlType.IQ4_NL),
    IQ4_XS(30, GgmlType.IQ4_XS);

    private final int fileType;
    private final GgmlType defaultType;

    QuantMix(int fileType, GgmlType defaultType) {
        this.fileType = fileType;
        this.defaultType = defaultType;
    }

    /** The {@code general.file_type} value (llama_ftype). */
    public int fileType() {
        return fileType;
    }

    public GgmlType defaultType() {
        return defaultType;
    }

    /** Parses a llama-quantize type name, case-insensitively; Q3_K, Q4_K and Q5_K are its aliases for the _M mixes. */
    public static QuantMix parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        switch (n) {
            case "Q3_K": return Q3_K_M;
            case "Q4_K": return Q4_K_M;
            case "Q5_K": return Q5_K_M;
            default:
                for (QuantMix m : values()) {
                    if (m.name().equals(n)) return m;
                }
                throw new SmeltException("unknown quantization type \"" + name + "\"; expected one of "
                        + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "))
                        + " (or Q3_K, Q4_K, Q5_K for the _M mixes)");
        }
    }
}
