package dev.smelt.models.dense;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.models.CausalLM;
import dev.smelt.models.DecoderCache;
import dev.smelt.models.load.WeightReader;
import dev.smelt.models.nn.Attention;
import dev.smelt.models.nn.Linear;
import dev.smelt.models.nn.Positions;
import dev.smelt.models.nn.RmsNorm;
import dev.smelt.models.nn.RotaryEmbedding;
import dev.smelt.models.nn.TokenEmbedding;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Llama-style dense decoder (llama, qwen2, qwen3) as a DJL block. Build one with {@link #load}. */
public final class DenseDecoder extends AbstractBlock implements CausalLM {
    private final DenseConfig config;
    private final NDManager manager;
    private final DataType dtype;
    private final TokenEmbedding embed;
    private final List<DenseLayer> layers = new ArrayList<>();
    private final RmsNorm norm;
    private final Linear lmHead; // null when tied to the embedding
    private final RotaryEmbedding rotary;
    private final Map<String, Linear> linears = new LinkedHashMap<>();

    private DenseDecoder(DenseConfig c, NDManager manager, DataType dtype) {
        this.config = c;
        this.manager = manager;
        this.dtype = dtype;
        embed = addChildBlock("embed_tokens", new TokenEmbedding("model.embed_tokens", c.vocabSize(), c.hiddenSize()));
        for (int i = 0; i < c.numLayers(); i++) {
            layers.add(addChildBlock("layer" + i, new DenseLayer("model.layers." + i, c)));
        }
        norm = addChildBlock("norm", new RmsNorm("model.norm", c.hiddenSize(), c.rmsNormEps()));
        lmHead = c.tieWordEmbeddings() ? null : addChildBlock("lm_head", new Linear("lm_head", c.hiddenSize(), c.vocabSize(), false));
        rotary = new RotaryEmbedding(c.headDim(), c.headDim(), c.ropeTheta(), c.ropeScaling(), c.maxPositionEmbeddings());
        for (DenseLayer l : layers) {
            for (Linear lin : List.of(l.attention.q, l.attention.k, l.attention.v, l.attention.o,
                    l.mlp.gateProj(), l.mlp.upProj(), l.mlp.downProj())) {
                linears.put(lin.moduleName(), lin);
            }
        }
        if (lmHead != null) linears.put(lmHead.moduleName(), lmHead);
    }

    /**
     * Loads a dense model: every tensor of {@code config.tensorSpecs()} is read and shape-checked, converted to
     * {@code dtype} and placed on {@code device}. On failure nothing stays allocated.
     */
    public static DenseDecoder load(ModelDirectory dir, DenseConfig c, Device device, DataType dtype) {
        NDManager manager = NDManager.newBaseManager(device);
        try (WeightReader w = new WeightReader(dir, manager, dtype)) {
            DenseDecoder m = new DenseDecoder(c, manager, dtype);
            m.embed.setWeight(w.load("model.embed_tokens.weight"));
            for (int i = 0; i < c.numLayers(); i++) {
                DenseLayer l = m.layers.get(i);
                l.inputNorm.setWeight(w.load(l.inputNorm.moduleName() + ".weight"));
                l.postNorm.setWeight(w.load(l.postNorm.moduleName() + ".weight"));
                if (l.attention.qNorm != null) {
                    l.attention.qNorm.setWeight(w.load(l.attention.qNorm.moduleName() + ".weight"));
                    l.attention.kNorm.setWeight(w.load(l.attention.kNorm.moduleName() + ".weight"));
                }
            }
            for (Linear lin : m.linears.values()) {
                String p = lin.moduleName();
                lin.setWeights(w.load(p + ".weight"), lin.bias() == null ? null : w.load(p + ".bias"));
            }
            m.norm.setWeight(w.load("model.norm.weight"));
            return m;
        } catch (RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    @Override
    public DenseConfig config() {
        return config;
    }

    @Override
    public Device device() {
        return manager.getDevice();
    }

    @Override
    public DataType dataType() {
        return dtype;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public Map<String, Linear> linearModules() {
        return Collections.unmodifiableMap(linears);
    }

    @Override
    public NDArray logits(ParameterStore ps, NDArray inputIds, NDArray positionIds, NDArray segmentIds, boolean training) {
        Shape s = inputIds.getShape();
        if (s.dimension() != 2) throw new IllegalArgumentException("input ids must be [B, T], got " + s);
        NDManager m = inputIds.getManager();
        long t = s.get(1);
        NDArray positions = positionIds;
        if (positions == null) {
            positions = segmentIds != null ? Positions.restartPerSegment(segmentIds) : m.arange(0, t, 1, DataType.INT64).reshape(1, t);
        }
        NDArray mask = segmentIds != null ? Attention.segmentMask(segmentIds) : Attention.causalMask(m, 0, t);
        return run(ps, inputIds, rotary.tables(positions, dtype), mask, null, false, training);
    }

    @Override
    public DecoderCache newCache(NDManager parent, int batchSize) {
        return new KvCache(parent, layers.size(), batchSize);
    }

    @Override
    public NDArray step(ParameterStore ps, NDArray inputIds, DecoderCache cache, boolean lastOnly) {
        if (!(cache instanceof KvCache kv)) throw new IllegalArgumentException("cache was not made by this model");
        NDManager m = inputIds.getManager();
        long t = inputIds.getShape().get(1);
        long past = kv.length();
        NDArray mask = t == 1 ? null : Attention.causalMask(m, past, t);
        NDArray out = run(ps, inputIds, rotary.tables(m, past, t, dtype), mask, kv, lastOnly, false);
        kv.advance((int) t);
        return out;
    }

    private NDArray run(ParameterStore ps, NDArray ids, NDList rope, NDArray mask, KvCache cache, boolean lastOnly,
            boolean training) {
        NDArray h = embed.apply(ps, ids, training);
        for (int i = 0; i < layers.size(); i++) {
            h = layers.get(i).apply(ps, h, rotary, rope, mask, cache, i, training);
        }
        if (lastOnly) {
            long t = h.getShape().get(1);
            h = h.get(new NDIndex().addAllDim().addSliceDim(t - 1, t));
        }
        h = norm.apply(ps, h, training);
        if (lmHead != null) return lmHead.apply(ps, h, training);
        NDArray w = ps.getValue(embed.weight(), h.getDevice(), training);
        return ai.djl.nn.core.Linear.linear(h, w).singletonOrThrow();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = CausalLM.input(inputs, INPUT_IDS, 0);
        NDArray pos = CausalLM.input(inputs, POSITION_IDS, 1);
        NDArray seg = CausalLM.input(inputs, SEGMENT_IDS, 2);
        return new NDList(logits(ps, ids, pos, seg, training));
    }


    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), in.get(1), config.vocabSize())};
    }

    @Override
    protected void initializeChildBlocks(NDManager m, DataType dataType, Shape... inputShapes) {
        Shape ids = inputShapes[0];
        Shape hidden = new Shape(ids.get(0), ids.get(1), config.hiddenSize());
        embed.initialize(m, dataType, ids);
        for (DenseLayer l : layers) l.initialize(m, dataType, hidden);
        norm.initialize(m, dataType, hidden);
        if (lmHead != null) lmHead.initialize(m, dataType, hidden);
    }

    @Override
    public void close() {
        rotary.close();
        manager.close();
    }

    @Override
    public String toString() {
        return "DenseDecoder(" + config.architecture().modelType() + ", layers=" + layers.size() + ", hidden="
                + config.hiddenSize() + ", dtype=" + dtype + ")";
    }
}
