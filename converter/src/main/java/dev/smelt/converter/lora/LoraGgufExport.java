package dev.smelt.converter.lora;

import dev.smelt.converter.arch.GgufArchitecture;
import dev.smelt.converter.arch.RowTransform;
import dev.smelt.converter.gguf.GgufFormat;
import dev.smelt.converter.gguf.GgufTensor;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.converter.gguf.vocab.GgufKeys.Adapter;
import dev.smelt.converter.gguf.vocab.GgufKeys.AdapterType;
import dev.smelt.converter.gguf.vocab.GgufKeys.General;
import dev.smelt.converter.gguf.vocab.GgufKeys.GeneralType;
import dev.smelt.converter.gguf.vocab.LoraFactor;
import dev.smelt.converter.hf.ConvertedTensor;
import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.converter.hf.RowEdit;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.safetensors.SafetensorsModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PEFT LoRA adapter → llama.cpp's LoRA adapter GGUF ({@code general.type = adapter}, {@code adapter.type = lora},
 * {@code adapter.lora.alpha}), loaded on a base GGUF with llama.cpp's {@code --lora}. For each adapted weight it
 * writes {@code <base GGUF name>.lora_a} (PEFT's A {@code [r, in]}, GGUF dims {@code [in, r]}) and {@code .lora_b}
 * (B {@code [out, r]}, dims {@code [r, out]}), taking the base weight's {@link RowTransform} along: B's rows are
 * the weight's output rows (llama's q/k RoPE permutation, Qwen3.5's V-head tiling of {@code in_proj_qkv},
 * {@code in_proj_z}, {@code in_proj_a/b}), A's columns its input columns (Qwen3.5's {@code out_proj}). llama.cpp
 * scales by {@code alpha / r} with one alpha per file; modules whose PEFT scaling differs from that (rsLoRA,
 * {@code alpha_pattern}) get the ratio folded into B.
 */
public final class LoraGgufExport {
    private LoraGgufExport() {}

    /** @param name general.name; null uses the adapter directory's name */
    public record Options(OutputType type, String name) {
        public Options {
            if (type == null) type = OutputType.F16;
        }
    }

    public record Result(Path output, String architecture, int adaptedTensors, float alpha, long dataBytes) {}

    public static Result export(Path adapterDir, Path baseDir, Path output, Options options, GgufWriter.Listener listener)
            throws IOException {
        if (Files.isDirectory(output)) {
            throw new SmeltException(output + ": is a directory; give the output file name, e.g. " + output.resolve("adapter.gguf"));
        }
        ModelDirectory base = ModelDirectory.open(baseDir);
        ModelConfig config = base.config();
        GgufArchitecture arch = GgufArchitecture.of(config);
        try (SafetensorsModel weights = base.weights(); PeftAdapter adapter = PeftAdapter.open(adapterDir)) {
            List<LoraTarget> targets = LoraTarget.resolve(adapter, config, arch, weights);
            float alpha = fileAlpha(adapter, targets);
            List<GgufTensor> tensors = new ArrayList<>();
            long bytes = 0;
            for (LoraTarget t : targets) {
                PeftAdapter.Module m = t.module();
                RowTransform tr = t.transform();
                // llama.cpp: scale = alpha / r with r = lora_b's ne[0]; whatever is left of PEFT's scaling goes into B
                float factor = (float) (t.scaling() * m.rank() / alpha);
                RowEdit scaleB = factor == 1f ? null : (row, values) -> {
                    for (int i = 0; i < values.length; i++) values[i] *= factor;
                };
                tensors.add(new ConvertedTensor(LoraFactor.A.nameFor(t.mapped()), GgufExport.reverse(m.a().shape()),
                        options.type().ggmlType(), adapter.file(), m.a(), new RowTransform(null, tr.colOrder(), RowTransform.ElementOp.NONE)));
                tensors.add(new ConvertedTensor(LoraFactor.B.nameFor(t.mapped()), GgufExport.reverse(m.b().shape()),
                        options.type().ggmlType(), adapter.file(), m.b(), new RowTransform(tr.rowOrder(), null, RowTransform.ElementOp.NONE),
                        scaleB));
            }
            for (GgufTensor t : tensors) bytes += t.byteSize();
            Map<String, GgufValue> meta = new LinkedHashMap<>();
            meta.put(General.ARCHITECTURE, GgufValue.of(arch.ggufName()));
            meta.put(General.TYPE, GgufValue.of(GeneralType.ADAPTER));
            meta.put(General.NAME, GgufValue.of(options.name() != null ? options.name() : name(adapterDir)));
            meta.put(Adapter.TYPE, GgufValue.of(AdapterType.LORA));
            meta.put(Adapter.LORA_ALPHA, GgufValue.f32(alpha));
            meta.put(General.FILE_TYPE, GgufValue.u32(options.type().fileType()));
            meta.put(General.QUANTIZATION_VERSION, GgufValue.u32(GgufFormat.QUANTIZATION_VERSION));
            GgufWriter.write(output, meta, tensors, listener);
            return new Result(output, arch.ggufName(), targets.size(), alpha, bytes);
        }
    }

    /**
     * {@code adapter.lora.alpha}: PEFT's lora_alpha when plain α/r scaling covers every module, else scaling·r of the
     * first module (rsLoRA with one rank needs nothing folded into B then).
     */
    static float fileAlpha(PeftAdapter adapter, List<LoraTarget> targets) {
        PeftConfig c = adapter.config();
        if (!c.useRslora() && c.alphaPattern().isEmpty()) return (float) c.loraAlpha();
        LoraTarget first = targets.get(0);
        return (float) (first.scaling() * first.module().rank());
    }

    private static String name(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        return abs.getFileName() == null ? "adapter" : abs.getFileName().toString();
    }
}
