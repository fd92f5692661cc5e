package dev.smelt.models.qwen35;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.Qwen35VisionTower;
import dev.smelt.core.model.TensorSpec;
import dev.smelt.core.vision.PixelPatches;
import dev.smelt.models.load.WeightReader;
import dev.smelt.models.nn.Scalars;
import dev.smelt.models.nn.Views;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Qwen3.5 vision tower ({@code model.visual.*}, transformers' {@code Qwen3_5VisionModel}) on DJL arrays, frozen,
 * computing in float32: patch embedding (the Conv3d as one matmul over the 3·2·16·16 patch row), the learned 48×48
 * (here side×side) position table resampled bilinearly with align_corners to the image's patch grid, 2-D rotary on
 * q/k (row and column frequencies, rotate-half over the full head), {@code depth} pre-norm blocks (LayerNorm eps 1e-6,
 * bidirectional attention within the image, tanh-GELU MLP), and the patch merger (LayerNorm per patch, 2×2 patches
 * concatenated, fc1, exact-erf GELU, fc2 to the text width). One image at a time, so attention never crosses images.
 *
 * <p>The weights never require gradients. Adapters (LoRA) can be attached to the merger's two linear layers
 * ({@link #MERGER_MODULES}, named as transformers names the modules): their output is added to the layer's, and only
 * they are on the gradient path; without adapters the output carries no gradient at all.
 */
public final class VisionEncoder implements AutoCloseable {
    /** The merger's linear layers as transformers / PEFT name the modules of {@code Qwen3_5ForConditionalGeneration}. */
    public static final List<String> MERGER_MODULES = List.of("model.visual.merger.linear_fc1", "model.visual.merger.linear_fc2");
    private static final double EPS = 1e-6;
    private final Qwen35VisionTower tower;
    private final NDManager manager;
    private final Map<String, NDArray> w = new HashMap<>();
    private final Map<String, Block> mergerAdapters = new LinkedHashMap<>();

    private VisionEncoder(Qwen35VisionTower tower, NDManager manager) {
        this.tower = tower;
        this.manager = manager;
    }

    /** Loads {@code model.visual.*} of a qwen3_5 checkpoint with {@code vision_config}. */
    public static VisionEncoder load(ModelDirectory dir, Qwen35Config c, NDManager parent) {
        if (!c.hasVision()) {
            throw new SmeltException(dir.path() + "/config.json: no vision_config: this model has no vision tower and cannot take images");
        }
        Qwen35VisionTower t = Qwen35VisionTower.fromJson(dir.path() + "/config.json", c.visionConfig())
                .validate(dir.path() + "/config.json");
        if (t.outHiddenSize() != c.hiddenSize()) {
            throw new SmeltException(dir.path() + "/config.json: vision_config.out_hidden_size " + t.outHiddenSize()
                    + " must equal text_config.hidden_size " + c.hiddenSize());
        }
        if (t.temporalPatchSize() < 1) throw new SmeltException(dir.path() + "/config.json: vision_config.temporal_patch_size must be positive");
        NDManager m = parent.newSubManager();
        VisionEncoder e = new VisionEncoder(t, m);
        try (WeightReader r = new WeightReader(dir, m, DataType.FLOAT32)) {
            for (TensorSpec s : t.tensorSpecs()) {
                String key = s.name().substring(Qwen35VisionTower.PREFIX.length());
                NDArray a = r.load(s.name(), s.shape());
                if (key.equals("patch_embed.proj.weight")) {
                    NDArray flat = a.reshape(t.hiddenSize(), -1);
                    a.close();
                    a = transposeOwned(flat);
                } else if (s.shape().length == 2 && !key.equals("pos_embed.weight")) {
                    a = transposeOwned(a); // [out, in] -> [in, out] for x @ W
                }
                e.w.put(key, a);
            }
            return e;
        } catch (RuntimeException | Error ex) {
            m.close();
            throw ex;
        }
    }

    private static NDArray transposeOwned(NDArray a) {
        NDArray t = a.transpose().duplicate();
        a.close();
        return t;
    }

    public Qwen35VisionTower tower() {
        return tower;
    }

    private NDArray p(String key, NDManager into) {
        NDArray a = w.get(key);
        if (a == null) throw new IllegalStateException("no vision weight " + key);
        return Views.in(a, into);
    }

    /** Image embeddings {@code [tokens, out_hidden_size]} (float32) in block raster order, arrays in {@code m}. */
    public NDArray encode(PixelPatches px, NDManager m) {
        return encode(px, m, null, false);
    }

    /**
     * {@link #encode(PixelPatches, NDManager)} with the merger's adapters (if any) read through {@code ps};
     * {@code training} turns their dropout on.
     */
    public NDArray encode(PixelPatches px, NDManager m, ParameterStore ps, boolean training) {
        NDArray h = embed(px, m);
        NDArray[] rope = rotary(px, m); // the same tables for every block
        for (int b = 0; b < tower.depth(); b++) h = block(b, h, rope, m);
        return merge(h, m, ps, training);
    }

    /** {@code {in, out}} features of a merger linear layer ({@link #MERGER_MODULES}). */
    public long[] mergerShape(String module) {
        NDArray a = w.get(mergerKey(module) + ".weight"); // stored [in, out]
        return new long[] {a.getShape().get(0), a.getShape().get(1)};
    }

    /** Attaches (or replaces) the adapter whose output is added to a merger linear layer. */
    public void attachMergerAdapter(String module, Block adapter) {
        mergerKey(module);
        mergerAdapters.put(module, adapter);
    }

    /** The attached merger adapters by module. */
    public Map<String, Block> mergerAdapters() {
        return Map.copyOf(mergerAdapters);
    }

    /** Removes the merger adapters (the caller owns their parameters). */
    public void detachMergerAdapters() {
        mergerAdapters.clear();
    }

    private static String mergerKey(String module) {
        if (!MERGER_MODULES.contains(module)) {
            throw new SmeltException("\"" + module + "\" is not a merger linear layer of the vision tower (expected one of "
                    + String.join(", ", MERGER_MODULES) + ")");
        }
        return module.substring("model.visual.".length());
    }

    /** Patch embedding plus interpolated positions {@code [N, D]} (the blocks' input). */
    NDArray embed(PixelPatches px, NDManager m) {
        int rowLen = tower.inChannels() * tower.temporalPatchSize() * tower.patchSize() * tower.patchSize();
        if (px.rowLength() != rowLen || px.mergeSize() != tower.spatialMergeSize()) {
            throw new SmeltException("image patches of " + px.rowLength() + " values (merge " + px.mergeSize()
                    + ") do not fit the vision tower (" + rowLen + " values per patch, merge " + tower.spatialMergeSize()
                    + "): preprocessor_config.json and vision_config disagree");
        }
        NDArray x = m.create(px.values(), new Shape(px.numPatches(), rowLen));
        NDArray h = x.matMul(p("patch_embed.proj.weight", m)).add(p("patch_embed.proj.bias", m));
        return h.add(positions(px, m));
    }

    /** Bilinear (align_corners) resampling of the learned position table to the patch grid, block-major. */
    NDArray positions(PixelPatches px, NDManager m) {
        int side = tower.positionGridSide(), n = px.numPatches();
        int[][] idx = new int[4][n];
        float[][] wt = new float[4][n];
        for (int i = 0; i < n; i++) {
            int[] rc = px.patchPosition(i);
            double sr = px.gridH() == 1 ? 0 : rc[0] * (double) (side - 1) / (px.gridH() - 1);
            double sc = px.gridW() == 1 ? 0 : rc[1] * (double) (side - 1) / (px.gridW() - 1);
            int r0 = (int) Math.floor(sr), c0 = (int) Math.floor(sc);
            int r1 = Math.min(r0 + 1, side - 1), c1 = Math.min(c0 + 1, side - 1);
            double fr = sr - r0, fc = sc - c0;
            idx[0][i] = r0 * side + c0;
            idx[1][i] = r0 * side + c1;
            idx[2][i] = r1 * side + c0;
            idx[3][i] = r1 * side + c1;
            wt[0][i] = (float) ((1 - fr) * (1 - fc));
            wt[1][i] = (float) ((1 - fr) * fc);
            wt[2][i] = (float) (fr * (1 - fc));
            wt[3][i] = (float) (fr * fc);
        }
        NDArray table = p("pos_embed.weight", m);
        NDArray sum = null;
        for (int k = 0; k < 4; k++) {
            NDArray rows = table.get(m.create(idx[k]));
            NDArray term = rows.mul(m.create(wt[k], new Shape(n, 1)));
            sum = sum == null ? term : sum.add(term);
        }
        return sum;
    }

    /** cos and sin {@code [N, head_dim]} of the 2-D vision rotary for the patches in block-major order. */
    NDArray[] rotary(PixelPatches px, NDManager m) {
        int hd = tower.headDim(), quarter = hd / 4, n = px.numPatches();
        double[] inv = new double[quarter];
        for (int i = 0; i < quarter; i++) inv[i] = 1.0 / Math.pow(tower.ropeTheta(), (2.0 * i) / (hd / 2.0));
        float[] cos = new float[n * hd], sin = new float[n * hd];
        for (int i = 0; i < n; i++) {
            int[] rc = px.patchPosition(i);
            for (int j = 0; j < hd; j++) {
                int q = j % (hd / 2);
                // [row * inv, col * inv] repeated twice; inv_freq in float32 and the product in float32, as torch
                float f = (float) inv[q % quarter];
                float ang = (q < quarter ? rc[0] : rc[1]) * f;
                cos[i * hd + j] = (float) Math.cos(ang);
                sin[i * hd + j] = (float) Math.sin(ang);
            }
        }
        return new NDArray[] {m.create(cos, new Shape(1, n, hd)), m.create(sin, new Shape(1, n, hd))};
    }

    NDArray block(int b, NDArray h, PixelPatches px, NDManager m) {
        return block(b, h, rotary(px, m), m);
    }

    private NDArray block(int b, NDArray h, NDArray[] cs, NDManager m) {
        String pre = "blocks." + b + ".";
        int n = (int) h.getShape().get(0), d = tower.hiddenSize(), heads = tower.numHeads(), hd = tower.headDim();
        NDArray x = layerNorm(h, p(pre + "norm1.weight", m), p(pre + "norm1.bias", m));
        NDArray qkv = x.matMul(p(pre + "attn.qkv.weight", m)).add(p(pre + "attn.qkv.bias", m))
                .reshape(n, 3, heads, hd).transpose(1, 2, 0, 3); // [3, heads, N, hd]
        NDArray q = rope(qkv.get(0), cs[0], cs[1], hd);
        NDArray k = rope(qkv.get(1), cs[0], cs[1], hd);
        NDArray v = qkv.get(2);
        NDArray scores = q.matMul(k.transpose(0, 2, 1)).mul(Scalars.constant(q, 1.0 / Math.sqrt(hd)));
        NDArray attn = scores.softmax(-1).matMul(v).transpose(1, 0, 2).reshape(n, d);
        h = h.add(attn.matMul(p(pre + "attn.proj.weight", m)).add(p(pre + "attn.proj.bias", m)));
        NDArray y = layerNorm(h, p(pre + "norm2.weight", m), p(pre + "norm2.bias", m));
        y = y.matMul(p(pre + "mlp.linear_fc1.weight", m)).add(p(pre + "mlp.linear_fc1.bias", m));
        y = tower.hiddenAct().equals("gelu") ? Activation.gelu(y) : geluTanh(y);
        y = y.matMul(p(pre + "mlp.linear_fc2.weight", m)).add(p(pre + "mlp.linear_fc2.bias", m));
        return h.add(y);
    }

    NDArray merge(NDArray h, NDManager m) {
        return merge(h, m, null, false);
    }

    private NDArray merge(NDArray h, NDManager m, ParameterStore ps, boolean training) {
        int unit = tower.spatialMergeSize() * tower.spatialMergeSize();
        long n = h.getShape().get(0);
        NDArray x = layerNorm(h, p("merger.norm.weight", m), p("merger.norm.bias", m))
                .reshape(n / unit, unit * tower.hiddenSize());
        x = mergerLinear(MERGER_MODULES.get(0), x, m, ps, training);
        x = Activation.gelu(x); // nn.GELU(): exact erf form
        return mergerLinear(MERGER_MODULES.get(1), x, m, ps, training);
    }

    private NDArray mergerLinear(String module, NDArray x, NDManager m, ParameterStore ps, boolean training) {
        String key = mergerKey(module);
        NDArray y = x.matMul(p(key + ".weight", m)).add(p(key + ".bias", m));
        Block adapter = mergerAdapters.get(module);
        if (adapter == null) return y;
        if (ps == null) throw new IllegalStateException("merger adapters need a parameter store: use encode(px, m, ps, training)");
        return y.add(adapter.forward(ps, new NDList(x), training).singletonOrThrow());
    }

    private static NDArray rope(NDArray x, NDArray cos, NDArray sin, int hd) {
        NDArray x1 = x.get("..., :{}", hd / 2);
        NDArray x2 = x.get("..., {}:", hd / 2);
        NDArray rotated = NDArrays.concat(new ai.djl.ndarray.NDList(x2.neg(), x1), -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    private static NDArray layerNorm(NDArray x, NDArray g, NDArray b) {
        NDArray mean = x.mean(new int[] {-1}, true);
        NDArray c = x.sub(mean);
        NDArray var = c.square().mean(new int[] {-1}, true);
        return c.div(var.add(Scalars.constant(var, EPS)).sqrt()).mul(g).add(b);
    }

    /** {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))} (gelu_pytorch_tanh). */
    private static NDArray geluTanh(NDArray x) {
        NDArray inner = x.add(x.pow(Scalars.constant(x, 3)).mul(Scalars.constant(x, 0.044715))).mul(Scalars.constant(x, Math.sqrt(2 / Math.PI)));
        return x.mul(Scalars.constant(x, 0.5)).mul(inner.tanh().add(Scalars.constant(x, 1)));
    }

    @Override
    public void close() {
        manager.close();
    }
}
