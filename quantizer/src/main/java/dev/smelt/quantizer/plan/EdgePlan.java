package dev.smelt.quantizer.plan;

import dev.smelt.converter.gguf.GgufTensor;
import dev.smelt.converter.gguf.GgufTensorInfo;
import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.quantizer.gguf.GgufQuantizer;
import dev.smelt.quantizer.gguf.QuantizeOptions;
import dev.smelt.quantizer.mix.QuantMix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Per output type of {@code smelt convert gguf} (F32, F16 and every llama-quantize mix) the file it writes and the
 * memory llama.cpp needs to run it at a context length, with the {@link Tier}s that holds. File sizes are exact:
 * they come from the plans the converter and quantizer write by (tensor types per llama-quantize's rules, header,
 * alignment), computed from config.json, the tokenizer files and the safetensors headers; no weight is read.
 */
public record EdgePlan(String architecture, long parameters, int ctx, RuntimeMemory runtime, List<Estimate> estimates) {

    /** One output type: its file size, the memory at {@code ctx} (weights + {@link RuntimeMemory}), the tiers it fits. */
    public record Estimate(String type, long fileBytes, long ramBytes, List<Tier> fits) {}

    public static EdgePlan of(Path modelDir, int ctx) {
        ModelDirectory dir = ModelDirectory.open(modelDir);
        RuntimeMemory runtime = RuntimeMemory.of(dir.config(), ctx);
        List<Estimate> out = new ArrayList<>();
        try (SafetensorsModel weights = dir.weights()) {
            GgufExport.Plan f32 = null;
            for (OutputType t : List.of(OutputType.F32, OutputType.F16)) {
                GgufExport.Plan plan = GgufExport.plan(dir, weights, GgufExport.Options.of(t));
                if (t == OutputType.F32) f32 = plan;
                out.add(estimate(t.name(), GgufWriter.fileSize(plan.metadata(), infos(plan.tensors())), runtime));
            }
            long params = 0;
            for (GgufTensor t : f32.tensors()) params += t.numElements();
            for (QuantMix mix : QuantMix.values()) {
                long bytes = GgufQuantizer.layout(f32.metadata(), f32.tensors(), QuantizeOptions.of(mix)).fileBytes();
                out.add(estimate(mix.name(), bytes, runtime));
            }
            return new EdgePlan(f32.architecture(), params, ctx, runtime, out);
        }
    }

    private static Estimate estimate(String type, long fileBytes, RuntimeMemory runtime) {
        long ram = fileBytes + runtime.totalBytes();
        return new Estimate(type, fileBytes, ram, Tier.fitting(ram));
    }

    private static List<GgufTensorInfo> infos(List<GgufTensor> tensors) {
        List<GgufTensorInfo> out = new ArrayList<>(tensors.size());
        for (GgufTensor t : tensors) out.add(new GgufTensorInfo(t.name(), t.dims(), t.type(), 0));
        return out;
    }
}
