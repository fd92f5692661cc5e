package dev.smelt.models.qwen35;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.LayerType;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.TensorSpec;
import dev.smelt.core.vision.PixelPatches;
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
import java.util.Optional;
import java.util.Set;

/**
 * The Qwen3.5 hybrid decoder (Gated DeltaNet and gated attention layers) as a DJL block. Build one with
 * {@link #load}. Module names follow the checkpoint: {@code model.language_model.layers.N…} for the multimodal
 * {@code qwen3_5} layout, {@code model.layers.N…} for {@code qwen3_5_text}. The vision tower
 * ({@code model.visual.*}) and the MTP head ({@code mtp.*}) are not part of the text model: they are skipped
 * on load (see {@link #skippedTensors()}) and left to the converter and merger, which copy them untouched.
 */
public final class Qwen35Model extends DecoderModel<Qwen35Config> {
    private final List<Qwen35Layer> layers = new ArrayList<>();
    private final MRope mrope;
    private int skipped;
    private int skippedVision;
    private int skippedMtp;
    private ModelDirectory dir;
    private VisionEncoder vision;

    private Qwen35Model(Qwen35Config c, NDManager manager, DataType dtype) {
        super(c, manager, dtype, c.weightPrefix() + "embed_tokens");
        String p = c.weightPrefix();
        RotaryEmbedding rotary = new RotaryEmbedding(c.headDim(), c.rotaryDim(), c.ropeTheta(), null, c.maxPositionEmbeddings());
        mrope = new MRope(c.rotaryDim(), c.ropeTheta(), c.mropeSection());
        for (int i = 0; i < c.numLayers(); i++) {
            layers.add(addChildBlock("layer" + i, new Qwen35Layer(p + "layers." + i, c.layerTypes().get(i), c, rotary, mrope, dtype)));
        }
        for (Qwen35Layer l : layers) for (Linear lin : l.linears()) linears.put(lin.moduleName(), lin);
        addHead(new RmsNorm(p + "norm", c.hiddenSize(), c.rmsNormEps(), true));
    }

