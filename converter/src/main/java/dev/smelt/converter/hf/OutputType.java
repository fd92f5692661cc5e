package dev.smelt.converter.hf;

import dev.smelt.converter.gguf.GgmlType;

/** Element type of the converted weights, with the {@code general.file_type} (llama_ftype) it implies. */
public enum OutputType {
    F32(GgmlType.F32, 0),
    F16(GgmlType.F16, 1),
    BF16(GgmlType.BF16, 32);

    private final GgmlType ggmlType;
    private final int fileType;

    OutputType(GgmlType ggmlType, int fileType) {
        this.ggmlType = ggmlType;
        this.fileType = fileType;
    }

    public GgmlType ggmlType() {
        return ggmlType;
    }

    /** The {@code general.file_type} value: 0 ALL_F32, 1 MOSTLY_F16, 32 MOSTLY_BF16. */
    public int fileType() {
        return fileType;
    }
}
