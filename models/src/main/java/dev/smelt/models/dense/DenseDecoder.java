package dev.smelt.models.dense;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.models.DecoderCache;
import dev.smelt.models.DecoderModel;
import dev.smelt.models.load.WeightReader;
import dev.smelt.models.nn.Attention;
import dev.smelt.models.nn.Casts;
import dev.smelt.models.nn.Linear;
import dev.smelt.models.nn.RmsNorm;
import dev.smelt.models.nn.RotaryEmbedding;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/** The Llama-style dense decoder (llama, qwen2, qwen3) as a DJL block. Build one with {@link #load}. */
public final class DenseDecoder extends DecoderModel<DenseConfig> {
    private final List<DenseLayer> layers = new ArrayList<>();
    private final RotaryEmbedding rotary;

    private DenseDecoder(DenseConfig c, NDManager manager, DataType dtype) {
        super(c, manager, dtype, "model.embed_tokens");
        for (int i = 0; i < c.numLayers(); i++) {
            layers.add(addChildBlock("layer" + i, new DenseLayer("model.layers." + i, c, dtype)));
        }
        rotary = new RotaryEmbedding(c.headDim(), c.headDim(), c.ropeTheta(), c.ropeScaling(), c.maxPositionEmbeddings());
        for (DenseLayer l : layers) {
            for (Linear lin : List.of(l.attention.q, l.attention.k, l.attention.v, l.attention.o,
                    l.mlp.gateProj(), l.mlp.upProj(), l.mlp.downProj())) {
                linears.put(lin.moduleName(), lin);
            }
        }
        addHead(new RmsNorm("model.norm", c.hiddenSize(), c.rmsNormEps()));
    }

    /**
     * Loads a dense model: every tensor of {@code config.tensorSpecs()} is read and shape-checked and placed on
     * {@code device}, the embedding and projection weights converted to {@code dtype}, the norm weights and
     * biases kept in float32 (they are applied in float32). On failure nothing stays allocated.
     */
    public static DenseDecoder load(ModelDirectory dir, DenseConfig c, Device device, DataType dtype) {
        NDManager manager = NDManager.newBaseManager(device);
        try (WeightReader w = new WeightReader(dir, manager, dtype);
                WeightReader w32 = new WeightReader(dir, manager, DataType.FLOAT32)) {
            DenseDecoder m = new DenseDecoder(c, manager, dtype);
            m.embed.setWeight(w.load("model.embed_tokens.weight"));
            for (int i = 0; i < c.numLayers(); i++) {
                DenseLayer l = m.layers.get(i);
                l.inputNorm.setWeight(w32.load(l.inputNorm.moduleName() + ".weight"));
                l.postNorm.setWeight(w32.load(l.postNorm.moduleName() + ".weight"));
                if (l.attention.qNorm != null) {
                    l.attention.qNorm.setWeight(w32.load(l.attention.qNorm.moduleName() + ".weight"));
                    l.attention.kNorm.setWeight(w32.load(l.attention.kNorm.moduleName() + ".weight"));
                }
            }
            Set<Linear> fused = new HashSet<>();
            for (DenseLayer l : m.layers) {
                l.attention.loadQkv(w, w32);
                l.mlp.loadGateUp(w::load, w32::load);
                fused.addAll(List.of(l.attention.q, l.attention.k, l.attention.v, l.mlp.gateProj(), l.mlp.upProj()));
            }
            for (Linear lin : m.linears.values()) {
                if (fused.contains(lin)) continue;
                String p = lin.moduleName();
                lin.setWeights(w.load(p + ".weight"), lin.bias() == null ? null : w32.load(p + ".bias"));
            }
            m.norm.setWeight(w32.load("model.norm.weight"));
            return m;
        } catch (RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    @Override
    public NDArray logits(ParameterStore ps, NDArray inputIds, NDArray positionIds, NDArray segmentIds, boolean training) {
        NDArray positions = positionsFor(inputIds, positionIds, segmentIds);
        return run(ps, inputIds, rotary.tables(positions, DataType.FLOAT32), maskFor(inputIds, segmentIds), null, false,
                training);
    }

    @Override
    public DecoderCache newCache(NDManager parent, int batchSize) {
        return new KvCache(parent, layers.size(), batchSize, config.maxPositionEmbeddings());
    }

    @Override
    public NDArray step(ParameterStore ps, NDArray inputIds, DecoderCache cache, boolean lastOnly) {
        return step(ps, inputIds, cache, lastOnly, true);
    }

    /** {@link #step}; with {@code decodePath} false a one-token step takes the general path (to compare the two). */
    NDArray step(ParameterStore ps, NDArray inputIds, DecoderCache cache, boolean lastOnly, boolean decodePath) {
        if (!(cache instanceof KvCache kv)) throw new IllegalArgumentException("cache was not made by this model");
        NDManager m = inputIds.getManager();
        long t = inputIds.getShape().get(1);
        long past = kv.length();
        if (t == 1 && decodePath) {
            NDArray out = decode(ps, inputIds, kv, m, past);
            kv.advance(1);
            return out;
        }
        NDArray mask = t == 1 ? null : Attention.causalMask(m, past, t);
        NDArray out = run(ps, inputIds, rotary.tables(m, past, t, DataType.FLOAT32), mask, kv, lastOnly, false);
        kv.advance((int) t);
        return out;
    }

    /**
     * One new position per row, the decoding step: {@link #run}'s values through the layers' decode paths, which
     * take fewer ops (decoding a token is a long chain of small ops, each with a fixed cost).
     */
    private NDArray decode(ParameterStore ps, NDArray ids, KvCache cache, NDManager m, long past) {
        NDList rope = rotary.decodingTables(m, past, DataType.FLOAT32);
        NDList[] general = new NDList[1]; // the general path's tables, made only if a layer falls back to it
        Supplier<NDList> generalRope = () -> general[0] != null ? general[0]
                : (general[0] = rotary.tables(m, past, 1, DataType.FLOAT32));
        NDArray h = Casts.toFloat32(embed.apply(ps, ids, false));
        for (int i = 0; i < layers.size(); i++) h = layers.get(i).decode(ps, h, rotary, rope, generalRope, cache, i);
        return headDecoding(ps, h);
    }

    private NDArray run(ParameterStore ps, NDArray ids, NDList rope, NDArray mask, KvCache cache, boolean lastOnly,
            boolean training) {
        NDArray h = Casts.toFloat32(embed.apply(ps, ids, training)); // the residual stream is float32 in every dtype
        for (int i = 0; i < layers.size(); i++) {
            h = layers.get(i).apply(ps, h, rotary, rope, mask, cache, i, training);
        }
        if (lastOnly) {
            long t = h.getShape().get(1);
            h = h.get(new NDIndex().addAllDim().addSliceDim(t - 1, t));
        }
        return head(ps, h, training);
    }

    @Override
    protected void initializeChildBlocks(NDManager m, DataType dataType, Shape... inputShapes) {
        Shape ids = inputShapes[0];
        Shape hidden = new Shape(ids.get(0), ids.get(1), config.hiddenSize());
        for (DenseLayer l : layers) l.initialize(m, dataType, hidden);
        initializeEnds(m, dataType, ids, hidden);
    }

    @Override
    public void close() {
        rotary.close();
        super.close();
    }

    @Override
    public String toString() {
        return "DenseDecoder(" + config.architecture().modelType() + ", layers=" + layers.size() + ", hidden="
                + config.hiddenSize() + ", dtype=" + dtype + ")";
    }
}
