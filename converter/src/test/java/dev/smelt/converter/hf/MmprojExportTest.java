package dev.smelt.converter.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.GgufTensorInfo;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.safetensors.Floats;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code smelt convert mmproj}: the file llama.cpp's converter writes for a Qwen3.5 vision tower (reference §8). */
class MmprojExportTest {
    @TempDir static Path tmp;
    static Path model;

    @BeforeAll
    static void setUp() throws Exception {
        model = tmp.resolve("q35v");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).seed(4).vision(true).build(), model);
    }

    @Test
    void metadataAndTensorsFollowLlamaCppsQwen3VlConverter() throws Exception {
        Path out = tmp.resolve("mmproj-f16.gguf");
        MmprojExport.Result r = MmprojExport.export(model, out, OutputType.F16, null, new GgufWriter.Listener() {});
        assertThat(r.tensorCount()).isEqualTo(34); // 33 model.visual.* tensors, the patch kernel split in two
        try (GgufReader g = GgufReader.open(out); SafetensorsModel w = ModelDirectory.open(model).weights()) {
            Map<String, GgufValue> m = g.metadata();
            assertThat(g.architecture()).isEqualTo("clip");
            assertThat(g.string("general.type")).contains("mmproj");
            assertThat(g.string("clip.projector_type")).contains("qwen3vl_merger");
            assertThat(m.get("clip.has_vision_encoder").plain()).isEqualTo(true);
            assertThat(m.get("clip.use_gelu").plain()).isEqualTo(true);
            // the reference's values for the tiny model: projection 64, image 8 * 16 = 128, patch 16, width 32,
            // MLP 64, 2 blocks, 2 heads, eps 1e-6, merge 2, mean = std = 0.5, no deepstack layers
            assertThat(g.integer("clip.vision.projection_dim")).contains(64L);
            assertThat(g.integer("clip.vision.image_size")).contains(128L);
            assertThat(g.integer("clip.vision.patch_size")).contains(16L);
            assertThat(g.integer("clip.vision.embedding_length")).contains(32L);
            assertThat(g.integer("clip.vision.feed_forward_length")).contains(64L);
            assertThat(g.integer("clip.vision.block_count")).contains(2L);
            assertThat(g.integer("clip.vision.attention.head_count")).contains(2L);
            assertThat(g.integer("clip.vision.spatial_merge_size")).contains(2L);
            assertThat((float) m.get("clip.vision.attention.layer_norm_epsilon").plain()).isEqualTo(1e-6f);
            assertThat(m.get("clip.vision.image_mean").plain()).isEqualTo(List.of(0.5f, 0.5f, 0.5f));
            assertThat(m.get("clip.vision.image_std").plain()).isEqualTo(List.of(0.5f, 0.5f, 0.5f));
            assertThat(m.get("clip.vision.is_deepstack_layers").plain()).isEqualTo(List.of(false, false));
            assertThat(g.integer("general.file_type")).contains(1L);

            assertThat(g.tensors().stream().map(GgufTensorInfo::name)).contains("v.patch_embd.weight", "v.patch_embd.weight.1",
                    "v.patch_embd.bias", "v.position_embd.weight", "v.blk.0.attn_qkv.weight", "v.blk.1.attn_out.bias",
                    "v.blk.0.ln1.weight", "v.blk.1.ln2.bias", "v.blk.0.ffn_up.weight", "v.blk.1.ffn_down.weight",
                    "v.post_ln.weight", "mm.0.weight", "mm.0.bias", "mm.2.weight", "mm.2.bias");
            assertThat(g.tensors().stream().map(GgufTensorInfo::name)).noneMatch(n -> n.startsWith("blk.") || n.equals("token_embd.weight"));
            GgufTensorInfo patch1 = g.tensor("v.patch_embd.weight.1");
            assertThat(patch1.dims()).containsExactly(16, 16, 3, 32);
            assertThat(patch1.type()).isEqualTo(GgmlType.F16);
            assertThat(g.tensor("v.position_embd.weight").type()).isEqualTo(GgmlType.F32);
            assertThat(g.tensor("v.blk.0.ln1.weight").type()).isEqualTo(GgmlType.F32);
            assertThat(g.tensor("mm.0.bias").type()).isEqualTo(GgmlType.F32);
            assertThat(g.tensor("v.blk.0.attn_qkv.weight").type()).isEqualTo(GgmlType.F16);
            assertThat(g.tensor("mm.2.weight").dims()).containsExactly(128, 64);

            // frame 1 of the Conv3d kernel [32, 3, 2, 16, 16]: element (o, c, y, x) = w[o, c, 1, y, x]
            float[] src = w.floats("model.visual.patch_embed.proj.weight");
            ByteBuffer b = g.bytes("v.patch_embd.weight.1").order(ByteOrder.LITTLE_ENDIAN);
            int o = 5, c = 2, y = 7, x = 3;
            float got = Floats.halfToFloat(b.getShort(2 * (((o * 3 + c) * 16 + y) * 16 + x)));
            assertThat(got).isEqualTo(Floats.halfToFloat(Floats.floatToHalf(src[(((o * 3 + c) * 2 + 1) * 16 + y) * 16 + x])));
            // an F32 export keeps every value bit for bit
            Path f32 = tmp.resolve("mmproj-f32.gguf");
            MmprojExport.export(model, f32, OutputType.F32, "x", new GgufWriter.Listener() {});
            try (GgufReader g32 = GgufReader.open(f32)) {
                assertThat(g32.floats("mm.0.weight")).containsExactly(w.floats("model.visual.merger.linear_fc1.weight"));
                assertThat(g32.floats("v.position_embd.weight")).containsExactly(w.floats("model.visual.pos_embed.weight"));
                float[] frame0 = g32.floats("v.patch_embd.weight");
                assertThat(frame0[((o * 3 + c) * 16 + y) * 16 + x]).isEqualTo(src[(((o * 3 + c) * 2) * 16 + y) * 16 + x]);
            }
        }
    }

    @Test
    void aModelWithoutAVisionTowerIsAOneLineError() throws Exception {
        Path text = tmp.resolve("q35");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).seed(4).build(), text);
        assertThatThrownBy(() -> MmprojExport.export(text, tmp.resolve("x.gguf"), OutputType.F16, null, new GgufWriter.Listener() {}))
                .isInstanceOf(SmeltException.class).hasMessageContaining("no vision tower (vision_config) to export");
        assertThat(tmp.resolve("x.gguf")).doesNotExist();
    }
}
