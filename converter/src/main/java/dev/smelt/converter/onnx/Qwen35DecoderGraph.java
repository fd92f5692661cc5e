package dev.smelt.converter.onnx;

import dev.smelt.converter.onnx.GraphBuilder.Graph;
import dev.smelt.core.model.LayerType;
import dev.smelt.core.model.Qwen35Config;
import java.util.List;
import java.util.function.Function;

/**
 * The Qwen3.5 hybrid text decoder as one ONNX graph over standard ai.onnx ops (opset 18), computing what Smelt's
 * {@code models.qwen35} computes. Full-attention layers carry keys and values as the dense decoders do
 * ({@code past_key_values.{i}.key/.value} → {@code present.{i}.*}); Gated DeltaNet layers carry
 * {@code past_conv.{i}} {@code [batch_size, conv_dim, K−1]} (the last K−1 conv inputs, before the activation) and
 * {@code past_recurrent.{i}} {@code [batch_size, Hv, dk, dv]} (float32) to {@code present_conv.{i}} /
 * {@code present_recurrent.{i}}: transformers.js's names, every dim but the batch numeric so its empty first-step
 * states get the right shape.
 *
 * <ul>
 *   <li>Norms are (1+w) RMSNorms (the +1 added in the graph); full attention: q_proj yields query and output gate
 *       per head, (1+w) q/k norms, partial rotary (the first {@code rotaryDim} channels, rotate-half) whose
 *       frequencies read the three {@code position_ids [3, batch, seq]} streams interleaved as mRoPE does, GQA
 *       as in {@link DenseDecoderGraph}, the output times sigmoid(gate), o_proj.</li>
 *   <li>Gated DeltaNet: in_proj_qkv/z/b/a; the causal depthwise conv as {@code Conv(group = channels)} over the
 *       past conv state concatenated in front, then SiLU; per-head L2-normalised q (× dk^-½) and k, K heads shared
 *       by Hv/Hk consecutive V heads; β = sigmoid(b), g = −exp(A_log)·softplus(a + dt_bias); the gated delta rule
 *       as a {@code Scan} over time steps whose body does one token's update (prefill runs the sequence, decode one
 *       step); the gated RMSNorm (plain weight) × silu(z); out_proj.</li>
 *   <li>The conv, the recurrence and its gates (in_proj_a / in_proj_b, float32 weights), the norms, rotary,
 *       softmax, the output gate and the SwiGLU product run in float32 whatever the weight type; with FLOAT16
 *       activations the other projections and the attention matmuls are float16, the residual stream stays float32,
 *       inputs and outputs are float32: the rounding points of Smelt's fp16 forward (the fp16 policy in the models
 *       and converter READMEs).</li>
 * </ul>
 */
public final class Qwen35DecoderGraph {
    private static final float MASKED = -1e30f;

    private final GraphBuilder g = new GraphBuilder();
    private final Qwen35Config c;
    private final ElementType act;
    private final Function<String, Weight> weights;
    private final Function<String, Weight> weights32;
    private final Function<String, Weight[]> int4;
    private final boolean fused;
    private final boolean embedsIn;
    private String seqlensK;
    private String totalLength;
    private final String lastAxis;
    private final String one;

    private Qwen35DecoderGraph(Qwen35Config c, ElementType act, Function<String, Weight> weights,
            Function<String, Weight> weights32, Function<String, Weight[]> int4, boolean fused, boolean embedsIn) {
        this.c = c;
        this.fused = fused;
        this.embedsIn = embedsIn;
        this.act = act;
        this.weights = weights;
        this.weights32 = weights32;
        this.int4 = int4;
        this.lastAxis = g.int64s(-1);
        this.one = g.floatScalar(ElementType.FLOAT, 1f);
    }

    /** Graph input names of a Gated DeltaNet layer's conv state. */
    public static String pastConv(int layer) {
        return "past_conv." + layer;
    }

    public static String pastRecurrent(int layer) {
        return "past_recurrent." + layer;
    }

    public static String presentConv(int layer) {
        return "present_conv." + layer;
    }

    public static String presentRecurrent(int layer) {
        return "present_recurrent." + layer;
    }

    /**
     * @param act       FLOAT or FLOAT16: the type of projection weights and activations
     * @param weights   the HF tensor of a name, as a weight of type {@code act}
     * @param weights32 the HF tensor of a name as float32 (conv kernel, A_log, dt_bias, norms; with FLOAT16
     *                  activations in_proj_a / in_proj_b too)
     * @param int4      null for float projections; else a projection's {@code MatMulNBits} B and scales, or int8 codes and
     *                  row scales ({@link QuantizedProjection})
     */
    public static Graph build(Qwen35Config c, ElementType act, Function<String, Weight> weights,
            Function<String, Weight> weights32, Function<String, Weight[]> int4) {
        return build(c, act, weights, weights32, int4, false);
    }

