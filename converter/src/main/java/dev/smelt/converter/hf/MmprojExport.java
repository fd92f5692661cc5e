package dev.smelt.converter.hf;

import dev.smelt.converter.arch.RowTransform;
import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.converter.gguf.GgufFormat;
import dev.smelt.converter.gguf.GgufTensor;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.converter.gguf.vocab.GgufKeys.Clip;
import dev.smelt.converter.gguf.vocab.GgufKeys.ClipVision;
import dev.smelt.converter.gguf.vocab.GgufKeys.General;
import dev.smelt.converter.gguf.vocab.GgufKeys.GeneralType;
import dev.smelt.converter.gguf.vocab.GgufKeys.ProjectorType;
import dev.smelt.converter.gguf.vocab.MappedTensor;
import dev.smelt.converter.gguf.vocab.TensorKind;
import dev.smelt.converter.gguf.vocab.TensorNameMap;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.Qwen35VisionTower;
import dev.smelt.core.model.TensorSpec;
import dev.smelt.core.safetensors.Floats;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.core.safetensors.TensorInfo;
import dev.smelt.core.vision.ImageProcessorConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Qwen3.5 checkpoint's vision tower → the multimodal projector GGUF ("mmproj") llama.cpp's mtmd loads next to the
 * text GGUF, as llama.cpp's converter writes it for Qwen3.5 (registered on its Qwen3-VL mmproj converter):
 * {@code general.architecture = clip}, {@code general.type = mmproj}, projector {@code qwen3vl_merger}, the
 * {@code clip.vision.*} sizes, image mean/std from preprocessor_config.json, and the {@code model.visual.*} tensors
 * under llama.cpp's names with the Conv3d patch kernel split into its two temporal frames
 * ({@code v.patch_embd.weight}, {@code .weight.1}). Types: 1-D tensors and the position table F32, the patch kernels
 * F16 for {@code f16} output, other matrices the requested type. Text weights, {@code lm_head} and {@code mtp.*} are
 * left out (the text GGUF is a separate file, {@code smelt convert gguf}).
 */
public final class MmprojExport {
    private MmprojExport() {}

    public record Result(Path output, int tensorCount, long dataBytes) {}

    private static final EnumSet<TensorKind> VISION_KINDS = EnumSet.range(TensorKind.V_PATCH_EMBD, TensorKind.V_MMPROJ_2);

    public static Result export(Path modelDir, Path output, OutputType type, String name, GgufWriter.Listener listener)
            throws IOException {
        if (Files.isDirectory(output)) {
            throw new SmeltException(output + ": is a directory; give the output file name, e.g. " + output.resolve("mmproj.gguf"));
        }
        if (type == OutputType.BF16) throw new SmeltException("mmproj output type must be f32 or f16 (llama.cpp's converter offers those), got bf16");
        ModelDirectory dir = ModelDirectory.open(modelDir);
        ModelConfig config = dir.config();
        if (!(config instanceof Qwen35Config c) || !c.hasVision()) {
            throw new SmeltException(dir.path() + "/config.json: no vision tower (vision_config) to export; mmproj export needs a "
                    + "qwen3_5 checkpoint with its vision tower");
        }
        String file = dir.path() + "/config.json";
        Qwen35VisionTower t = Qwen35VisionTower.fromJson(file, c.visionConfig()).validate(file);
        if (t.temporalPatchSize() != 2) {
            throw new SmeltException(file + ": vision_config.temporal_patch_size must be 2 for llama.cpp's split patch kernel, got "
                    + t.temporalPatchSize());
        }
        ImageProcessorConfig pre = ImageProcessorConfig.read(dir.path());
        try (SafetensorsModel weights = dir.weights()) {
            List<GgufTensor> tensors = tensors(t, weights, type);
            Map<String, GgufValue> meta = new LinkedHashMap<>();
            meta.put(General.ARCHITECTURE, GgufValue.of(Clip.ARCHITECTURE_NAME));
            meta.put(General.TYPE, GgufValue.of(GeneralType.MMPROJ));
            meta.put(General.NAME, GgufValue.of(name != null ? name : GgufExport.modelName(dir.path())));
            meta.put(General.FILE_TYPE, GgufValue.u32(type.fileType()));
            meta.put(General.QUANTIZATION_VERSION, GgufValue.u32(GgufFormat.QUANTIZATION_VERSION));
            meta.put(Clip.HAS_VISION_ENCODER, GgufValue.bool(true));
            meta.put(Clip.PROJECTOR_TYPE, GgufValue.of(ProjectorType.QWEN3VL_MERGER));
            meta.put(Clip.USE_GELU, GgufValue.bool(true));
            meta.put(ClipVision.PROJECTION_DIM, GgufValue.u32(c.hiddenSize()));
            meta.put(ClipVision.IMAGE_SIZE, GgufValue.u32((long) t.positionGridSide() * t.patchSize()));
            meta.put(ClipVision.PATCH_SIZE, GgufValue.u32(t.patchSize()));
            meta.put(ClipVision.EMBEDDING_LENGTH, GgufValue.u32(t.hiddenSize()));
            meta.put(ClipVision.FEED_FORWARD_LENGTH, GgufValue.u32(t.intermediateSize()));
            meta.put(ClipVision.BLOCK_COUNT, GgufValue.u32(t.depth()));
            meta.put(ClipVision.ATTENTION_HEAD_COUNT, GgufValue.u32(t.numHeads()));
            meta.put(ClipVision.ATTENTION_LAYERNORM_EPS, GgufValue.f32((float) c.rmsNormEps()));
            meta.put(ClipVision.IMAGE_MEAN, GgufValue.float32s(floats(pre.imageMean())));
            meta.put(ClipVision.IMAGE_STD, GgufValue.float32s(floats(pre.imageStd())));
            meta.put(ClipVision.SPATIAL_MERGE_SIZE, GgufValue.u32(t.spatialMergeSize()));
            meta.put(ClipVision.IS_DEEPSTACK_LAYERS, GgufValue.bools(new boolean[t.depth()]));
            GgufWriter.write(output, meta, tensors, listener);
            long bytes = 0;
            for (GgufTensor g : tensors) bytes += g.byteSize();
            return new Result(output, tensors.size(), bytes);
        }
    }

