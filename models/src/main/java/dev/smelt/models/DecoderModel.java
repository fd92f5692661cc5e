package dev.smelt.models;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.privacy.DjlTelemetry;
import dev.smelt.models.nn.Attention;
import dev.smelt.models.nn.Linear;
import dev.smelt.models.nn.Positions;
import dev.smelt.models.nn.RmsNorm;
import dev.smelt.models.nn.RowBlocks;
import dev.smelt.models.nn.TokenEmbedding;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What every decoder architecture shares: the config, the manager owning the weights, the token embedding, the
 * final norm and the (possibly tied) LM head, the map of projections for adapters, and the {@link CausalLM}
 * plumbing around {@link #logits}. Subclasses add their layers and the forward pass between embedding and head.
 */
public abstract class DecoderModel<C extends ModelConfig> extends AbstractBlock implements CausalLM {
    static {
        DjlTelemetry.disable(); // before this class creates DJL objects
    }

    protected final C config;
    protected final NDManager manager;
    protected final DataType dtype;
    protected final TokenEmbedding embed;
    protected RmsNorm norm;
    protected Linear lmHead; // null when tied to the embedding
    private final RowBlocks tiedHead = new RowBlocks();
    /** Every projection by HF module path; subclasses fill it in layer order, then {@link #addHead} adds lm_head. */
    protected final Map<String, Linear> linears = new LinkedHashMap<>();

    protected DecoderModel(C config, NDManager manager, DataType dtype, String embedName) {
        this.config = config;
        this.manager = manager;
        this.dtype = dtype;
        this.embed = addChildBlock("embed_tokens", new TokenEmbedding(embedName, config.vocabSize(), config.hiddenSize()));
    }

    /** Adds the final norm and, unless the embedding is tied, the LM head; call after the layers. */
    protected final void addHead(RmsNorm finalNorm) {
        norm = addChildBlock("norm", finalNorm);
        lmHead = config.tieWordEmbeddings() ? null
                : addChildBlock("lm_head", new Linear("lm_head", config.hiddenSize(), config.vocabSize(), false));
        if (lmHead != null) linears.put(lmHead.moduleName(), lmHead);
    }

    /**
     * Position ids of a full forward: {@code positionIds} when given, else 0..T-1, or restarting at every segment
     * when {@code segmentIds} (packing) are given. Checks that the ids are {@code [B, T]}.
     */
    protected static NDArray positionsFor(NDArray inputIds, NDArray positionIds, NDArray segmentIds) {
        Shape s = inputIds.getShape();
        if (s.dimension() != 2) throw new IllegalArgumentException("input ids must be [B, T], got " + s);
        if (positionIds != null) return positionIds;
        if (segmentIds != null) return Positions.restartPerSegment(segmentIds);
        long t = s.get(1);
        return inputIds.getManager().arange(0, t, 1, DataType.INT64).reshape(1, t);
    }

    /** Attention mask of a full forward: causal over the row, or within each segment when packed. */
    protected static NDArray maskFor(NDArray inputIds, NDArray segmentIds) {
        return segmentIds != null ? Attention.segmentMask(segmentIds)
                : Attention.causalMask(inputIds.getManager(), 0, inputIds.getShape().get(1));
    }

    /**
     * Final norm and LM head (the embedding's transpose when tied): hidden {@code [B, T, H]} (the float32 residual
     * stream) → logits in the model's dtype.
     */
    protected final NDArray head(ParameterStore ps, NDArray h, boolean training) {
        h = norm.apply(ps, h, dtype, training);
        if (lmHead != null) return lmHead.apply(ps, h, training);
        NDArray w = ps.getValue(embed.weight(), h.getDevice(), training);
        return ai.djl.nn.core.Linear.linear(h, w).singletonOrThrow();
    }

    /** {@link #head} for inference: the final norm with fewer ops, the product over the intra-op threads. */
    protected final NDArray headDecoding(ParameterStore ps, NDArray h) {
        h = norm.decode(ps, h, dtype);
        if (lmHead != null) return lmHead.decode(ps, h);
        return tiedHead.project(h, ps.getValue(embed.weight(), h.getDevice(), false), null);
    }

    /** The token embedding (also the LM head when tied). */
    public TokenEmbedding embedding() {
        return embed;
    }

    @Override
    public C config() {
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
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(logits(ps, CausalLM.input(inputs, INPUT_IDS, 0), CausalLM.input(inputs, POSITION_IDS, 1),
                CausalLM.input(inputs, SEGMENT_IDS, 2), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), in.get(1), config.vocabSize())};
    }

    /** Initialises the embedding, the final norm and the head; subclasses initialise their layers in between. */
    protected final void initializeEnds(NDManager m, DataType dataType, Shape ids, Shape hidden) {
        embed.initialize(m, dataType, ids);
        norm.initialize(m, dataType, hidden);
        if (lmHead != null) lmHead.initialize(m, dataType, hidden);
    }

    @Override
    public void close() {
        manager.close();
    }
}