    /**
     * @param fused onnxruntime's contrib ops ({@code --optimize}, float32 activations only): com.microsoft
     *              {@code CausalConvWithState} (silu) and {@code LinearAttention} ({@code update_rule="gated_delta"},
     *              the K heads repeated to the V heads first, q pre-scaled, {@code scale=1}) for the Gated DeltaNet
     *              layers, {@code GroupQueryAttention} for the full-attention core (mRoPE, q/k norms and the output
     *              gate stay standard ops around it)
     */
    public static Graph build(Qwen35Config c, ElementType act, Function<String, Weight> weights,
            Function<String, Weight> weights32, Function<String, Weight[]> int4, boolean fused) {
        if (act != ElementType.FLOAT && act != ElementType.FLOAT16) throw new IllegalArgumentException("activation type " + act);
        if (fused && act != ElementType.FLOAT) throw new IllegalArgumentException("the fused graph computes in float32");
        return new Qwen35DecoderGraph(c, act, weights, weights32, int4, fused, false).graph();
    }

    /**
     * The image+text layout's {@code decoder_model_merged}: the same decoder taking {@code inputs_embeds
     * [batch_size, sequence_length, hidden]} (float32; from {@code embed_tokens}, image rows replaced by the vision
     * encoder's features) instead of {@code input_ids}.
     */
    public static Graph buildFromEmbeddings(Qwen35Config c, ElementType act, Function<String, Weight> weights,
            Function<String, Weight> weights32, Function<String, Weight[]> int4, boolean fused) {
        if (act != ElementType.FLOAT && act != ElementType.FLOAT16) throw new IllegalArgumentException("activation type " + act);
        if (fused && act != ElementType.FLOAT) throw new IllegalArgumentException("the fused graph computes in float32");
        return new Qwen35DecoderGraph(c, act, weights, weights32, int4, fused, true).graph();
    }

    /**
     * {@code embed_tokens}: {@code input_ids [batch_size, sequence_length]} → {@code inputs_embeds} (float32, as
     * {@code decoder_model_merged} takes it in every dtype); the table in the type {@code weights} gives (float16 for
     * fp16/q4f16), its gathered rows cast to float32.
     */
    public static Graph embedTokens(Qwen35Config c, Function<String, Weight> weights) {
        GraphBuilder b = new GraphBuilder();
        Dim batch = Dim.named(DecoderIo.BATCH);
        Dim seq = Dim.named(DecoderIo.SEQUENCE);
        String ids = b.input(DecoderIo.INPUT_IDS, ElementType.INT64, batch, seq);
        Weight w = weights.apply(c.weightPrefix() + "embed_tokens.weight");
        String table = b.weight(w);
        if (w.type() == ElementType.FLOAT) {
            b.opNamed(DecoderIo.INPUTS_EMBEDS, "Gather", List.of(Attr.i("axis", 0)), table, ids);
        } else {
            String rows = b.op("Gather", List.of(Attr.i("axis", 0)), table, ids);
            b.opNamed(DecoderIo.INPUTS_EMBEDS, "Cast", List.of(Attr.i("to", ElementType.FLOAT.code())), rows);
        }
        b.output(DecoderIo.INPUTS_EMBEDS, ElementType.FLOAT, batch, seq, Dim.of(c.hiddenSize()));
        return b.build("embed_tokens");
    }