    /**
     * Loads a Qwen3.5 model: every tensor of {@code config.tensorSpecs()} is read and shape-checked. The embedding
     * and projections are converted to {@code dtype}; the norm weights, the conv kernel, A_log, dt_bias and the
     * in_proj_a / in_proj_b gate projections stay float32 whatever {@code dtype} (norms, conv, gates and recurrence
     * run in float32).
     * Vision-tower and MTP tensors are skipped; any other tensor the architecture does not know is an error.
     */
    public static Qwen35Model load(ModelDirectory dir, Qwen35Config c, Device device, DataType dtype) {
        NDManager manager = NDManager.newBaseManager(device);
        try (WeightReader w = new WeightReader(dir, manager, dtype);
                WeightReader w32 = new WeightReader(dir, manager, DataType.FLOAT32)) {
            Qwen35Model m = new Qwen35Model(c, manager, dtype);
            m.dir = dir;
            Set<String> known = new HashSet<>();
            for (TensorSpec s : c.tensorSpecs()) known.add(s.name());
            m.embed.setWeight(w.load(m.embed.moduleName() + ".weight"));
            for (Qwen35Layer l : m.layers) {
                l.inputNorm.setWeight(w32.load(l.inputNorm.moduleName() + ".weight"));
                l.postNorm.setWeight(w32.load(l.postNorm.moduleName() + ".weight"));
                if (l.linearAttn != null) {
                    GatedDeltaNet g = l.linearAttn;
                    String p = g.prefix() + ".";
                    long hv = c.linearNumValueHeads();
                    GatedDeltaNet.set(g.conv1d, w32.load(p + "conv1d.weight"),
                            new long[] {c.linearConvDim(), 1, c.linearConvKernel()}, p + "conv1d.weight");
                    GatedDeltaNet.set(g.dtBias, w32.load(p + "dt_bias"), new long[] {hv}, p + "dt_bias");
                    GatedDeltaNet.set(g.aLog, w32.load(p + "A_log"), new long[] {hv}, p + "A_log");
                    GatedDeltaNet.set(g.normWeight, w32.load(p + "norm.weight"), new long[] {c.linearValueHeadDim()},
                            p + "norm.weight");
                } else {
                    l.selfAttn.qNorm.setWeight(w32.load(l.selfAttn.qNorm.moduleName() + ".weight"));
                    l.selfAttn.kNorm.setWeight(w32.load(l.selfAttn.kNorm.moduleName() + ".weight"));
                }
            }
            Set<Linear> fused = new HashSet<>();
            for (Qwen35Layer l : m.layers) {
                l.mlp.loadGateUp(w::load, w32::load);
                fused.addAll(List.of(l.mlp.gateProj(), l.mlp.upProj()));
            }
            Set<Linear> gates = new HashSet<>(); // in_proj_a / in_proj_b feed the decay and β, computed in float32
            for (Qwen35Layer l : m.layers) if (l.linearAttn != null) gates.addAll(List.of(l.linearAttn.inProjA, l.linearAttn.inProjB));
            for (Linear lin : m.linears.values()) {
                if (!fused.contains(lin)) lin.setWeights((gates.contains(lin) ? w32 : w).load(lin.moduleName() + ".weight"), null);
            }
            m.norm.setWeight(w32.load(m.norm.moduleName() + ".weight"));
            for (String name : w.names()) {
                if (known.contains(name)) continue;
                if (name.startsWith("model.visual.")) {
                    m.skippedVision++;
                } else if (name.startsWith("mtp.")) {
                    m.skippedMtp++;
                } else if (c.tieWordEmbeddings() && name.equals("lm_head.weight")) {
                    m.skipped++;
                } else {
                    throw new SmeltException(dir.path() + ": tensor \"" + name + "\" is not part of a qwen3_5 checkpoint"
                            + " (expected " + c.weightPrefix() + "*, lm_head, model.visual.* or mtp.*)");
                }
            }
            return m;
        } catch (RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    /** Tensors of the checkpoint not loaded into the text model (vision tower, MTP head, a tied lm_head copy). */
    public int skippedTensors() {
        return skipped + skippedVision + skippedMtp;
    }

    /** A one-line note on the vision-tower / MTP tensors the text model does not run, or empty when there are none. */
    public Optional<String> skippedNote() {
        if (skippedVision == 0 && skippedMtp == 0) return Optional.empty();
        return Optional.of("qwen3_5: " + skippedVision + " vision-tower (model.visual.*) and " + skippedMtp
                + " MTP (mtp.*) tensors are not used for text; convert and merge carry them over unchanged");
    }

    /**
     * Picks the delta-rule form used for multi-token inputs: the chunked form with {@code chunk} tokens per chunk
     * (the default, 64), or the naive per-token recurrence (the benchmark baseline). Decoding single tokens
     * always uses the recurrence.
     */
    public void useDeltaRule(boolean naiveRecurrence, int chunk) {
        if (chunk < 1) throw new IllegalArgumentException("chunk size must be positive: " + chunk);
        for (Qwen35Layer l : layers) if (l.linearAttn != null) l.linearAttn.useRule(naiveRecurrence, chunk);
    }

    /** True when the checkpoint has a vision tower ({@code vision_config}) and so takes images. */
    public boolean acceptsImages() {
        return config.hasVision();
    }

    /**
     * The vision tower, loaded from the checkpoint on first use (text-only runs never load it).
     *
     * @throws SmeltException when the model has no vision tower
     */
    public synchronized VisionEncoder visionEncoder() {
        if (vision == null) {
            if (dir == null) throw new SmeltException("this model was not loaded from a directory; it has no vision tower");
            vision = VisionEncoder.load(dir, config, manager);
        }
        return vision;
    }

    /** The vision tower if it was loaded already (nothing is loaded). */
    public synchronized Optional<VisionEncoder> loadedVisionEncoder() {
        return Optional.ofNullable(vision);
    }

    /** The token the processor repeats once per merged image token ({@code image_token_id}). */
    public int imageTokenId() {
        if (!config.hasVision()) throw new SmeltException("this model has no vision tower (config.json has no vision_config)");
        return config.visionTokens().imageTokenId();
    }

    /**
     * Logits {@code [1, T, V]} of a full forward over one prompt with images: {@code ids} holds each image's
     * placeholder run (image_token_id repeated {@link PixelPatches#numTokens()} times), the images' embeddings replace
     * those rows in order, and image tokens get their (t, h, w) rotary positions.
     */
    public NDArray logitsWithImages(ParameterStore ps, NDArray ids, List<PixelPatches> images) {
        NDManager m = ids.getManager();
        long t = ids.getShape().get(1);
        MultimodalPositions mp = positionsFor(ids, images, 0);
        NDArray mask = Attention.causalMask(m, 0, t);
        return run(ps, ids, embedWithImages(ps, ids, images), positionArray(m, mp), mask, Packing.NONE, null, false, false);
    }

    /**
     * {@link #step} for a chunk that contains images (usually the prompt): as {@link #logitsWithImages}, after the
     * tokens already in the cache; records the rope delta so later steps continue at the right positions.
     */
    public NDArray stepWithImages(ParameterStore ps, NDArray ids, DecoderCache cache, boolean lastOnly, List<PixelPatches> images) {
        if (images.isEmpty()) return step(ps, ids, cache, lastOnly);
        if (!(cache instanceof Qwen35Cache c)) throw new IllegalArgumentException("cache was not made by this model");
        NDManager m = ids.getManager();
        long t = ids.getShape().get(1);
        long past = c.length();
        MultimodalPositions mp = positionsFor(ids, images, past + c.ropeDelta());
        NDArray mask = t == 1 ? null : Attention.causalMask(m, past, t);
        NDArray out = run(ps, ids, embedWithImages(ps, ids, images), positionArray(m, mp), mask, Packing.NONE, c, lastOnly, false);
        c.advance((int) t);
        c.setRopeDelta(mp.next() - c.length());
        return out;
    }

    private MultimodalPositions positionsFor(NDArray ids, List<PixelPatches> images, long start) {
        if (ids.getShape().get(0) != 1) throw new IllegalArgumentException("images are supported for batch size 1");
        List<int[]> grids = new ArrayList<>();
        for (PixelPatches p : images) {
            grids.add(new int[] {p.gridT() * p.gridH() / p.mergeSize(), p.gridW() / p.mergeSize()});
        }
        return MultimodalPositions.of(ids.toLongArray(), imageTokenId(), grids, start);
    }

    private static NDArray positionArray(NDManager m, MultimodalPositions mp) {
        long[][] p = mp.positions();
        int t = p[0].length;
        long[] flat = new long[3 * t];
        for (int a = 0; a < 3; a++) System.arraycopy(p[a], 0, flat, a * t, t);
        return m.create(flat, new Shape(3, 1, t));
    }

    /** Token embeddings with the image placeholder rows replaced by the images' embeddings, in order. */
    private NDArray embedWithImages(ParameterStore ps, NDArray ids, List<PixelPatches> images) {
        NDManager m = ids.getManager();
        long[] flatIds = ids.toLongArray();
        int t = flatIds.length, image = imageTokenId();
        NDArray h = embed.apply(ps, ids, false); // [1, T, H]
        NDList rows = new NDList();
        rows.add(Casts.toFloat32(h.reshape(t, config.hiddenSize()))); // the float32 residual stream takes the images as they are
        VisionEncoder enc = visionEncoder();
        long total = 0;
        for (PixelPatches p : images) {
            NDArray e = enc.encode(p, m, ps, false);
            rows.add(e.getDataType() == DataType.FLOAT32 ? e : e.toType(DataType.FLOAT32, false));
            total += p.numTokens();
        }
        long[] gather = new long[t];
        long k = 0;
        for (int i = 0; i < t; i++) gather[i] = flatIds[i] == image ? t + k++ : i;
        if (k != total) {
            throw new SmeltException("the prompt has " + k + " image placeholder tokens but the images make " + total);
        }
        NDArray all = NDArrays.concat(rows, 0);
        return all.get(m.create(gather)).reshape(1, t, config.hiddenSize());
    }

    /**
     * Logits {@code [B, T, V]} of a training (or evaluation) forward over rows that may hold images, packed or not:
     * {@code positions} are the (t, h, w) rotary positions {@code [3, B, T]} (each packed example starting at 0, see
     * {@link MultimodalPositions}), {@code segmentIds} as for {@link #logits}, and {@code imageEmbeddings}
     * {@code [K, H]} the images' embeddings (from {@link #visionEncoder()}) in token order over the rows, row by row;
     * they replace the K image placeholder tokens of {@code ids}.
     */
    public NDArray logitsWithImages(ParameterStore ps, NDArray ids, NDArray positions, NDArray segmentIds,
            NDArray imageEmbeddings, boolean training) {
        NDManager m = ids.getManager();
        long b = ids.getShape().get(0), t = ids.getShape().get(1);
        if (positions.getShape().dimension() != 3 || positions.getShape().get(0) != 3) {
            throw new IllegalArgumentException("positions must be [3, B, T], got " + positions.getShape());
        }
        long[] flatIds = ids.toLongArray();
        int image = imageTokenId();
        long k = 0;
        long[] gather = new long[flatIds.length];
        for (int i = 0; i < flatIds.length; i++) gather[i] = flatIds[i] == image ? flatIds.length + k++ : i;
        long given = imageEmbeddings == null ? 0 : imageEmbeddings.getShape().get(0);
        if (k != given) throw new SmeltException("the batch has " + k + " image placeholder tokens but the images make " + given);
        NDArray h = embed.apply(ps, ids, training);
        if (k > 0) {
            NDArray rows = Casts.toFloat32(h.reshape(b * t, config.hiddenSize())); // the float32 residual stream
            NDArray img = Casts.toFloat32(imageEmbeddings);
            NDArray index = m.create(gather);
            NDArray owned = index.duplicate(); // torch-owned: autograd keeps the index for backward
            index.close();
            h = NDArrays.concat(new NDList(rows, img), 0).get(owned).reshape(b, t, config.hiddenSize());
        }
        NDArray mask = maskFor(ids, segmentIds);
        Packing packing = segmentIds != null ? Packing.of(segmentIds, config.linearConvKernel()) : Packing.NONE;
        return run(ps, ids, h, positions, mask, packing, null, false, training);
    }

    /** Layer kinds in order, as config.json {@code layer_types} lists them. */
    public List<LayerType> layerTypes() {
        return config.layerTypes();
    }

    @Override
    public NDArray logits(ParameterStore ps, NDArray inputIds, NDArray positionIds, NDArray segmentIds, boolean training) {
        NDArray positions = positionsFor(inputIds, positionIds, segmentIds);
        NDArray mask = maskFor(inputIds, segmentIds);
        Packing packing = segmentIds != null ? Packing.of(segmentIds, config.linearConvKernel()) : Packing.NONE;
        return run(ps, inputIds, null, positions, mask, packing, null, false, training);
    }

    @Override
    public DecoderCache newCache(NDManager parent, int batchSize) {
        return new Qwen35Cache(parent, layers.size(), batchSize, config.maxPositionEmbeddings());
    }

    @Override
    public NDArray step(ParameterStore ps, NDArray inputIds, DecoderCache cache, boolean lastOnly) {
        if (!(cache instanceof Qwen35Cache c)) throw new IllegalArgumentException("cache was not made by this model");
        NDManager m = inputIds.getManager();
        long t = inputIds.getShape().get(1);
        long past = c.length();
        long start = past + c.ropeDelta();
        NDArray positions = m.arange(start, start + t, 1, DataType.INT64).reshape(1, t);
        NDArray mask = t == 1 ? null : Attention.causalMask(m, past, t);
        NDArray out = run(ps, inputIds, null, positions, mask, Packing.NONE, c, lastOnly, false);
        c.advance((int) t);
        return out;
    }

    private NDArray run(ParameterStore ps, NDArray ids, NDArray embedded, NDArray positions, NDArray mask, Packing packing,
            Qwen35Cache cache, boolean lastOnly, boolean training) {
        // the residual stream is float32 in every dtype
        NDArray h = Casts.toFloat32(embedded != null ? embedded : embed.apply(ps, ids, training));
        NDList rope = mrope.tables(positions, DataType.FLOAT32);
        for (int i = 0; i < layers.size(); i++) {
            h = layers.get(i).apply(ps, h, packing, rope, mask, cache, i, training);
        }
        if (lastOnly) {
            long t = h.getShape().get(1);
            h = h.get(":, {}:, :", t - 1);
        }
        return head(ps, h, training);
    }

    @Override
    protected void initializeChildBlocks(NDManager m, DataType dataType, Shape... inputShapes) {
        Shape ids = inputShapes[0];
        Shape hidden = new Shape(ids.get(0), ids.get(1), config.hiddenSize());
        for (Qwen35Layer l : layers) l.initialize(m, dataType, hidden);
        initializeEnds(m, dataType, ids, hidden);
    }

    @Override
    public void close() {
        synchronized (this) {
            if (vision != null) vision.close();
            vision = null;
        }
        super.close();
    }

    @Override
    public String toString() {
        long linear = config.layerTypes().stream().filter(t -> t == LayerType.LINEAR_ATTENTION).count();
        return "Qwen35Model(layers=" + layers.size() + " (" + linear + " linear-attention), hidden=" + config.hiddenSize()
                + ", tied=" + config.tieWordEmbeddings() + ", dtype=" + dtype + ")";
    }
}
