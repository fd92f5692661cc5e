package dev.smelt.models;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.core.SmeltException;
import java.util.Locale;

/**
 * What a model computes in, as the {@code precision} setting names it: {@code fp32}, {@code fp16}, or {@code auto}
 * (fp16 on a GPU, fp32 on the CPU, whose half-precision matrix kernels are slow). bf16 is refused, see
 * {@link #BF16_UNAVAILABLE}.
 */
public enum Precision {
    AUTO,
    FP32,
    FP16;

    /**
     * Why bf16 is refused. DJL 0.36 passes a dtype to its JNI layer as {@code DataType.ordinal()} (BFLOAT16 = 11) and
     * the native {@code utils::GetScalarTypeFromDType} (djl_pytorch_utils.h) only knows ordinals 0–8; any other value
     * reaches a bare {@code throw;}, which calls std::terminate ("terminate called without an active exception").
     * Creating, casting or loading a bfloat16 array therefore kills the JVM on CPU and GPU alike (DJL 0.33 with
     * PyTorch 2.5.1 too); no creation path avoids the table.
     */
    public static final String BF16_UNAVAILABLE = "bf16 is not available: DJL's PyTorch bridge has no bfloat16 in its"
            + " native dtype table and terminates the JVM on any bfloat16 array, on CPU and GPU alike; use fp16 (dynamic"
            + " loss scaling when training) or fp32 (bf16 checkpoints are widened on load)";

    /** Reads {@code auto}, {@code fp32} ({@code float32}, {@code f32}) or {@code fp16} ({@code float16}, {@code f16}, {@code half}). */
    public static Precision parse(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "fp32", "float32", "f32" -> FP32;
            case "fp16", "float16", "f16", "half" -> FP16;
            case "bf16", "bfloat16" -> throw new SmeltException("precision " + BF16_UNAVAILABLE);
            default -> throw new SmeltException("precision " + name + ": expected auto, fp32 or fp16");
        };
    }

    /** The data type on {@code device}: {@link #AUTO} is fp16 on a GPU and fp32 on the CPU. */
    public DataType dataType(Device device) {
        return switch (this) {
            case AUTO -> device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
            case FP32 -> DataType.FLOAT32;
            case FP16 -> DataType.FLOAT16;
        };
    }

    /** {@code fp16} for FLOAT16, {@code fp32} for FLOAT32: the two types models compute in, as {@link #parse} reads them. */
    public static String name(DataType dtype) {
        if (dtype == DataType.FLOAT16) return "fp16";
        if (dtype == DataType.FLOAT32) return "fp32";
        throw new IllegalArgumentException("models compute in float32 or float16, not " + dtype);
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