    private Graph graph() {
        Dim batch = Dim.named(DecoderIo.BATCH);
        Dim seq = Dim.named(DecoderIo.SEQUENCE);
        Dim past = Dim.named(DecoderIo.PAST_SEQUENCE);
        Dim total = Dim.named(DecoderIo.TOTAL_SEQUENCE);
        Dim kvHeads = Dim.of(c.numKvHeads());
        Dim headDim = Dim.of(c.headDim());
        Dim convDim = Dim.of(c.linearConvDim());
        Dim convState = Dim.of(c.linearConvKernel() - 1);
        Dim hv = Dim.of(c.linearNumValueHeads());
        Dim dk = Dim.of(c.linearKeyHeadDim());
        Dim dv = Dim.of(c.linearValueHeadDim());
        String ids = embedsIn ? g.input(DecoderIo.INPUTS_EMBEDS, ElementType.FLOAT, batch, seq, Dim.of(c.hiddenSize()))
                : g.input(DecoderIo.INPUT_IDS, ElementType.INT64, batch, seq);
        String mask = g.input(DecoderIo.ATTENTION_MASK, ElementType.INT64, batch, total);
        String positions = g.input(DecoderIo.POSITION_IDS, ElementType.INT64, Dim.of(3), batch, seq);
        int layers = c.numLayers();
        String[][] pastIn = new String[layers][2];
        for (int l = 0; l < layers; l++) {
            if (c.layerTypes().get(l) == LayerType.LINEAR_ATTENTION) {
                pastIn[l][0] = g.input(pastConv(l), ElementType.FLOAT, batch, convDim, convState);
                pastIn[l][1] = g.input(pastRecurrent(l), ElementType.FLOAT, batch, hv, dk, dv);
            } else {
                pastIn[l][0] = g.input(DecoderIo.pastKey(l), ElementType.FLOAT, batch, kvHeads, past, headDim);
                pastIn[l][1] = g.input(DecoderIo.pastValue(l), ElementType.FLOAT, batch, kvHeads, past, headDim);
            }
        }

        String idsShape = g.op("Shape", ids);
        String b1 = g.op("Gather", List.of(Attr.i("axis", 0)), idsShape, g.int64s(0));
        String s1 = g.op("Gather", List.of(Attr.i("axis", 0)), idsShape, g.int64s(1));
        String s = g.op("Gather", List.of(Attr.i("axis", 0)), idsShape, g.int64Scalar(1));
        String t = g.op("Gather", List.of(Attr.i("axis", 0)), g.op("Shape", mask), g.int64Scalar(1));
        String attentionMask = attentionMask(mask, s, t);
        if (fused) {
            List<Attr> toInt32 = List.of(Attr.i("to", ElementType.INT32.code()));
            seqlensK = g.op("Cast", toInt32, g.op("Sub",
                    g.op("ReduceSum", List.of(Attr.i("keepdims", 0)), mask, g.int64s(1)), g.int64Scalar(1)));
            totalLength = g.op("Cast", toInt32, t);
        }
        String[] rope = rope(positions);

        String p0 = c.weightPrefix();
        String embedding = !embedsIn || c.tieWordEmbeddings() ? g.weight(weights.apply(p0 + "embed_tokens.weight")) : null;
        // the residual stream is float32 in every dtype (float16 only where a projection reads it)
        String h = embedsIn ? ids : toFloat(g.op("Gather", List.of(Attr.i("axis", 0)), embedding, ids));
        h = g.op("Reshape", h, g.int64s(-1, c.hiddenSize()));
        String qShape = g.op("Concat", List.of(Attr.i("axis", 0)), b1, s1, g.int64s(c.numHeads(),
                (c.attnOutputGate() ? 2L : 1L) * c.headDim()));
        String kvShape = g.op("Concat", List.of(Attr.i("axis", 0)), b1, s1, g.int64s(c.numKvHeads(), c.headDim()));
        String seqShape = g.op("Concat", List.of(Attr.i("axis", 0)), b1, s1, g.int64s(-1));
        for (int l = 0; l < layers; l++) {
            String p = p0 + "layers." + l + ".";
            String x = rmsNorm1p(h, p + "input_layernorm.weight");
            String mixed = c.layerTypes().get(l) == LayerType.LINEAR_ATTENTION
                    ? deltaNet(l, p + "linear_attn.", x, seqShape, pastIn[l][0], pastIn[l][1])
                    : attention(l, p + "self_attn.", x, qShape, kvShape, rope, attentionMask, pastIn[l][0], pastIn[l][1]);
            h = g.op("Add", h, toFloat(mixed));
            x = rmsNorm1p(h, p + "post_attention_layernorm.weight");
            h = g.op("Add", h, toFloat(mlp(p + "mlp.", x)));
        }
        h = rmsNorm1p(h, p0 + "norm.weight");
        String logits = !c.tieWordEmbeddings() ? linear(h, "lm_head")
                : act == ElementType.FLOAT16 ? g.op("MatMul", h, g.op("Transpose", List.of(Attr.ints("perm", 1, 0)), embedding))
                : g.op("Gemm", List.of(Attr.i("transB", 1)), h, embedding);
        String logitsShape = g.op("Concat", List.of(Attr.i("axis", 0)), b1, s1, g.int64s(c.vocabSize()));
        toFloatOutput(g.op("Reshape", logits, logitsShape), DecoderIo.LOGITS);
        g.output(DecoderIo.LOGITS, ElementType.FLOAT, batch, seq, Dim.of(c.vocabSize()));
        for (int l = 0; l < layers; l++) {
            if (c.layerTypes().get(l) == LayerType.LINEAR_ATTENTION) {
                g.output(presentConv(l), ElementType.FLOAT, batch, convDim, convState);
                g.output(presentRecurrent(l), ElementType.FLOAT, batch, hv, dk, dv);
            } else {
                g.output(DecoderIo.presentKey(l), ElementType.FLOAT, batch, kvHeads, total, headDim);
                g.output(DecoderIo.presentValue(l), ElementType.FLOAT, batch, kvHeads, total, headDim);
            }
        }
        return g.build(c.architecture().modelType());
    }

