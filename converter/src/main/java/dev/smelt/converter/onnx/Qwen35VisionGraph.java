package dev.smelt.converter.onnx;

import dev.smelt.converter.onnx.GraphBuilder.Graph;
import dev.smelt.core.model.Qwen35VisionTower;
import java.util.List;
import java.util.function.Function;

/**
 * The Qwen3.5 vision tower as {@code onnx/vision_encoder.onnx} (transformers.js's Qwen2-VL-style image+text layout):
 * {@code pixel_values [num_patches, C·Tp·P·P]} (rows in 2×2-block-major order, as the processor and Smelt's
 * {@code PixelPatches} lay them out) and {@code image_grid_thw [num_images, 3]} → {@code image_features
 * [num_patches / merge², out_hidden_size]}, in float32 standard ops, computing what Smelt's
 * {@code models.qwen35.VisionEncoder} computes: the patch embedding (the Conv3d as one Gemm over the patch row), the
 * learned side×side position table resampled bilinearly (align_corners) to the patch grid, 2-D rotary (row and
 * column frequencies, rotate-half over the full head), {@code depth} pre-norm blocks (LayerNormalization eps 1e-6,
 * bidirectional attention over the image, tanh- or erf-GELU MLP) and the patch merger. Each patch's grid row and
 * column are derived in the graph from {@code image_grid_thw}: one image per run (the first row of
 * {@code image_grid_thw}), as attention must not cross images.
 */
public final class Qwen35VisionGraph {
    public static final String PIXEL_VALUES = "pixel_values";
    public static final String IMAGE_GRID_THW = "image_grid_thw";
    public static final String IMAGE_FEATURES = "image_features";
    private static final float EPS = 1e-6f;

    private final GraphBuilder g = new GraphBuilder();
    private final Qwen35VisionTower t;
    private final Function<String, Weight> weights;

    private Qwen35VisionGraph(Qwen35VisionTower t, Function<String, Weight> weights) {
        this.t = t;
        this.weights = weights;
    }

    /** @param weights a checkpoint tensor of a name (with the {@code model.visual.} prefix) as float32 */
    public static Graph build(Qwen35VisionTower t, Function<String, Weight> weights) {
        return new Qwen35VisionGraph(t, weights).graph();
    }

    private Graph graph() {
        int rowLen = t.inChannels() * t.temporalPatchSize() * t.patchSize() * t.patchSize();
        int m = t.spatialMergeSize();
        int unit = m * m;
        String pixels = g.input(PIXEL_VALUES, ElementType.FLOAT, Dim.named("num_patches"), Dim.of(rowLen));
        String grid = g.input(IMAGE_GRID_THW, ElementType.INT64, Dim.named("num_images"), Dim.of(3));

        // each patch's (row, col): frames × blocks (raster) × in-block (raster)
        String thw = g.op("Reshape", g.op("Slice", grid, g.int64s(0), g.int64s(1), g.int64s(0)), g.int64s(-1));
        String gt = g.op("Gather", List.of(Attr.i("axis", 0)), thw, g.int64s(0));
        String gh = g.op("Gather", List.of(Attr.i("axis", 0)), thw, g.int64Scalar(1));
        String gw = g.op("Gather", List.of(Attr.i("axis", 0)), thw, g.int64Scalar(2));
        String mm = g.int64Scalar(m);
        String zero = g.int64Scalar(0);
        String step = g.int64Scalar(1);
        String blockRows = g.op("Range", zero, g.op("Div", gh, mm), step);
        String blockCols = g.op("Range", zero, g.op("Div", gw, mm), step);
        String inner = g.op("Range", zero, mm, step);
        String shape = g.op("Concat", List.of(Attr.i("axis", 0)), g.op("Unsqueeze", g.op("Div", gh, mm), g.int64s(0)),
                g.op("Unsqueeze", g.op("Div", gw, mm), g.int64s(0)), g.int64s(m, m));
        String row = g.op("Add", g.op("Reshape", g.op("Mul", blockRows, mm), g.int64s(-1, 1, 1, 1)),
                g.op("Reshape", inner, g.int64s(1, 1, m, 1)));
        String col = g.op("Add", g.op("Reshape", g.op("Mul", blockCols, mm), g.int64s(1, -1, 1, 1)),
                g.op("Reshape", inner, g.int64s(1, 1, 1, m)));
        row = g.op("Tile", g.op("Reshape", g.op("Expand", row, shape), g.int64s(-1)), gt);
        col = g.op("Tile", g.op("Reshape", g.op("Expand", col, shape), g.int64s(-1)), gt);
        List<Attr> toFloat = List.of(Attr.i("to", ElementType.FLOAT.code()));
        String rowF = g.op("Cast", toFloat, row);
        String colF = g.op("Cast", toFloat, col);

        Weight conv = weights.apply(Qwen35VisionTower.PREFIX + "patch_embed.proj.weight");
        String patchW = g.weight(new Weight(conv.name(), conv.type(), new long[] {t.hiddenSize(), rowLen}, conv.data()));
        String h = g.op("Gemm", List.of(Attr.i("transB", 1)), pixels, patchW, weight("patch_embed.proj.bias"));
        h = g.op("Add", h, positions(rowF, colF, g.op("Cast", toFloat, gh), g.op("Cast", toFloat, gw)));
        String[] rope = rotary(rowF, colF);
        for (int b = 0; b < t.depth(); b++) h = block(b, h, rope);

        String x = layerNorm(h, "merger.norm");
        x = g.op("Reshape", x, g.int64s(-1, (long) unit * t.hiddenSize()));
        x = gelu(linear(x, "merger.linear_fc1"), false);
        g.opNamed(IMAGE_FEATURES, "Identity", List.of(), linear(x, "merger.linear_fc2"));
        g.output(IMAGE_FEATURES, ElementType.FLOAT, Dim.named("num_image_tokens"), Dim.of(t.outHiddenSize()));
        return g.build("qwen3_5_vision");
    }

