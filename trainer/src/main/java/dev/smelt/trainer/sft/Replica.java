package dev.smelt.trainer.sft;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.vision.ImagePreprocessor;
import dev.smelt.core.vision.ImageProcessorConfig;
import dev.smelt.core.vision.RgbImage;
import dev.smelt.datasets.image.ImageRef;
import dev.smelt.models.CausalLM;
import dev.smelt.models.ModelLoader;
import dev.smelt.models.qwen35.Qwen35Model;
import dev.smelt.models.qwen35.VisionEncoder;
import dev.smelt.trainer.lora.LoraAttach;
import dev.smelt.trainer.lora.LoraBlock;
import dev.smelt.trainer.peft.AdapterFiles;
import dev.smelt.trainer.peft.LoraPair;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import dev.smelt.core.vision.PixelPatches;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The frozen model on one device with its own adapters; {@link DataParallel} holds one per device. */
final class Replica implements AutoCloseable {
    final CausalLM model;
    final List<LoraBlock> blocks;
    /** The adapter factors by name ({@code <module>.lora_A}, {@code <module>.lora_B}), in a fixed order. */
    final Map<String, Parameter> params = new LinkedHashMap<>();
    private final ParameterStore ps;
    private final ModelDirectory dir;
    private ImagePreprocessor imagePreprocessor;

    private Replica(CausalLM model, List<LoraBlock> blocks, ModelDirectory dir) {
        this.dir = dir;
        this.model = model;
        this.blocks = blocks;
        for (LoraBlock b : blocks) {
            params.put(b.module() + ".lora_A", b.loraA());
            params.put(b.module() + ".lora_B", b.loraB());
        }
        this.ps = new ParameterStore(model.manager(), false);
        // DJL allocates a gradient buffer when a parameter starts tracking gradients but does not clear it, and
        // backward accumulates into it: without this the first step can add whatever the memory held
        zeroGradients();
    }

    /** Loads the frozen model and attaches fresh adapters, or the values of {@code saved} when resuming. */
    static Replica load(ModelDirectory md, Device device, TrainConfig cfg, AdapterFiles.Adapter saved) {
        CausalLM model;
        try {
            model = ModelLoader.load(md, device, cfg.precision());
        } catch (EngineException e) {
            throw OutOfMemory.wrap(e, null, cfg);
        }
        try {
            List<LoraBlock> blocks = new ArrayList<>(LoraAttach.attachFresh(model, cfg.lora(), cfg.seed()));
            if (cfg.trainVisionMerger()) blocks.addAll(LoraAttach.attachMergerFresh(model, cfg.lora(), cfg.seed()));
            if (saved != null) {
                // values enter through the parameters' initializers: overwriting a gradient-tracking leaf with
                // NDArray.set leaves its gradient buffer in a bad state in DJL 0.36
                LoraAttach.detach(model);
                List<LoraBlock> restored = new ArrayList<>();
                for (LoraBlock b : blocks) {
                    LoraPair p = saved.pairs().get(b.module());
                    if (p == null) throw new SmeltException("checkpoint has no adapter for module \"" + b.module() + "\"");
                    restored.add(LoraAttach.attachPair(model, p, b.scaling(), cfg.lora().dropout()));
                }
                blocks = restored;
            }
            return new Replica(model, blocks, md);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Summed token cross-entropy of {@code batch} (a scalar in {@code sm}); {@code training} turns dropout on. */
    NDArray lossSum(NDManager sm, HostBatch batch, boolean training) {
        Device dev = model.device();
        NDArray logits;
        if (batch.hasImages()) {
            if (!(model instanceof Qwen35Model q) || !q.acceptsImages()) {
                throw new SmeltException("the training data has images but the model has no vision tower");
            }
            logits = q.logitsWithImages(ps, batch.idsOn(sm, dev), batch.multimodalPositionsOn(sm, dev, q.imageTokenId()),
                    batch.segmentsOn(sm, dev), imageEmbeddings(q, sm, batch, training), training);
        } else {
            logits = model.logits(ps, batch.idsOn(sm, dev), batch.positionsOn(sm, dev), batch.segmentsOn(sm, dev), training);
        }
        return MaskedCrossEntropy.sum(logits, batch.targetsOn(sm, dev));
    }

    /**
     * The batch's images through the vision tower, in token order, computed in this forward from the image files
     * (decoded and preprocessed here, nothing cached). The tower is frozen: its weights never require gradients, and
     * without merger adapters the embeddings are detached from the graph; with them only the adapters get gradients.
     */
    private NDArray imageEmbeddings(Qwen35Model q, NDManager sm, HostBatch batch, boolean training) {
        VisionEncoder enc = q.visionEncoder();
        NDList out = new NDList();
        for (ImageRef ref : batch.images()) {
            PixelPatches px = imagePreprocessor().process(RgbImage.read(ref.file()));
            if (px.numTokens() != ref.tokens()) {
                throw new SmeltException(ref.file() + ": the image now makes " + px.numTokens() + " tokens, "
                        + ref.tokens() + " when the data was prepared (was the file replaced?)");
            }
            out.add(enc.encode(px, sm, ps, training));
        }
        NDArray all = out.size() == 1 ? out.get(0) : NDArrays.concat(out, 0);
        return enc.mergerAdapters().isEmpty() ? all.stopGradient() : all;
    }

    private synchronized ImagePreprocessor imagePreprocessor() {
        if (imagePreprocessor == null) imagePreprocessor = new ImagePreprocessor(ImageProcessorConfig.read(dir.path()));
        return imagePreprocessor;
    }

    long trainableParameters() {
        long n = 0;
        for (Parameter p : params.values()) n += p.getArray().size();
        return n;
    }

    /** The arrays the optimizer updates (the float32 adapter factors). */
    Map<String, NDArray> arraysByName() {
        Map<String, NDArray> m = new LinkedHashMap<>();
        params.forEach((k, v) -> m.put(k, v.getArray()));
        return m;
    }

    List<LoraPair> pairs() {
        List<LoraPair> out = new ArrayList<>();
        for (LoraBlock b : blocks) out.add(b.toPair());
        return out;
    }

    void copyAdapterFrom(Replica master) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray target = e.getValue().getArray();
            try (NDArray src = master.params.get(e.getKey()).getArray().toDevice(target.getDevice(), true)) {
                target.muli(0f).addi(src);
            }
        }
    }

    void zeroGradients() {
        for (Parameter p : params.values()) {
            JniUtils.zeroGrad((PtNDArray) p.getArray()); // grad().zero_() in one native call
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