    /** Additive float32 mask {@code [B, 1, 1, S, T]}: causal over absolute positions and the padding mask. */
    private String attentionMask(String mask, String s, String t) {
        String zero = g.int64Scalar(0);
        String step = g.int64Scalar(1);
        String queryPositions = g.op("Range", g.op("Sub", t, s), t, step);
        String keyPositions = g.op("Range", zero, t, step);
        String causal = g.op("LessOrEqual", g.op("Unsqueeze", keyPositions, g.int64s(0)),
                g.op("Unsqueeze", queryPositions, g.int64s(1)));
        String padding = g.op("Unsqueeze", g.op("Cast", List.of(Attr.i("to", ElementType.BOOL.code())), mask),
                g.int64s(1, 2, 3));
        String allowed = g.op("And", causal, padding);
        return g.op("Where", allowed, g.floatScalar(ElementType.FLOAT, 0f), g.floatScalar(ElementType.FLOAT, MASKED));
    }

    /**
     * cos and sin {@code [B, 1, S, rotaryDim]} in float32. Frequency j reads position stream
     * 1 (height) when j ≡ 1 (mod 3) and j &lt; 3·section[1], stream 2 (width) when j ≡ 2 (mod 3) and
     * j &lt; 3·section[2], else stream 0 (Qwen3.5's interleaved mRoPE; text tokens have equal streams).
     */
    private String[] rope(String positions) {
        int half = c.rotaryDim() / 2;
        float[] inv = new float[half];
        float[] select = new float[3 * half];
        List<Integer> section = c.mropeSection();
        for (int j = 0; j < half; j++) {
            inv[j] = (float) (1.0 / Math.pow(c.ropeTheta(), (2.0 * j) / c.rotaryDim()));
            int stream = j % 3 == 1 && j < 3 * section.get(1) ? 1 : j % 3 == 2 && j < 3 * section.get(2) ? 2 : 0;
            select[stream * half + j] = 1f;
        }
        String pos = g.op("Unsqueeze", g.op("Cast", List.of(Attr.i("to", ElementType.FLOAT.code())), positions), g.int64s(3));
        String sel = g.op("Reshape", g.floats(ElementType.FLOAT, select), g.int64s(3, 1, 1, half));
        String picked = g.op("ReduceSum", List.of(Attr.i("keepdims", 0)), g.op("Mul", pos, sel), g.int64s(0)); // [B, S, half]
        String freqs = g.op("Mul", picked, g.floats(ElementType.FLOAT, inv));
        String angles = g.op("Concat", List.of(Attr.i("axis", -1)), freqs, freqs);
        String heads = g.int64s(1);
        return new String[] {g.op("Unsqueeze", g.op("Cos", angles), heads), g.op("Unsqueeze", g.op("Sin", angles), heads)};
    }