    private static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }

    static List<GgufTensor> tensors(Qwen35VisionTower t, SafetensorsModel weights, OutputType type) {
        TensorNameMap names = TensorNameMap.of(Clip.ARCHITECTURE_NAME, VISION_KINDS);
        List<GgufTensor> out = new ArrayList<>();
        for (TensorSpec s : t.tensorSpecs()) {
            if (!weights.contains(s.name())) {
                throw new SmeltException("the weights lack vision tensor \"" + s.name() + "\" that vision_config requires");
            }
            TensorInfo info = weights.info(s.name());
            if (!Arrays.equals(info.shape(), s.shape())) {
                throw new SmeltException("tensor \"" + s.name() + "\" has shape " + Arrays.toString(info.shape())
                        + " but vision_config implies " + Arrays.toString(s.shape()));
            }
            MappedTensor m = names.map(s.name());
            if (m.kind() == TensorKind.V_PATCH_EMBD && !m.isBias()) {
                out.addAll(splitPatchKernel(m.ggufName(), weights.floats(s.name()), s.shape(),
                        type == OutputType.F16 ? GgmlType.F16 : GgmlType.F32));
                continue;
            }
            boolean matrix = s.shape().length >= 2 && !m.kind().keepsF32() && !m.isBias();
            GgmlType gt = matrix ? type.ggmlType() : GgmlType.F32;
            out.add(new ConvertedTensor(m.ggufName(), GgufExport.reverse(s.shape()), gt, weights.file(s.name()), info,
                    RowTransform.IDENTITY));
        }
        return out;
    }

    /** {@code [D, C, 2, P, P]} → frame 0 and frame 1 kernels {@code [D, C, P, P]} (GGUF dims {P, P, C, D}). */
    private static List<GgufTensor> splitPatchKernel(String name, float[] w, long[] shape, GgmlType type) {
        int d = (int) shape[0], ch = (int) shape[1], tp = (int) shape[2], pp = (int) (shape[3] * shape[4]);
        List<GgufTensor> out = new ArrayList<>();
        for (int frame = 0; frame < tp; frame++) {
            int n = d * ch * pp;
            ByteBuffer b = ByteBuffer.allocate(n * (type == GgmlType.F32 ? 4 : 2)).order(ByteOrder.LITTLE_ENDIAN);
            for (int o = 0; o < d; o++) {
                for (int c = 0; c < ch; c++) {
                    int src = ((o * ch + c) * tp + frame) * pp;
                    for (int i = 0; i < pp; i++) {
                        if (type == GgmlType.F32) b.putFloat(w[src + i]);
                        else b.putShort(Floats.floatToHalf(w[src + i]));
                    }
                }
            }
            b.flip();
            String n2 = frame == 0 ? name : name + TensorKind.SECOND_FRAME_SUFFIX;
            out.add(GgufTensor.of(n2, new long[] {shape[4], shape[3], ch, d}, type, b));
        }
        return out;
    }
}
