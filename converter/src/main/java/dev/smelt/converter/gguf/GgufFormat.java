package dev.smelt.converter.gguf;

/** Constants of the GGUF container shared by reader and writer. */
public final class GgufFormat {
    private GgufFormat() {}

    /** "GGUF" read as a little-endian uint32. */
    public static final int MAGIC = 0x46554747;
    public static final int VERSION = 3;
    public static final int DEFAULT_ALIGNMENT = 32;
    /** GGML_QNT_VERSION: the quantized block layout version written to {@code general.quantization_version}. */
    public static final int QUANTIZATION_VERSION = 2;
    /** ggml's GGML_MAX_NAME is 64 bytes including the terminating NUL. */
    public static final int MAX_TENSOR_NAME_BYTES = 63;
    public static final int MAX_DIMS = 4;
    public static final int MAX_KEY_BYTES = 65535;

    public static long align(long offset, long alignment) {
        long rem = offset % alignment;
        return rem == 0 ? offset : offset + (alignment - rem);
    }

    static boolean isValidAlignment(long a) {
        return a > 0 && (a & (a - 1)) == 0;
    }
}