    /** The learned table resampled bilinearly with align_corners at each patch's (row, col) {@code [N, hidden]}. */
    private String positions(String rowF, String colF, String ghF, String gwF) {
        int side = t.positionGridSide();
        String one = g.floatScalar(ElementType.FLOAT, 1f);
        String last = g.floatScalar(ElementType.FLOAT, side - 1);
        String sr = g.op("Div", g.op("Mul", rowF, last), g.op("Max", g.op("Sub", ghF, one), one));
        String sc = g.op("Div", g.op("Mul", colF, last), g.op("Max", g.op("Sub", gwF, one), one));
        String r0 = g.op("Floor", sr);
        String c0 = g.op("Floor", sc);
        String fr = g.op("Sub", sr, r0);
        String fc = g.op("Sub", sc, c0);
        String r1 = g.op("Min", g.op("Add", r0, one), last);
        String c1 = g.op("Min", g.op("Add", c0, one), last);
        String table = weight("pos_embed.weight");
        String sideF = g.floatScalar(ElementType.FLOAT, side);
        String gfr = g.op("Sub", one, fr);
        String gfc = g.op("Sub", one, fc);
        String[][] corners = {{r0, c0, gfr, gfc}, {r0, c1, gfr, fc}, {r1, c0, fr, gfc}, {r1, c1, fr, fc}};
        String sum = null;
        for (String[] k : corners) {
            String idx = g.op("Cast", List.of(Attr.i("to", ElementType.INT64.code())), g.op("Add", g.op("Mul", k[0], sideF), k[1]));
            String w = g.op("Unsqueeze", g.op("Mul", k[2], k[3]), g.int64s(1));
            String term = g.op("Mul", g.op("Gather", List.of(Attr.i("axis", 0)), table, idx), w);
            sum = sum == null ? term : g.op("Add", sum, term);
        }
        return sum;
    }

    /** cos and sin {@code [1, N, head_dim]}: channel j rotates by row·inv[j mod hd/4] in the first quarter of each half, col·inv after. */
    private String[] rotary(String rowF, String colF) {
        int hd = t.headDim();
        int quarter = hd / 4;
        float[] byRow = new float[hd];
        float[] byCol = new float[hd];
        for (int j = 0; j < hd; j++) {
            int q = j % (hd / 2);
            float f = (float) (1.0 / Math.pow(t.ropeTheta(), (2.0 * (q % quarter)) / (hd / 2.0)));
            if (q < quarter) byRow[j] = f;
            else byCol[j] = f;
        }
        String col1 = g.int64s(1);
        String angles = g.op("Add", g.op("Mul", g.op("Unsqueeze", rowF, col1), g.floats(ElementType.FLOAT, byRow)),
                g.op("Mul", g.op("Unsqueeze", colF, col1), g.floats(ElementType.FLOAT, byCol))); // [N, hd]
        String lead = g.int64s(0);
        return new String[] {g.op("Unsqueeze", g.op("Cos", angles), lead), g.op("Unsqueeze", g.op("Sin", angles), lead)};
    }

