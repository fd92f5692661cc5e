package dev.smelt.trainer.lora;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smelt.core.SmeltException;
import dev.smelt.models.CausalLM;
import dev.smelt.models.nn.Linear;
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
 * untouched; {@link #detach} restores the plain model.
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

    /** Loads the PEFT adapter in {@code adapterDir} onto {@code model}. */
    public static List<LoraBlock> apply(CausalLM model, Path adapterDir) {
        return attach(model, AdapterFiles.read(adapterDir), adapterDir.toString());
    }

    /** Attaches the factors of a loaded adapter; {@code source} names it in errors. */
    public static List<LoraBlock> attach(CausalLM model, AdapterFiles.Adapter adapter, String source) {
        Map<String, Linear> linears = model.linearModules();
        List<LoraBlock> blocks = new ArrayList<>();
        for (LoraPair p : adapter.pairs().values()) {
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
        Linear lin = model.linearModules().get(p.module());
        if (lin == null) throw new SmeltException("adapter module \"" + p.module() + "\" does not exist in the model");
        LoraBlock b = LoraBlock.of(p, scaling, dropout);
        attach(model, lin, b);
        return b;
    }

    /** Removes every adapter from the model. */
    public static void detach(CausalLM model) {
        model.linearModules().values().forEach(Linear::detachAdapter);
    }

    private static void attach(CausalLM model, Linear lin, LoraBlock b) {
        b.initialize(model.manager(), DataType.FLOAT32, new Shape(1, lin.inFeatures())); // adapters stay float32
        lin.attachAdapter(b);
    }
}