    private String attention(int layer, String p, String x, String qShape, String kvShape, String[] rope,
            String mask, String pastKey, String pastValue) {
        int heads = c.numHeads();
        int hd = c.headDim();
        String qg = linear(x, p + "q_proj");
        String q;
        String gate = null;
        if (c.attnOutputGate()) {
            String[] parts = g.opMulti("Split", 2, List.of(Attr.i("axis", -1), Attr.i("num_outputs", 2)),
                    g.op("Reshape", qg, qShape)); // [B, S, H, 2D] → query, gate
            q = parts[0];
            gate = g.op("Reshape", parts[1], g.int64s(-1, (long) heads * hd));
        } else {
            q = g.op("Reshape", qg, qShape);
        }
        // q/k norms, rotary and the query scale in float32; q and k rounded to the activation type once, after them
        q = rmsNorm1p(toFloat(q), p + "q_norm.weight", ElementType.FLOAT);
        String k = rmsNorm1p(toFloat(g.op("Reshape", linear(x, p + "k_proj"), kvShape)), p + "k_norm.weight", ElementType.FLOAT);
        String v = g.op("Reshape", linear(x, p + "v_proj"), kvShape);
        List<Attr> toHeads = List.of(Attr.ints("perm", 0, 2, 1, 3));
        q = partialRope(g.op("Transpose", toHeads, q), rope);
        k = toAct(partialRope(g.op("Transpose", toHeads, k), rope));
        if (fused) { // q and k back to [B, S, heads·D], v as projected
            String flat = g.int64s(0, 0, -1);
            String q3 = g.op("Reshape", g.op("Transpose", toHeads, q), flat);
            String k3 = g.op("Reshape", g.op("Transpose", toHeads, k), flat);
            String[] o = g.contribOpNamed("GroupQueryAttention", List.of(Attr.i("num_heads", heads),
                            Attr.i("kv_num_heads", c.numKvHeads()), Attr.f("scale", (float) (1.0 / Math.sqrt(hd)))),
                    new String[] {null, DecoderIo.presentKey(layer), DecoderIo.presentValue(layer)},
                    q3, k3, g.op("Reshape", v, flat), pastKey, pastValue, seqlensK, totalLength);
            String out = g.op("Reshape", o[0], g.int64s(-1, (long) heads * hd));
            if (gate != null) out = g.op("Mul", out, g.op("Sigmoid", gate));
            return linear(out, p + "o_proj");
        }
        v = g.op("Transpose", toHeads, v);
        List<Attr> seqAxis = List.of(Attr.i("axis", 2));
        k = g.op("Concat", seqAxis, toAct(pastKey), k);
        v = g.op("Concat", seqAxis, toAct(pastValue), v);
        toFloatOutput(k, DecoderIo.presentKey(layer));
        toFloatOutput(v, DecoderIo.presentValue(layer));

        int rep = heads / c.numKvHeads();
        String scale = g.floatScalar(ElementType.FLOAT, (float) (1.0 / Math.sqrt(hd)));
        String qgrp = g.op("Reshape", toAct(g.op("Mul", q, scale)), g.int64s(0, c.numKvHeads(), rep, -1, hd));
        String kg = g.op("Unsqueeze", k, g.int64s(2));
        String vg = g.op("Unsqueeze", v, g.int64s(2));
        String scores = g.op("MatMul", qgrp, g.op("Transpose", List.of(Attr.ints("perm", 0, 1, 2, 4, 3)), kg));
        scores = g.op("Add", toFloat(scores), mask);
        String probs = toAct(g.op("Softmax", List.of(Attr.i("axis", -1)), scores));
        String out = g.op("MatMul", probs, vg);
        out = g.op("Reshape", out, g.int64s(0, heads, -1, hd));
        out = g.op("Transpose", toHeads, out);
        out = g.op("Reshape", out, g.int64s(-1, (long) heads * hd));
        // the output gate in float32, rounded once for o_proj
        if (gate != null) out = toAct(g.op("Mul", toFloat(out), g.op("Sigmoid", toFloat(gate))));
        return linear(out, p + "o_proj");
    }

    /** Rotate-half RoPE on the first {@code rotaryDim} channels of {@code [B, H, S, D]}; the rest pass through. */
    private String partialRope(String x, String[] rope) {
        int rot = c.rotaryDim();
        int rest = c.headDim() - rot;
        String rotated = x;
        String pass = null;
        if (rest > 0) {
            String[] parts = g.opMulti("Split", 2, List.of(Attr.i("axis", -1)), x, g.int64s(rot, rest));
            rotated = parts[0];
            pass = parts[1];
        }
        String[] halves = g.opMulti("Split", 2, List.of(Attr.i("axis", -1), Attr.i("num_outputs", 2)), rotated);
        String turned = g.op("Concat", List.of(Attr.i("axis", -1)), g.op("Neg", halves[1]), halves[0]);
        String out = g.op("Add", g.op("Mul", rotated, rope[0]), g.op("Mul", turned, rope[1]));
        return pass == null ? out : g.op("Concat", List.of(Attr.i("axis", -1)), out, pass);
    }

