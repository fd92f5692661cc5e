package dev.smelt.converter.onnx;

import dev.smelt.converter.onnx.GraphBuilder.Graph;
import dev.smelt.core.model.DenseConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.Function;

/**
 * The llama / qwen2 / qwen3 decoder ({@code --optimize}) over onnxruntime's fused contrib ops, as onnxruntime-genai's
 * builder lays decoders out: {@code SimplifiedLayerNormalization} (RMSNorm; ORT registers it in the default domain)
 * for the first norm, com.microsoft {@code SkipSimplifiedLayerNormalization} for every later norm (the residual
 * add fused, its fourth output carrying the residual on), com.microsoft {@code RotaryEmbedding} (rotate-half,
 * {@code position_ids} indexing cos/sin caches {@code [max_position_embeddings, head_dim/2]} computed in Java from the
 * same inverse frequencies, scaled variants included), com.microsoft {@code GroupQueryAttention} (BNSH past in,
 * {@code present.*} out, {@code seqlens_k} = Σmask − 1 and {@code total_sequence_length} from
 * {@code attention_mask}), and {@code MatMulNBits} for 4-bit projections (else {@code MatMul} against the
 * transposed weight). Same inputs, outputs and names as {@link DenseDecoderGraph}. Float32 activations only.
 */
public final class OptimizedDenseGraph {
    private final GraphBuilder g = new GraphBuilder();
    private final DenseConfig c;
    private final Function<String, Weight> weights;
    private final Function<String, Weight[]> int4;
    private final float eps;

    private OptimizedDenseGraph(DenseConfig c, Function<String, Weight> weights, Function<String, Weight[]> int4) {
        this.c = c;
        this.weights = weights;
        this.int4 = int4;
        this.eps = (float) c.rmsNormEps();
    }

    /**
     * @param weights the HF tensor of a name as float32
     * @param int4    null for float projections; else a projection weight's {@code MatMulNBits} B and scales
     */
    public static Graph build(DenseConfig c, Function<String, Weight> weights, Function<String, Weight[]> int4) {
        return new OptimizedDenseGraph(c, weights, int4).graph();
    }

