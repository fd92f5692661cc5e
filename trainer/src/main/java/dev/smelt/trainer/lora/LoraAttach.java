package dev.smelt.trainer.lora;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smelt.core.SmeltException;
import dev.smelt.models.CausalLM;
import dev.smelt.models.nn.Linear;
import dev.smelt.models.qwen35.Qwen35Model;
import dev.smelt.models.qwen35.VisionEncoder;
import dev.smelt.trainer.merge.AdapterMerger;
import dev.smelt.trainer.peft.AdapterFiles;
import dev.smelt.trainer.peft.LoraPair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Puts LoRA adapters on a loaded {@link CausalLM}: fresh ones for training, or the factors of a PEFT
 * adapter directory for generation and evaluation ({@code smelt generate --adapter}). The base weights are
 * untouched; {@link #detach} restores the plain model. Adapters on the Qwen3.5 vision merger's linear layers
 * ({@link VisionEncoder#MERGER_MODULES}) go onto the model's vision encoder.
 */
public final class LoraAttach {
    private LoraAttach() {}

    /** Fresh adapters (A Kaiming-uniform from the seed, B zero) on the modules {@code settings} selects. */
    public static List<LoraBlock> attachFresh(CausalLM model, LoraSettings settings, long seed) {
        Map<String, Linear> linears = model.linearModules();
        List<String> selected = TargetMatcher.select(settings.targets(), List.copyOf(linears.keySet()));
        List<LoraBlock> blocks = new ArrayList<>();
        for (String name : selected) {
            Linear lin = linears.get(name);
            LoraBlock b = LoraBlock.fresh(name, Math.toIntExact(lin.inFeatures()), Math.toIntExact(lin.outFeatures()),
                    settings, seed);
            attach(model, lin, b);
            blocks.add(b);
        }
        return blocks;
    }

    /**
     * Fresh adapters on the vision merger's linear layers ({@code model.visual.merger.linear_fc1/2}) of a Qwen3.5
     * model with a vision tower ({@code smelt train --train-vision-merger}).
     */
    public static List<LoraBlock> attachMergerFresh(CausalLM model, LoraSettings settings, long seed) {
        VisionEncoder enc = visionEncoder(model, "--train-vision-merger");
        List<LoraBlock> blocks = new ArrayList<>();
        for (String module : VisionEncoder.MERGER_MODULES) {
            long[] io = enc.mergerShape(module);
            LoraBlock b = LoraBlock.fresh(module, Math.toIntExact(io[0]), Math.toIntExact(io[1]), settings, seed);
            attachToMerger(model, enc, module, io[0], b);
            blocks.add(b);
        }
        return blocks;
    }

    /** Whether {@code module} names a vision merger linear layer. */
    public static boolean isMergerModule(String module) {
        return VisionEncoder.MERGER_MODULES.contains(module);
    }

    private static VisionEncoder visionEncoder(CausalLM model, String what) {
        if (!(model instanceof Qwen35Model q) || !q.acceptsImages()) {
            throw new SmeltException(what + ": the model has no vision tower (a qwen3_5 checkpoint with vision_config has one)");
        }
        return q.visionEncoder();
    }

    private static void attachToMerger(CausalLM model, VisionEncoder enc, String module, long in, LoraBlock b) {
        b.initialize(model.manager(), DataType.FLOAT32, new Shape(1, in)); // adapters stay float32
        enc.attachMergerAdapter(module, b);
    }

    /** Loads the PEFT adapter in {@code adapterDir} onto {@code model}. */
    public static List<LoraBlock> apply(CausalLM model, Path adapterDir) {
        return attach(model, AdapterFiles.read(adapterDir), adapterDir.toString());
    }

    /** Attaches the factors of a loaded adapter; {@code source} names it in errors. */
    public static List<LoraBlock> attach(CausalLM model, AdapterFiles.Adapter adapter, String source) {
        Map<String, Linear> linears = model.linearModules();
        List<LoraBlock> blocks = new ArrayList<>();
        for (LoraPair p : adapter.pairs().values()) {
            if (isMergerModule(p.module())) {
                VisionEncoder enc = visionEncoder(model, source + ": adapter module \"" + p.module() + "\"");
                long[] io = enc.mergerShape(p.module());
                if (io[0] != p.in() || io[1] != p.out()) {
                    throw new SmeltException(source + ": adapter module \"" + p.module() + "\" is [" + p.out() + ", " + p.in()
                            + "] but the model's layer is [" + io[1] + ", " + io[0] + "]");
                }
                LoraBlock b = LoraBlock.of(p, adapter.scaling(p.module()), adapter.config().loraDropout());
                attachToMerger(model, enc, p.module(), io[0], b);
                blocks.add(b);
                continue;
            }
            Linear lin = null;
            for (String candidate : AdapterMerger.candidates(p.module())) {
                lin = linears.get(candidate);
                if (lin != null) break;
            }
            if (lin == null) {
                throw new SmeltException(source + ": adapter module \"" + p.module() + "\" does not exist in the model");
            }
            if (lin.inFeatures() != p.in() || lin.outFeatures() != p.out()) {
                throw new SmeltException(source + ": adapter module \"" + p.module() + "\" is [" + p.out() + ", " + p.in()
                        + "] but the model's projection is [" + lin.outFeatures() + ", " + lin.inFeatures() + "]");
            }
            LoraPair named = new LoraPair(lin.moduleName(), p.rank(), p.in(), p.out(), p.a(), p.b());
            LoraBlock b = LoraBlock.of(named, adapter.scaling(p.module()), adapter.config().loraDropout());
            attach(model, lin, b);
            blocks.add(b);
        }
        return blocks;
    }

    /** Attaches one adapter with given factors to the projection it names. */
    public static LoraBlock attachPair(CausalLM model, LoraPair p, double scaling, double dropout) {
        if (isMergerModule(p.module())) {
            VisionEncoder enc = visionEncoder(model, "adapter module \"" + p.module() + "\"");
            LoraBlock b = LoraBlock.of(p, scaling, dropout);
            attachToMerger(model, enc, p.module(), p.in(), b);
            return b;
        }
        Linear lin = model.linearModules().get(p.module());
        if (lin == null) throw new SmeltException("adapter module \"" + p.module() + "\" does not exist in the model");
        LoraBlock b = LoraBlock.of(p, scaling, dropout);
        attach(model, lin, b);
        return b;
    }

    /** Removes every adapter from the model. */
    public static void detach(CausalLM model) {
        model.linearModules().values().forEach(Linear::detachAdapter);
        if (model instanceof Qwen35Model q) q.loadedVisionEncoder().ifPresent(VisionEncoder::detachMergerAdapters);
    }

    private static void attach(CausalLM model, Linear lin, LoraBlock b) {
        b.initialize(model.manager(), DataType.FLOAT32, new Shape(1, lin.inFeatures())); // adapters stay float32
        lin.attachAdapter(b);
    }
}