    /** Gated DeltaNet on the normalised residual {@code x [B·S, hidden]}; returns {@code [B·S, hidden]}. */
    private String deltaNet(int layer, String p, String x, String seqShape, String pastConv, String pastState) {
        int hk = c.linearNumKeyHeads();
        int hv = c.linearNumValueHeads();
        int dk = c.linearKeyHeadDim();
        int dv = c.linearValueHeadDim();
        int kernel = c.linearConvKernel();
        long convDim = c.linearConvDim();
        // projections; the qkv channels go channels-first for the conv
        String mixed = toFloat(g.op("Reshape", linear(x, p + "in_proj_qkv"), seqShape)); // [B, S, C]
        String z = toFloat(linear(x, p + "in_proj_z"));
        String xf = toFloat(x);
        String beta = g.op("Reshape", g.op("Sigmoid", gateProjection(x, xf, p + "in_proj_b")), seqShape); // [B, S, Hv]
        String a = gateProjection(x, xf, p + "in_proj_a");
        String decay = g.op("Neg", g.op("Exp", weight32(p + "A_log")));
        String softplus = g.op("Softplus", g.op("Add", a, weight32(p + "dt_bias")));
        String gLog = g.op("Reshape", g.op("Mul", decay, softplus), seqShape); // [B, S, Hv]

        if (fused) {
            String[] cv = g.contribOpNamed("CausalConvWithState", List.of(Attr.s("activation", "silu"), Attr.i("ndim", 1)),
                    new String[] {null, presentConv(layer)},
                    g.op("Transpose", List.of(Attr.ints("perm", 0, 2, 1)), mixed), g.weight(weights32.apply(p + "conv1d.weight")),
                    "", pastConv); // [B, C, S]
            String conv = g.op("Transpose", List.of(Attr.ints("perm", 0, 2, 1)), cv[0]);
            return gatedOutput(p, z, linearAttention(layer, conv, gLog, beta, pastState));
        }
        // causal depthwise conv over [past K−1 inputs | this step's inputs], then SiLU
        String padded = g.op("Concat", List.of(Attr.i("axis", 2)), pastConv,
                g.op("Transpose", List.of(Attr.ints("perm", 0, 2, 1)), mixed)); // [B, C, K−1+S]
        g.opNamed(presentConv(layer), "Slice", List.of(), padded, g.int64s(-(kernel - 1)), g.int64s(Long.MAX_VALUE),
                g.int64s(2));
        String conv = g.op("Conv", List.of(Attr.i("group", convDim), Attr.ints("kernel_shape", kernel)), padded,
                g.weight(weights32.apply(p + "conv1d.weight"))); // [B, C, S]
        conv = g.op("Transpose", List.of(Attr.ints("perm", 0, 2, 1)), g.op("Mul", conv, g.op("Sigmoid", conv)));
        String[] qkv = g.opMulti("Split", 3, List.of(Attr.i("axis", -1)), conv,
                g.int64s((long) hk * dk, (long) hk * dk, (long) hv * dv));
        String q = l2norm(g.op("Reshape", qkv[0], g.int64s(0, 0, hk, dk)));
        q = g.op("Mul", q, g.floatScalar(ElementType.FLOAT, (float) (1 / Math.sqrt(dk))));
        String k = l2norm(g.op("Reshape", qkv[1], g.int64s(0, 0, hk, dk)));
        String v = g.op("Reshape", qkv[2], g.int64s(0, 0, hv, dv));
        if (hv != hk) {
            q = repeatHeads(q, hk, hv, dk);
            k = repeatHeads(k, hk, hv, dk);
        }
        String[] scan = g.opMulti("Scan", 2, List.of(Attr.graph("body", deltaStep(layer)),
                Attr.i("num_scan_inputs", 5), Attr.ints("scan_input_axes", 1, 1, 1, 1, 1), Attr.ints("scan_output_axes", 1)),
                pastState, q, k, v, gLog, beta);
        g.usedInSubgraph(List.of("Exp", "Unsqueeze", "Mul", "MatMul", "Sub", "Add", "Squeeze", "Identity"));
        g.opNamed(presentRecurrent(layer), "Identity", List.of(), scan[0]);
        return gatedOutput(p, z, scan[1]);
    }

    /**
     * com.microsoft {@code LinearAttention} on the SiLU'd conv output {@code [B, S, C]}: q (× dk^-½) and k L2-normed
     * per head and repeated to the V heads, so both head counts are Hv; returns {@code [B, S, Hv, dv]}.
     */
    private String linearAttention(int layer, String conv, String gLog, String beta, String pastState) {
        int hk = c.linearNumKeyHeads();
        int hv = c.linearNumValueHeads();
        int dk = c.linearKeyHeadDim();
        int dv = c.linearValueHeadDim();
        String[] qkv = g.opMulti("Split", 3, List.of(Attr.i("axis", -1)), conv,
                g.int64s((long) hk * dk, (long) hk * dk, (long) hv * dv));
        String q = l2norm(g.op("Reshape", qkv[0], g.int64s(0, 0, hk, dk)));
        q = g.op("Mul", q, g.floatScalar(ElementType.FLOAT, (float) (1 / Math.sqrt(dk))));
        String k = l2norm(g.op("Reshape", qkv[1], g.int64s(0, 0, hk, dk)));
        if (hv != hk) {
            q = repeatHeads(q, hk, hv, dk);
            k = repeatHeads(k, hk, hv, dk);
        }
        String flat = g.int64s(0, 0, -1);
        String[] la = g.contribOpNamed("LinearAttention", List.of(Attr.i("q_num_heads", hv), Attr.i("kv_num_heads", hv),
                        Attr.s("update_rule", "gated_delta"), Attr.f("scale", 1f)),
                new String[] {null, presentRecurrent(layer)},
                g.op("Reshape", q, flat), g.op("Reshape", k, flat), qkv[2], pastState, gLog, beta);
        return g.op("Reshape", la[0], g.int64s(0, 0, hv, dv));
    }

