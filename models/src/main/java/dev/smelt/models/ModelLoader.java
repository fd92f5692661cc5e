package dev.smelt.models;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.models.dense.DenseDecoder;
import dev.smelt.models.qwen35.Qwen35Model;
import java.util.Locale;

/** Builds the right {@link CausalLM} for a model directory and loads its weights. */
public final class ModelLoader {
    private ModelLoader() {}

    /**
     * Loads the model in {@code dir} onto {@code device} in {@code dtype} (FLOAT32 or FLOAT16; BF16 checkpoints are
     * widened in Java). BFLOAT16 arrays are refused on every device, see {@link #BF16_UNAVAILABLE}.
     */
    public static CausalLM load(ModelDirectory dir, Device device, DataType dtype) {
        checkDataType(device, dtype);
        ModelConfig c = dir.config();
        if (c instanceof DenseConfig d) return DenseDecoder.load(dir, d, device, dtype);
        if (c instanceof Qwen35Config q) return Qwen35Model.load(dir, q, device, dtype);
        throw new SmeltException(dir.path() + ": unsupported model type " + c.architecture().modelType());
    }

    /** float32 on CPU, float16 on GPU. */
    public static DataType defaultDataType(Device device) {
        return device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
    }

    /** Parses {@code auto|fp32|float32|fp16|float16|bf16|bfloat16}; {@code auto} picks {@link #defaultDataType}. */
    public static DataType parseDataType(String name, Device device) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "auto" -> defaultDataType(device);
            case "fp32", "float32", "f32" -> DataType.FLOAT32;
            case "fp16", "float16", "f16", "half" -> DataType.FLOAT16;
            case "bf16", "bfloat16" -> DataType.BFLOAT16;
            default -> throw new SmeltException("--dtype " + name + ": expected auto, fp32, fp16 or bf16");
        };
    }

    /** A device as the command line names it ({@code cpu}, {@code gpuN}): what {@link #parseDevice} reads back. */
    public static String deviceName(Device device) {
        return device.isGpu() ? "gpu" + device.getDeviceId() : "cpu";
    }

    /** {@code fp16} for FLOAT16, else {@code fp32}: the two types models compute in. */
    public static String precisionName(DataType dtype) {
        return dtype == DataType.FLOAT16 ? "fp16" : "fp32";
    }

    /** Parses {@code cpu}, {@code gpu}, {@code gpuN} or {@code cuda:N}. */
    public static Device parseDevice(String name) {
        String n = name.toLowerCase(Locale.ROOT).trim();
        if (n.equals("cpu")) return Device.cpu();
        String idx = n.startsWith("gpu") ? n.substring(3) : n.startsWith("cuda:") ? n.substring(5) : n.equals("cuda") ? "" : null;
        if (idx == null) throw new SmeltException("--device " + name + ": expected cpu or gpuN (e.g. gpu0)");
        int i;
        try {
            i = idx.isEmpty() ? 0 : Integer.parseInt(idx);
        } catch (NumberFormatException e) {
            throw new SmeltException("--device " + name + ": expected cpu or gpuN (e.g. gpu0)");
        }
        int available = ai.djl.engine.Engine.getInstance().getGpuCount();
        if (i >= available) {
            throw new SmeltException("--device " + name + ": " + (available == 0 ? "no GPU is visible to PyTorch"
                    : "only " + available + " GPU(s) are visible"));
        }
        return Device.gpu(i);
    }

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

    static void checkDataType(Device device, DataType dtype) {
        if (dtype == DataType.BFLOAT16) throw new SmeltException(BF16_UNAVAILABLE);
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new SmeltException("unsupported model dtype " + dtype + " (expected float32 or float16)");
        }
    }
}
