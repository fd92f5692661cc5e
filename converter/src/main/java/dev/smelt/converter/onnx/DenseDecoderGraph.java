package dev.smelt.converter.onnx;

import dev.smelt.converter.onnx.GraphBuilder.Graph;
import dev.smelt.core.model.DenseConfig;
import java.util.List;
import java.util.function.Function;

/**
 * The llama / qwen2 / qwen3 decoder as one ONNX graph over standard ai.onnx ops (opset 18), computing what
 * Smelt's {@code DenseDecoder} computes: token embedding; per layer RMSNorm, q/k/v projections (qwen2 biases,
 * qwen3 per-head q/k RMSNorm), rotate-half RoPE from {@code position_ids} (cos/sin from the inverse frequencies,
 * scaled variants included), the past keys and values concatenated in front ({@code present.*} out), grouped-query
 * attention with the query heads of a group folded onto their KV head (K and V are never repeated), a causal and
 * padding mask built from {@code attention_mask}, softmax in float32, o_proj, SwiGLU MLP; final norm and LM head
 * (the embedding itself when tied, one initializer used by both Gather and Gemm).
 *
 * <p>Projections are {@code Gemm(x, W, b, transB=1)} on the {@code [B·S, hidden]} residual stream, so HF's
 * {@code [out, in]} weights are written as they are. With {@code FLOAT16} activations the graph rounds where Smelt's
 * fp16 forward does (the fp16 policy in the models and converter READMEs): the embedding, projection and LM head
 * matrices and the matmuls' inputs and outputs are float16; the residual stream, norms (float32 weights), biases,
 * rotary, softmax and the SwiGLU product are float32; keys and values are cached as float16 values; inputs and
 * outputs stay float32 (casts at the edges, as transformers.js's fp16 conversion keeps them).
 */
public final class DenseDecoderGraph {
    private static final float MASKED = -1e30f;

    private final GraphBuilder g = new GraphBuilder();
    private final DenseConfig c;
    private final ElementType act;
    private final Function<String, Weight> weights;
    private final Function<String, Weight> weights32;
    private final Function<String, Weight[]> int4;
    private final int rep;
    private final String lastAxis;

    private DenseDecoderGraph(DenseConfig c, ElementType act, Function<String, Weight> weights,
            Function<String, Weight> weights32, Function<String, Weight[]> int4) {
        this.c = c;
        this.act = act;
        this.weights = weights;
        this.weights32 = weights32;
        this.int4 = int4;
        this.rep = c.numHeads() / c.numKvHeads();
        this.lastAxis = g.int64s(-1);
    }