    private Graph graph() {
        Dim batch = Dim.named(DecoderIo.BATCH);
        Dim seq = Dim.named(DecoderIo.SEQUENCE);
        Dim past = Dim.named(DecoderIo.PAST_SEQUENCE);
        Dim total = Dim.named(DecoderIo.TOTAL_SEQUENCE);
        Dim kvHeads = Dim.of(c.numKvHeads());
        Dim headDim = Dim.of(c.headDim());
        String ids = g.input(DecoderIo.INPUT_IDS, ElementType.INT64, batch, seq);
        String mask = g.input(DecoderIo.ATTENTION_MASK, ElementType.INT64, batch, total);
        String positions = g.input(DecoderIo.POSITION_IDS, ElementType.INT64, batch, seq);
        String[] pastKeys = new String[c.numLayers()];
        String[] pastValues = new String[c.numLayers()];
        for (int l = 0; l < c.numLayers(); l++) {
            pastKeys[l] = g.input(DecoderIo.pastKey(l), ElementType.FLOAT, batch, kvHeads, past, headDim);
            pastValues[l] = g.input(DecoderIo.pastValue(l), ElementType.FLOAT, batch, kvHeads, past, headDim);
        }
        // GroupQueryAttention's lengths, as onnxruntime-genai computes them: seqlens_k [B] = Σmask − 1, total scalar
        List<Attr> toInt32 = List.of(Attr.i("to", ElementType.INT32.code()));
        String seqlensK = g.op("Cast", toInt32, g.op("Sub",
                g.op("ReduceSum", List.of(Attr.i("keepdims", 0)), mask, g.int64s(1)), g.int64Scalar(1)));
        String totalLength = g.op("Cast", toInt32, g.op("Gather", List.of(Attr.i("axis", 0)), g.op("Shape", mask),
                g.int64Scalar(1)));
        String[] caches = ropeCaches();

        Weight embed = weights.apply("model.embed_tokens.weight");
        String embedding = g.weight(embed);
        String h = g.op("Gather", List.of(Attr.i("axis", 0)), embedding, ids); // [B, S, hidden]
        String x = g.op("SimplifiedLayerNormalization", List.of(Attr.i("axis", -1), Attr.f("epsilon", eps)), h,
                weight("model.layers.0.input_layernorm.weight"));
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            String attn = attention(l, p + "self_attn.", x, positions, caches, seqlensK, totalLength, pastKeys[l], pastValues[l]);
            String[] n = skipNorm(attn, h, p + "post_attention_layernorm.weight");
            x = n[0];
            h = n[1];
            String next = l + 1 < c.numLayers() ? "model.layers." + (l + 1) + ".input_layernorm.weight" : "model.norm.weight";
            n = skipNorm(mlp(p + "mlp.", x), h, next);
            x = n[0];
            h = n[1];
        }
        String logits = !c.tieWordEmbeddings() ? linear(x, "lm_head", false)
                : g.op("MatMul", x, g.op("Transpose", List.of(Attr.ints("perm", 1, 0)), embedding));
        g.opNamed(DecoderIo.LOGITS, "Identity", List.of(), logits);
        g.output(DecoderIo.LOGITS, ElementType.FLOAT, batch, seq, Dim.of(c.vocabSize()));
        for (int l = 0; l < c.numLayers(); l++) {
            g.output(DecoderIo.presentKey(l), ElementType.FLOAT, batch, kvHeads, total, headDim);
            g.output(DecoderIo.presentValue(l), ElementType.FLOAT, batch, kvHeads, total, headDim);
        }
        return g.build(c.architecture().modelType());
    }

    /** {@code SkipSimplifiedLayerNormalization(delta, residual, w)}: the normalised sum and the sum itself. */
    private String[] skipNorm(String delta, String residual, String weightName) {
        String[] out = g.contribOpOutputs("SkipSimplifiedLayerNormalization", List.of(Attr.f("epsilon", eps)),
                new boolean[] {true, false, false, true}, delta, residual, weight(weightName));
        return new String[] {out[0], out[3]};
    }

    /** cos and sin caches {@code [max_position_embeddings, head_dim/2]} (float32, the attention factor applied). */
    private String[] ropeCaches() {
        RopeFrequencies f = RopeFrequencies.of(c.headDim(), c.ropeTheta(), c.ropeScaling(), c.maxPositionEmbeddings());
        float[] inv = f.inverse();
        int rows = c.maxPositionEmbeddings();
        long[] dims = {rows, inv.length};
        String[] names = {"rope.cos_cache", "rope.sin_cache"};
        for (int which = 0; which < 2; which++) {
            boolean cos = which == 0;
            g.weight(new Weight(names[which], ElementType.FLOAT, dims, sink -> {
                ByteBuffer b = ByteBuffer.allocate(inv.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (int pos = 0; pos < rows; pos++) {
                    b.clear();
                    for (float fr : inv) {
                        float angle = pos * fr; // float32 position × frequency, as the standard-op graph computes it
                        b.putFloat((float) (cos ? Math.cos(angle) : Math.sin(angle)) * f.attentionFactor());
                    }
                    sink.write(b.array(), 0, b.capacity());
                }
            }));
        }
        return names;
    }

    private String attention(int layer, String p, String x, String positions, String[] caches, String seqlensK,
            String totalLength, String pastKey, String pastValue) {
        String q = linear(x, p + "q_proj", c.qkvBias()); // [B, S, H·D]
        String k = linear(x, p + "k_proj", c.qkvBias());
        String v = linear(x, p + "v_proj", c.qkvBias());
        if (c.qkNorm()) {
            q = headNorm(q, c.numHeads(), p + "q_norm.weight");
            k = headNorm(k, c.numKvHeads(), p + "k_norm.weight");
        }
        q = g.contribOp("RotaryEmbedding", List.of(Attr.i("interleaved", 0), Attr.i("num_heads", c.numHeads())),
                q, positions, caches[0], caches[1]);
        k = g.contribOp("RotaryEmbedding", List.of(Attr.i("interleaved", 0), Attr.i("num_heads", c.numKvHeads())),
                k, positions, caches[0], caches[1]);
        String[] out = g.contribOpNamed("GroupQueryAttention", List.of(Attr.i("num_heads", c.numHeads()),
                        Attr.i("kv_num_heads", c.numKvHeads()), Attr.f("scale", (float) (1.0 / Math.sqrt(c.headDim())))),
                new String[] {null, DecoderIo.presentKey(layer), DecoderIo.presentValue(layer)},
                q, k, v, pastKey, pastValue, seqlensK, totalLength);
        return linear(out[0], p + "o_proj", c.outputBias());
    }

    /** RMSNorm per head of {@code [B, S, heads·D]} (qwen3's q/k norms). */
    private String headNorm(String x, int heads, String weightName) {
        String perHead = g.op("Reshape", x, g.int64s(0, 0, heads, c.headDim()));
        String normed = g.op("SimplifiedLayerNormalization", List.of(Attr.i("axis", -1), Attr.f("epsilon", eps)), perHead,
                weight(weightName));
        return g.op("Reshape", normed, g.int64s(0, 0, (long) heads * c.headDim()));
    }

    private String mlp(String p, String x) {
        String gate = linear(x, p + "gate_proj", c.mlpBias());
        String up = linear(x, p + "up_proj", c.mlpBias());
        String silu = g.op("Mul", gate, g.op("Sigmoid", gate));
        return linear(g.op("Mul", silu, up), p + "down_proj", c.mlpBias());
    }

    /** {@code x · Wᵀ (+ b)} on {@code [B, S, in]}: MatMulNBits for 4-bit weights, else MatMul on the transposed weight. */
    private String linear(String x, String module, boolean bias) {
        Weight source = weights.apply(module + ".weight");
        long n = source.dims()[0];
        long k = source.dims()[1];
        String y;
        if (int4 != null && k % Int4Packing.BLOCK == 0) {
            y = QuantizedProjection.apply(g, x, int4.apply(module + ".weight"), n, k);
        } else {
            y = g.op("MatMul", x, g.op("Transpose", List.of(Attr.ints("perm", 1, 0)), g.weight(source)));
        }
        return bias ? g.op("Add", y, weight(module + ".bias")) : y;
    }

    private String weight(String name) {
        return g.weight(weights.apply(name));
    }
}