    private String block(int b, String h, String[] rope) {
        String p = "blocks." + b + ".";
        int heads = t.numHeads();
        int hd = t.headDim();
        String x = layerNorm(h, p + "norm1");
        String qkv = g.op("Reshape", linear(x, p + "attn.qkv"), g.int64s(-1, 3, heads, hd));
        qkv = g.op("Transpose", List.of(Attr.ints("perm", 1, 2, 0, 3)), qkv); // [3, heads, N, hd]
        String[] parts = g.opMulti("Split", 3, List.of(Attr.i("axis", 0), Attr.i("num_outputs", 3)), qkv);
        String first = g.int64s(0);
        String q = applyRope(g.op("Squeeze", parts[0], first), rope);
        String k = applyRope(g.op("Squeeze", parts[1], first), rope);
        String v = g.op("Squeeze", parts[2], first);
        String scores = g.op("Mul", g.op("MatMul", q, g.op("Transpose", List.of(Attr.ints("perm", 0, 2, 1)), k)),
                g.floatScalar(ElementType.FLOAT, (float) (1.0 / Math.sqrt(hd))));
        String attn = g.op("MatMul", g.op("Softmax", List.of(Attr.i("axis", -1)), scores), v); // [heads, N, hd]
        attn = g.op("Reshape", g.op("Transpose", List.of(Attr.ints("perm", 1, 0, 2)), attn), g.int64s(-1, t.hiddenSize()));
        h = g.op("Add", h, linear(attn, p + "attn.proj"));
        String y = layerNorm(h, p + "norm2");
        y = gelu(linear(y, p + "mlp.linear_fc1"), !t.hiddenAct().equals("gelu"));
        return g.op("Add", h, linear(y, p + "mlp.linear_fc2"));
    }

    private String applyRope(String x, String[] rope) {
        String[] halves = g.opMulti("Split", 2, List.of(Attr.i("axis", -1), Attr.i("num_outputs", 2)), x);
        String rotated = g.op("Concat", List.of(Attr.i("axis", -1)), g.op("Neg", halves[1]), halves[0]);
        return g.op("Add", g.op("Mul", x, rope[0]), g.op("Mul", rotated, rope[1]));
    }

    /** {@code 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))} when {@code tanh}, else the exact {@code 0.5·x·(1 + erf(x/√2))}. */
    private String gelu(String x, boolean tanh) {
        String half = g.op("Mul", x, g.floatScalar(ElementType.FLOAT, 0.5f));
        String one = g.floatScalar(ElementType.FLOAT, 1f);
        String inner;
        if (tanh) {
            String cube = g.op("Mul", g.op("Mul", x, x), x);
            String s = g.op("Add", x, g.op("Mul", cube, g.floatScalar(ElementType.FLOAT, 0.044715f)));
            inner = g.op("Tanh", g.op("Mul", s, g.floatScalar(ElementType.FLOAT, (float) Math.sqrt(2 / Math.PI))));
        } else {
            inner = g.op("Erf", g.op("Mul", x, g.floatScalar(ElementType.FLOAT, (float) (1 / Math.sqrt(2)))));
        }
        return g.op("Mul", half, g.op("Add", one, inner));
    }

    private String layerNorm(String x, String module) {
        return g.op("LayerNormalization", List.of(Attr.i("axis", -1), Attr.f("epsilon", EPS)), x,
                weight(module + ".weight"), weight(module + ".bias"));
    }

    private String linear(String x, String module) {
        return g.op("Gemm", List.of(Attr.i("transB", 1)), x, weight(module + ".weight"), weight(module + ".bias"));
    }

    private String weight(String key) {
        return g.weight(weights.apply(Qwen35VisionTower.PREFIX + key));
    }
}
