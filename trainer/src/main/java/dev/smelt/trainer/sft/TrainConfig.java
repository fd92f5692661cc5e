package dev.smelt.trainer.sft;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.core.SmeltException;
import dev.smelt.models.Devices;
import dev.smelt.models.Precision;
import dev.smelt.trainer.lora.LoraSettings;
import dev.smelt.trainer.optim.LrSchedule;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every setting of an SFT run. {@code batchSize} is rows per micro-batch (split across devices),
 * {@code gradAccum} micro-batches make one optimizer step. {@code maxSteps > 0} overrides {@code epochs}.
 */
public record TrainConfig(
        Path modelDir,
        Path outDir,
        LoraSettings lora,
        int epochs,
        int maxSteps,
        int batchSize,
        int gradAccum,
        int seqLen,
        double lr,
        LrSchedule.Kind schedule,
        int warmupSteps,
        double weightDecay,
        double maxGradNorm,
        long seed,
        List<Device> devices,
        DataType precision,
        int evalEvery,
        int saveEvery,
        int keepCheckpoints,
        boolean resume,
        String baseModelName,
        String baseModelRevision) {

    public TrainConfig {
        devices = List.copyOf(devices);
        if (devices.isEmpty()) throw new SmeltException("--devices must name at least one device");
        if (epochs <= 0 && maxSteps <= 0) throw new SmeltException("--epochs must be >= 1 (or set --max-steps)");
        if (batchSize <= 0) throw new SmeltException("--batch-size must be >= 1, got " + batchSize);
        if (gradAccum <= 0) throw new SmeltException("--grad-accum must be >= 1, got " + gradAccum);
        if (seqLen <= 1) throw new SmeltException("--seq-len must be >= 2, got " + seqLen);
        if (batchSize < devices.size()) {
            throw new SmeltException("--batch-size " + batchSize + " is smaller than the number of devices (" + devices.size() + ")");
        }
        if (precision == DataType.BFLOAT16) throw new SmeltException("--precision " + Precision.BF16_UNAVAILABLE);
        if (precision != DataType.FLOAT32 && precision != DataType.FLOAT16) {
            throw new SmeltException("--precision must be fp32 or fp16");
        }
        if (evalEvery < 0 || saveEvery < 0) throw new SmeltException("--eval-every and --save-every must be >= 0");
    }

    /** The devices as the command line names them: {@code cpu}, {@code gpu0,gpu1}. */
    public String deviceNames() {
        return Devices.names(devices);
    }

    /** The settings a resumed run must share with the run that wrote the checkpoint. */
    public Map<String, String> fingerprint(String dataFingerprint, String modelFingerprint) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("base_model", modelFingerprint);
        f.put("data", dataFingerprint);
        f.put("targets", String.valueOf(lora.targets()));
        f.put("lora_r", Integer.toString(lora.r()));
        f.put("lora_alpha", Double.toString(lora.alpha()));
        f.put("lora_dropout", Double.toString(lora.dropout()));
        f.put("use_rslora", Boolean.toString(lora.useRslora()));
        f.put("epochs", Integer.toString(epochs));
        f.put("max_steps", Integer.toString(maxSteps));
        f.put("batch_size", Integer.toString(batchSize));
        f.put("grad_accum", Integer.toString(gradAccum));
        f.put("seq_len", Integer.toString(seqLen));
        f.put("lr", Double.toString(lr));
        f.put("schedule", schedule.name().toLowerCase());
        f.put("warmup_steps", Integer.toString(warmupSteps));
        f.put("weight_decay", Double.toString(weightDecay));
        f.put("max_grad_norm", Double.toString(maxGradNorm));
        f.put("seed", Long.toString(seed));
        f.put("precision", precision.name().toLowerCase());
        f.put("devices", Integer.toString(devices.size()));
        return f;
    }
}