    /** The gated RMSNorm per V head (plain weight) × silu(z) on the delta rule's {@code [B, S, Hv, dv]}, then out_proj. */
    private String gatedOutput(String p, String z, String o) {
        int hv = c.linearNumValueHeads();
        int dv = c.linearValueHeadDim();
        // gated RMSNorm per V head (plain weight) × silu(z), in float32
        String mean = g.op("ReduceMean", List.of(Attr.i("keepdims", 1)), g.op("Mul", o, o), lastAxis);
        String inv = g.op("Pow", g.op("Add", mean, g.floatScalar(ElementType.FLOAT, (float) c.rmsNormEps())),
                g.floatScalar(ElementType.FLOAT, -0.5f));
        String normed = g.op("Mul", g.op("Mul", o, inv), weight32(p + "norm.weight"));
        String zh = g.op("Reshape", z, g.int64s(0, hv, dv)); // [B·S, Hv, dv]
        String gated = g.op("Mul", g.op("Reshape", normed, g.int64s(-1, hv, dv)), g.op("Mul", zh, g.op("Sigmoid", zh)));
        return linear(toAct(g.op("Reshape", gated, g.int64s(-1, (long) hv * dv))), p + "out_proj");
    }

    /**
     * One token of the gated delta rule, the {@code Scan} body: state S {@code [B, H, dk, dv]}, q and k
     * {@code [B, H, dk]}, v {@code [B, H, dv]}, g and β {@code [B, H]}:
     * S ← e^g·S; u = β·(v − Sᵀk); S ← S + k uᵀ; o = Sᵀq.
     */
    private byte[] deltaStep(int layer) {
        GraphBuilder b = new GraphBuilder("/delta" + layer + "/");
        Dim batch = Dim.named(DecoderIo.BATCH);
        Dim h = Dim.of(c.linearNumValueHeads());
        Dim dk = Dim.of(c.linearKeyHeadDim());
        Dim dv = Dim.of(c.linearValueHeadDim());
        String pre = "/delta" + layer + "/in_";
        String s = b.input(pre + "state", ElementType.FLOAT, batch, h, dk, dv);
        String q = b.input(pre + "q", ElementType.FLOAT, batch, h, dk);
        String k = b.input(pre + "k", ElementType.FLOAT, batch, h, dk);
        String v = b.input(pre + "v", ElementType.FLOAT, batch, h, dv);
        String gt = b.input(pre + "g", ElementType.FLOAT, batch, h);
        String beta = b.input(pre + "beta", ElementType.FLOAT, batch, h);
        String units = b.int64s(2, 3);
        String row = b.int64s(2);
        String decayed = b.op("Mul", s, b.op("Unsqueeze", b.op("Exp", gt), units));
        String kRow = b.op("Unsqueeze", k, row); // [B, H, 1, dk]
        String predicted = b.op("MatMul", kRow, decayed); // [B, H, 1, dv]
        String delta = b.op("Mul", b.op("Sub", b.op("Unsqueeze", v, row), predicted), b.op("Unsqueeze", beta, units));
        String next = b.op("Add", decayed, b.op("MatMul", b.op("Unsqueeze", k, b.int64s(3)), delta));
        String out = b.op("Squeeze", b.op("MatMul", b.op("Unsqueeze", q, row), next), row); // [B, H, dv]
        String stateOut = b.opNamed("/delta" + layer + "/out_state", "Identity", List.of(), next);
        String o = b.opNamed("/delta" + layer + "/out_o", "Identity", List.of(), out);
        b.output(stateOut, ElementType.FLOAT, batch, h, dk, dv);
        b.output(o, ElementType.FLOAT, batch, h, dv);
        return b.encodeSubgraph("delta_step_" + layer);
    }

    /** {@code x · (Σx² + 1e-6)^-½} over the last axis (float32). */
    private String l2norm(String x) {
        String sum = g.op("ReduceSum", List.of(Attr.i("keepdims", 1)), g.op("Mul", x, x), lastAxis);
        return g.op("Mul", x, g.op("Pow", g.op("Add", sum, g.floatScalar(ElementType.FLOAT, 1e-6f)),
                g.floatScalar(ElementType.FLOAT, -0.5f)));
    }