    /**
     * @param act     FLOAT or FLOAT16: the type of weights and activations
     * @param weights the HF tensor of a name, as a weight of type {@code act}
     * @param weights32 the HF tensor of a name as float32 (norm weights and, with FLOAT16 activations, biases)
     * @param int4    null for float projections; else a projection weight's {@code MatMulNBits} B and scales, or its int8
     *                codes and row scales ({@link QuantizedProjection})
     *                (projections whose input size is not a multiple of 32 stay float)
     */
    public static Graph build(DenseConfig c, ElementType act, Function<String, Weight> weights,
            Function<String, Weight> weights32, Function<String, Weight[]> int4) {
        if (act != ElementType.FLOAT && act != ElementType.FLOAT16) throw new IllegalArgumentException("activation type " + act);
        return new DenseDecoderGraph(c, act, weights, weights32, int4).graph();
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

        // sizes: B and S (1-D, for shape vectors), S and T = past + S (scalars, for Range)
        String idsShape = g.op("Shape", ids);
        String b1 = g.op("Gather", List.of(Attr.i("axis", 0)), idsShape, g.int64s(0));
        String s1 = g.op("Gather", List.of(Attr.i("axis", 0)), idsShape, g.int64s(1));
        String s = g.op("Gather", List.of(Attr.i("axis", 0)), idsShape, g.int64Scalar(1));
        String t = g.op("Gather", List.of(Attr.i("axis", 0)), g.op("Shape", mask), g.int64Scalar(1));
        String attentionMask = attentionMask(mask, s, t);
        String[] rope = rope(positions);

        String embedding = weights.apply("model.embed_tokens.weight").name();
        g.weight(weights.apply("model.embed_tokens.weight"));
        // the residual stream is float32 in every dtype (float16 only where a projection reads it)
        String h = toFloat(g.op("Gather", List.of(Attr.i("axis", 0)), embedding, ids));
        h = g.op("Reshape", h, g.int64s(-1, c.hiddenSize()));
        String qShape = g.op("Concat", List.of(Attr.i("axis", 0)), b1, s1, g.int64s(c.numHeads(), c.headDim()));
        String kvShape = g.op("Concat", List.of(Attr.i("axis", 0)), b1, s1, g.int64s(c.numKvHeads(), c.headDim()));
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            String x = rmsNorm(h, p + "input_layernorm.weight");
            String attn = attention(l, p + "self_attn.", x, qShape, kvShape, rope, attentionMask, pastKeys[l], pastValues[l]);
            h = g.op("Add", h, attn);
            x = rmsNorm(h, p + "post_attention_layernorm.weight");
            h = g.op("Add", h, mlp(p + "mlp.", x));
        }
        h = rmsNorm(h, "model.norm.weight");
        String logits = !c.tieWordEmbeddings() ? linear(h, "lm_head", false)
                : act == ElementType.FLOAT16 ? g.op("MatMul", h, g.op("Transpose", List.of(Attr.ints("perm", 1, 0)), embedding))
                : g.op("Gemm", List.of(Attr.i("transB", 1)), h, embedding);
        String logitsShape = g.op("Concat", List.of(Attr.i("axis", 0)), b1, s1, g.int64s(c.vocabSize()));
        logits = g.op("Reshape", logits, logitsShape);
        toFloatOutput(logits, DecoderIo.LOGITS);
        g.output(DecoderIo.LOGITS, ElementType.FLOAT, batch, seq, Dim.of(c.vocabSize()));
        for (int l = 0; l < c.numLayers(); l++) {
            g.output(DecoderIo.presentKey(l), ElementType.FLOAT, batch, kvHeads, total, headDim);
            g.output(DecoderIo.presentValue(l), ElementType.FLOAT, batch, kvHeads, total, headDim);
        }
        return g.build(c.architecture().modelType());
    }

    /**
     * Additive float32 mask {@code [B, 1, 1, S, T]} (broadcast over KV heads and the query heads of a group): query
     * i (absolute position T − S + i) sees key j when j ≤ T − S + i and {@code attention_mask[b, j]} is 1.
     */
    private String attentionMask(String mask, String s, String t) {
        String zero = g.int64Scalar(0);
        String one = g.int64Scalar(1);
        String queryPositions = g.op("Range", g.op("Sub", t, s), t, one);
        String keyPositions = g.op("Range", zero, t, one);
        String causal = g.op("LessOrEqual", g.op("Unsqueeze", keyPositions, g.int64s(0)),
                g.op("Unsqueeze", queryPositions, g.int64s(1))); // [S, T]
        String padding = g.op("Unsqueeze", g.op("Cast", List.of(Attr.i("to", ElementType.BOOL.code())), mask),
                g.int64s(1, 2, 3)); // [B, 1, 1, 1, T]
        String allowed = g.op("And", causal, padding);
        return g.op("Where", allowed, g.floatScalar(ElementType.FLOAT, 0f), g.floatScalar(ElementType.FLOAT, MASKED));
    }

    /** cos and sin {@code [B, 1, S, D]} in float32, from float32 position × inverse frequency. */
    private String[] rope(String positions) {
        RopeFrequencies f = RopeFrequencies.of(c.headDim(), c.ropeTheta(), c.ropeScaling(), c.maxPositionEmbeddings());
        String pos = g.op("Unsqueeze", g.op("Cast", List.of(Attr.i("to", ElementType.FLOAT.code())), positions), g.int64s(2));
        String freqs = g.op("Mul", pos, g.floats(ElementType.FLOAT, f.inverse())); // [B, S, D/2]
        String angles = g.op("Concat", List.of(Attr.i("axis", -1)), freqs, freqs);
        String cos = g.op("Cos", angles);
        String sin = g.op("Sin", angles);
        if (f.attentionFactor() != 1f) {
            String factor = g.floatScalar(ElementType.FLOAT, f.attentionFactor());
            cos = g.op("Mul", cos, factor);
            sin = g.op("Mul", sin, factor);
        }
        String heads = g.int64s(1);
        return new String[] {g.op("Unsqueeze", cos, heads), g.op("Unsqueeze", sin, heads)};
    }

    private String attention(int layer, String p, String x, String qShape, String kvShape, String[] rope,
            String mask, String pastKey, String pastValue) {
        String q = g.op("Reshape", project(x, p + "q_proj", c.qkvBias()), qShape); // [B, S, H, D]
        String k = g.op("Reshape", project(x, p + "k_proj", c.qkvBias()), kvShape);
        String v = g.op("Reshape", c.qkvBias() ? toAct(project(x, p + "v_proj", true)) : linear(x, p + "v_proj", false), kvShape);
        // q/k norms, rotary and the query scale in float32; q and k rounded to the activation type once, after them
        if (c.qkNorm()) {
            q = rmsNorm(q, p + "q_norm.weight", ElementType.FLOAT);
            k = rmsNorm(k, p + "k_norm.weight", ElementType.FLOAT);
        }
        List<Attr> toHeads = List.of(Attr.ints("perm", 0, 2, 1, 3));
        q = applyRope(g.op("Transpose", toHeads, q), rope);
        k = toAct(applyRope(g.op("Transpose", toHeads, k), rope));
        v = g.op("Transpose", toHeads, v);
        List<Attr> seqAxis = List.of(Attr.i("axis", 2));
        k = g.op("Concat", seqAxis, toAct(pastKey), k); // [B, Hkv, T, D]
        v = g.op("Concat", seqAxis, toAct(pastValue), v);
        toFloatOutput(k, DecoderIo.presentKey(layer));
        toFloatOutput(v, DecoderIo.presentValue(layer));

        // query head h reads KV head h / rep: fold the rep query heads of a group next to their KV head
        String scale = g.floatScalar(ElementType.FLOAT, (float) (1.0 / Math.sqrt(c.headDim())));
        String qg = g.op("Reshape", toAct(g.op("Mul", q, scale)), g.int64s(0, c.numKvHeads(), rep, -1, c.headDim()));
        String kg = g.op("Unsqueeze", k, g.int64s(2)); // [B, Hkv, 1, T, D]
        String vg = g.op("Unsqueeze", v, g.int64s(2));
        String scores = g.op("MatMul", qg, g.op("Transpose", List.of(Attr.ints("perm", 0, 1, 2, 4, 3)), kg));
        scores = g.op("Add", toFloat(scores), mask);
        String probs = toAct(g.op("Softmax", List.of(Attr.i("axis", -1)), scores));
        String out = g.op("MatMul", probs, vg); // [B, Hkv, rep, S, D]
        out = g.op("Reshape", out, g.int64s(0, c.numHeads(), -1, c.headDim()));
        out = g.op("Transpose", toHeads, out);
        out = g.op("Reshape", out, g.int64s(-1, (long) c.numHeads() * c.headDim()));
        return project(out, p + "o_proj", c.outputBias());
    }

    /** rotate-half RoPE on a float32 {@code [B, H, S, D]}. */
    private String applyRope(String x, String[] rope) {
        String[] halves = g.opMulti("Split", 2, List.of(Attr.i("axis", -1), Attr.i("num_outputs", 2)), x);
        String rotated = g.op("Concat", List.of(Attr.i("axis", -1)), g.op("Neg", halves[1]), halves[0]);
        return g.op("Add", g.op("Mul", x, rope[0]), g.op("Mul", rotated, rope[1]));
    }

    /** SwiGLU (float32 out); silu(gate) · up in float32, rounded to the activation type once for down_proj. */
    private String mlp(String p, String x) {
        String gate = project(x, p + "gate_proj", c.mlpBias());
        String up = project(x, p + "up_proj", c.mlpBias());
        String silu = g.op("Mul", gate, g.op("Sigmoid", gate));
        return project(toAct(g.op("Mul", silu, up)), p + "down_proj", c.mlpBias());
    }

    /**
     * {@link #linear} as float32: with FLOAT16 activations the float16 product is widened and the bias (a float32
     * initializer) added in float32. The Cast between them also keeps onnxruntime from fusing MatMul + Add into its
     * float16 {@code Gemm}, whose CPU kernel is the less accurate one.
     */
    private String project(String x, String module, boolean bias) {
        if (act == ElementType.FLOAT) return linear(x, module, bias);
        String y = toFloat(linear(x, module, false));
        return bias ? g.op("Add", y, g.weight(weights32.apply(module + ".bias"))) : y;
    }

    /**
     * {@code x · W^T (+ b)} on a 2-D input, with HF's {@code [out, in]} weight as it is: {@code Gemm(transB=1)}, or
     * com.microsoft {@code MatMulNBits} (whose B is also {@code [out, in]}-major) for 4-bit weights. Float16 weights
     * go through {@code MatMul(x, Transpose(W))} instead (onnxruntime folds the Transpose into a transposed
     * initializer at load, the same size): onnxruntime 1.29's CPU float16 {@code Gemm} is markedly less accurate
     * than its float16 {@code MatMul} (measured in {@code OnnxParityIT}: llama fp16 logits 0.066 from Smelt's with
     * Gemm, 0.032 with MatMul, 0.031 with the projections computed in float32).
     */
    private String linear(String x, String module, boolean bias) {
        Weight source = weights.apply(module + ".weight");
        long n = source.dims()[0];
        long k = source.dims()[1];
        if (int4 != null) {
            Weight[] q = int4.apply(module + ".weight");
            if (QuantizedProjection.int8(q) || k % Int4Packing.BLOCK == 0) {
                String y = QuantizedProjection.apply(g, x, q, n, k);
                return bias ? g.op("Add", y, weight(module + ".bias")) : y;
            }
        }
        String w = g.weight(source);
        List<Attr> transB = List.of(Attr.i("transB", 1));
        if (act == ElementType.FLOAT16) {
            String y = g.op("MatMul", x, g.op("Transpose", List.of(Attr.ints("perm", 1, 0)), w));
            return bias ? g.op("Add", y, weight(module + ".bias")) : y;
        }
        return bias ? g.op("Gemm", transB, x, w, weight(module + ".bias")) : g.op("Gemm", transB, x, w);
    }

    /**
     * {@code x · (mean(x²) + eps)^-½ · w} over the last axis of a float32 {@code x}, all in float32 with the float32
     * weight, cast to the activation type once at the end.
     */
    private String rmsNorm(String xf, String weightName) {
        return rmsNorm(xf, weightName, act);
    }

    /** As {@link #rmsNorm(String, String)}, the result in {@code out} (FLOAT or the activation type). */
    private String rmsNorm(String xf, String weightName, ElementType out) {
        String mean = g.op("ReduceMean", List.of(Attr.i("keepdims", 1)), g.op("Mul", xf, xf), lastAxis);
        String inv = g.op("Pow", g.op("Add", mean, g.floatScalar(ElementType.FLOAT, (float) c.rmsNormEps())),
                g.floatScalar(ElementType.FLOAT, -0.5f));
        String y = g.op("Mul", g.op("Mul", xf, inv), g.weight(weights32.apply(weightName)));
        return out == ElementType.FLOAT ? y : toAct(y);
    }

    private String weight(String name) {
        return g.weight(weights.apply(name));
    }

    private String toFloat(String x) {
        return act == ElementType.FLOAT ? x : g.op("Cast", List.of(Attr.i("to", ElementType.FLOAT.code())), x);
    }

    private String toAct(String x) {
        return act == ElementType.FLOAT ? x : g.op("Cast", List.of(Attr.i("to", act.code())), x);
    }

    /** Gives {@code x} the graph output name {@code name}, cast to float32 on the way when needed. */
    private void toFloatOutput(String x, String name) {
        if (act == ElementType.FLOAT) g.opNamed(name, "Identity", List.of(), x);
        else g.opNamed(name, "Cast", List.of(Attr.i("to", ElementType.FLOAT.code())), x);
    }
}
