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
     * Loads the model in {@code dir} onto {@code device} in {@code dtype} (FLOAT32, FLOAT16 or BFLOAT16).
     * BF16 is refused on CPU: DJL's PyTorch bridge terminates the JVM on BF16 arrays there.
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

    static void checkDataType(Device device, DataType dtype) {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16 && dtype != DataType.BFLOAT16) {
            throw new SmeltException("unsupported model dtype " + dtype + " (expected float32, float16 or bfloat16)");
        }
        if (dtype == DataType.BFLOAT16 && !device.isGpu()) {
            throw new SmeltException("bf16 is not available on CPU (DJL's PyTorch bridge crashes on bfloat16 arrays); "
                    + "use fp32, bf16 weights are widened on load");
        }
    }
}