    /** {@code [B, S, Hk, d]} → {@code [B, S, Hv, d]}, V head j reading K head j / (Hv/Hk). */
    private String repeatHeads(String x, int hk, int hv, int d) {
        String shape = g.op("Concat", List.of(Attr.i("axis", 0)),
                g.op("Slice", g.op("Shape", x), g.int64s(0), g.int64s(2)), g.int64s(hk, hv / hk, d));
        String expanded = g.op("Expand", g.op("Unsqueeze", x, g.int64s(3)), shape);
        return g.op("Reshape", expanded, g.int64s(0, 0, hv, d));
    }

    /** SwiGLU; silu(gate) · up in float32, rounded to the activation type once for down_proj. */
    private String mlp(String p, String x) {
        String gate = toFloat(linear(x, p + "gate_proj"));
        String up = toFloat(linear(x, p + "up_proj"));
        String silu = g.op("Mul", gate, g.op("Sigmoid", gate));
        return linear(toAct(g.op("Mul", silu, up)), p + "down_proj");
    }

    /**
     * in_proj_a / in_proj_b (Hv rows each), which feed the exponentiated decay and β: float32 weights and a float32
     * product whatever the activation type ({@code xf}: x as float32), never 4-bit.
     */
    private String gateProjection(String x, String xf, String module) {
        if (act == ElementType.FLOAT) return linear(x, module);
        return g.op("Gemm", List.of(Attr.i("transB", 1)), xf, g.weight(weights32.apply(module + ".weight")));
    }

    /** {@code x · W^T} with HF's {@code [out, in]} weight: {@code Gemm(transB=1)}, or {@code MatMulNBits} for 4-bit. */
    private String linear(String x, String module) {
        Weight source = weights.apply(module + ".weight");
        long n = source.dims()[0];
        long k = source.dims()[1];
        // in_proj_a / in_proj_b (Hv rows each) feed the exponentiated decay and β: they stay float
        boolean gateProjection = module.endsWith(".in_proj_a") || module.endsWith(".in_proj_b");
        if (int4 != null && !gateProjection) {
            Weight[] q = int4.apply(module + ".weight");
            if (QuantizedProjection.int8(q) || k % Int4Packing.BLOCK == 0) return QuantizedProjection.apply(g, x, q, n, k);
        }
        if (act == ElementType.FLOAT16) { // as DenseDecoderGraph: onnxruntime's CPU float16 Gemm is less accurate than MatMul
            return g.op("MatMul", x, g.op("Transpose", List.of(Attr.ints("perm", 1, 0)), g.weight(source)));
        }
        return g.op("Gemm", List.of(Attr.i("transB", 1)), x, g.weight(source));
    }

    /**
     * {@code x · (mean(x²) + eps)^-½ · (1 + w)} over the last axis of a float32 {@code x}, all in float32 (the
     * float32 weight and the +1 too: 1 + w in float16 would keep only ~3 decimals of w), cast to the activation type
     * once at the end.
     */
    private String rmsNorm1p(String xf, String weightName) {
        return rmsNorm1p(xf, weightName, act);
    }

    /** As {@link #rmsNorm1p(String, String)}, the result in {@code out} (FLOAT or the activation type). */
    private String rmsNorm1p(String xf, String weightName, ElementType out) {
        String mean = g.op("ReduceMean", List.of(Attr.i("keepdims", 1)), g.op("Mul", xf, xf), lastAxis);
        String inv = g.op("Pow", g.op("Add", mean, g.floatScalar(ElementType.FLOAT, (float) c.rmsNormEps())),
                g.floatScalar(ElementType.FLOAT, -0.5f));
        String y = g.op("Mul", g.op("Mul", xf, inv), g.op("Add", weight32(weightName), one));
        return out == ElementType.FLOAT ? y : toAct(y);
    }

    private String weight32(String name) {
        return g.weight(weights32.apply(name));
    }

    private String toFloat(String x) {
        return act == ElementType.FLOAT ? x : g.op("Cast", List.of(Attr.i("to", ElementType.FLOAT.code())), x);
    }

    private String toAct(String x) {
        return act == ElementType.FLOAT ? x : g.op("Cast", List.of(Attr.i("to", act.code())), x);
    }

    private void toFloatOutput(String x, String name) {
        if (act == ElementType.FLOAT) g.opNamed(name, "Identity", List.of(), x);
        else g.opNamed(name, "Cast", List.of(Attr.i("to", ElementType.FLOAT.code())), x);
    }
}
