package dev.smelt.models;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.privacy.DjlTelemetry;
import dev.smelt.models.dense.DenseDecoder;
import dev.smelt.models.qwen35.Qwen35Model;

/** Builds the right {@link CausalLM} for a model directory and loads its weights. */
public final class ModelLoader {
    static {
        DjlTelemetry.disable(); // before this class creates DJL objects
    }

    private ModelLoader() {}

    /**
     * Loads the model in {@code dir} onto {@code device} in {@code dtype} (FLOAT32 or FLOAT16; BF16 checkpoints are
     * widened in Java). BFLOAT16 arrays are refused on every device, see
     * {@link Precision#BF16_UNAVAILABLE}. Refuses a GPU that PyTorch does not see.
     */
    public static CausalLM load(ModelDirectory dir, Device device, DataType dtype) {
        checkDataType(device, dtype);
        Devices.requireVisible(device);
        ModelConfig c = dir.config();
        if (c instanceof DenseConfig d) return DenseDecoder.load(dir, d, device, dtype);
        if (c instanceof Qwen35Config q) return Qwen35Model.load(dir, q, device, dtype);
        throw new SmeltException(dir.path() + ": unsupported model type " + c.architecture().modelType());
    }

    static void checkDataType(Device device, DataType dtype) {
        if (dtype == DataType.BFLOAT16) throw new SmeltException(Precision.BF16_UNAVAILABLE);
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new SmeltException("unsupported model dtype " + dtype + " (expected float32 or float16)");
        }
    }
}
