package dev.smelt.converter.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import dev.smelt.converter.arch.RowTransform;
import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.GgufTensorInfo;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatTemplate;
import dev.smelt.core.chat.ChatTemplateKwargs;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.core.safetensors.SafetensorsWriter;
import dev.smelt.core.safetensors.TensorSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GgufExportTest {
    @TempDir Path tmp;

    private Path convert(String arch, DType src, OutputType out, List<String> notes) throws Exception {
        Path dir = TinyHfModels.write(tmp.resolve(arch + "-" + src), arch, src, 7);
        Path gguf = tmp.resolve(arch + "-" + out + ".gguf");
        GgufExport.export(dir, gguf, GgufExport.Options.of(out), new GgufExport.Listener() {
            @Override
            public void note(String message) {
                notes.add(message);
            }
        });
        return gguf;
    }

    /**
     * The template variables a merged model was trained with are fixed in tokenizer.chat_template: llama.cpp and
     * node-llama-cpp pass enable_thinking themselves, so a default would never apply there.
     */
    @Test
    void recordedChatTemplateKwargsAreFixedInTheTemplate() throws Exception {
        Path dir = TinyHfModels.write(tmp.resolve("qwen3-kwargs"), "qwen3", DType.F32, 7);
        String template = ChatTemplate.fromModelDir(dir).source();
        ChatTemplateKwargs.of("enable_thinking", false).write(dir);
        List<String> notes = new ArrayList<>();
        Path gguf = tmp.resolve("kwargs.gguf");
        GgufExport.export(dir, gguf, GgufExport.Options.of(OutputType.F32), new GgufExport.Listener() {
            @Override
            public void note(String message) {
                notes.add(message);
            }
        });
        try (GgufReader r = GgufReader.open(gguf)) {
            assertThat(r.metadata().get("tokenizer.chat_template"))
                    .isEqualTo(GgufValue.of("{%- set enable_thinking = false %}" + template));
        }
        assertThat(notes).anySatisfy(n -> assertThat(n).contains("enable_thinking=false"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "qwen3_5"})
    void f16ExportKeepsSmallTensorsF32AndWritesMetadata(String arch) throws Exception {
        List<String> notes = new ArrayList<>();
        Path gguf = convert(arch, DType.BF16, OutputType.F16, notes);
        String ga = arch.equals("qwen3_5") ? "qwen35" : arch;
        try (GgufReader r = GgufReader.open(gguf)) {
            Map<String, GgufValue> m = r.metadata();
            assertThat(r.architecture()).isEqualTo(ga);
            assertThat(m.get("general.file_type")).isEqualTo(GgufValue.u32(1));
            assertThat(m.get("general.license")).isEqualTo(GgufValue.of("apache-2.0"));
            assertThat(m.get("general.base_model.0.name")).isEqualTo(GgufValue.of("base-" + arch));
            assertThat(m.get("general.base_model.0.repo_url")).isEqualTo(GgufValue.of("https://huggingface.co/smelt-tests/base-" + arch));
            assertThat(m.get(ga + ".embedding_length")).isEqualTo(GgufValue.u32(64));
            assertThat(m.get(ga + ".feed_forward_length")).isEqualTo(GgufValue.u32(128));
            assertThat(m).containsKeys(ga + ".context_length", ga + ".block_count", ga + ".attention.head_count",
                    ga + ".attention.head_count_kv", ga + ".attention.layer_norm_rms_epsilon", ga + ".rope.freq_base",
                    ga + ".rope.dimension_count", ga + ".attention.key_length", "tokenizer.ggml.tokens",
                    "tokenizer.chat_template");
            assertThat(((GgufValue.Array) m.get("tokenizer.ggml.tokens")).size()).isEqualTo(TinyHfModels.VOCAB);
            assertThat(m.get("tokenizer.ggml.pre")).isEqualTo(GgufValue.of(switch (arch) {
                case "llama" -> "llama-bpe";
                case "qwen3_5" -> "qwen35";
                default -> "qwen2";
            }));
            assertThat(m.get("tokenizer.ggml.eos_token_id")).isEqualTo(GgufValue.u32(262));
            for (GgufTensorInfo t : r.tensors()) {
                boolean small = t.nDims() == 1 || t.name().endsWith("_norm.weight") || t.name().endsWith(".bias")
                        || t.name().contains("ssm_conv1d") || t.name().endsWith("ssm_a");
                assertThat(t.type()).as(t.name()).isEqualTo(small ? GgmlType.F32 : GgmlType.F16);
            }
            assertThat(r.tensor("token_embd.weight").dims()).containsExactly(64, TinyHfModels.VOCAB);
            if (!arch.equals("qwen3_5")) assertThat(m.get(ga + ".rope.dimension_count")).isEqualTo(GgufValue.u32(arch.equals("qwen3") ? 32 : 16));
        }
        if (arch.equals("qwen3_5")) {
            assertThat(notes).anySatisfy(n -> assertThat(n).contains("multi-token-prediction"));
            assertThat(notes).anySatisfy(n -> assertThat(n).contains("vision tower"));
        } else {
            assertThat(notes).isEmpty();
        }
    }

    @Test
    void qwen35TensorsAndKeysMatchLlamaCppLoader() throws Exception {
        Path gguf = convert("qwen3_5", DType.F32, OutputType.F32, new ArrayList<>());
        Path src = tmp.resolve("qwen3_5-F32");
        try (GgufReader r = GgufReader.open(gguf); SafetensorsModel w = SafetensorsModel.open(src)) {
            Map<String, GgufValue> m = r.metadata();
            assertThat(m.get("qwen35.block_count")).isEqualTo(GgufValue.u32(4));
            assertThat(m.get("qwen35.rope.dimension_count")).isEqualTo(GgufValue.u32(8));
            assertThat(m.get("qwen35.rope.dimension_sections")).isEqualTo(GgufValue.int32s(new int[] {2, 1, 1, 0}));
            assertThat(m.get("qwen35.ssm.conv_kernel")).isEqualTo(GgufValue.u32(4));
            assertThat(m.get("qwen35.ssm.state_size")).isEqualTo(GgufValue.u32(16));
            assertThat(m.get("qwen35.ssm.group_count")).isEqualTo(GgufValue.u32(2));
            assertThat(m.get("qwen35.ssm.time_step_rank")).isEqualTo(GgufValue.u32(4));
            assertThat(m.get("qwen35.ssm.inner_size")).isEqualTo(GgufValue.u32(64));
            assertThat(m.get("qwen35.full_attention_interval")).isEqualTo(GgufValue.u32(4));
            assertThat(m.get("qwen35.attention.key_length")).isEqualTo(GgufValue.u32(32));
            assertThat(r.findTensor("output.weight")).isEmpty(); // tied
            assertThat(r.tensors()).noneMatch(t -> t.name().startsWith("blk.4.") || t.name().contains("nextn"));

            String p = "model.language_model.layers.0.linear_attn.";
            // conv1d [C,1,K] squeezed → GGUF [K, C]; conv_dim = 2·32 + 64 = 128
            assertThat(r.tensor("blk.0.ssm_conv1d.weight").dims()).containsExactly(4, 128);
            assertThat(r.tensor("blk.0.ssm_a").dims()).containsExactly(4);
            assertThat(r.tensor("blk.0.ssm_dt.bias").dims()).containsExactly(4);
            // A = −exp(A_log) with V heads tiled: Hk = 2, r = 2 → order [0, 2, 1, 3]
            float[] aLog = w.floats(p + "A_log");
            float[] a = r.floats("blk.0.ssm_a");
            int[] tile = {0, 2, 1, 3};
            for (int i = 0; i < 4; i++) assertThat(a[i]).isCloseTo((float) -Math.exp(aLog[tile[i]]), offset(1e-5f));
            float[] dt = w.floats(p + "dt_bias");
            float[] dtOut = r.floats("blk.0.ssm_dt.bias");
            for (int i = 0; i < 4; i++) assertThat(dtOut[i]).isEqualTo(dt[tile[i]]);
            // in_proj_qkv: q/k rows (64) untouched, V heads (16 rows each) tiled
            float[] qkv = w.floats(p + "in_proj_qkv.weight");
            float[] qkvOut = r.floats("blk.0.attn_qkv.weight");
            int hidden = 64;
            for (int row = 0; row < 64; row++) assertRow(qkvOut, row, qkv, row, hidden);
            for (int head = 0; head < 4; head++) {
                for (int d = 0; d < 16; d++) assertRow(qkvOut, 64 + head * 16 + d, qkv, 64 + tile[head] * 16 + d, hidden);
            }
            // out_proj: columns tiled
            float[] op = w.floats(p + "out_proj.weight");
            float[] opOut = r.floats("blk.0.ssm_out.weight");
            for (int row = 0; row < hidden; row++) {
                for (int head = 0; head < 4; head++) {
                    for (int d = 0; d < 16; d++) {
                        assertThat(opOut[row * 64 + head * 16 + d]).isEqualTo(op[row * 64 + tile[head] * 16 + d]);
                    }
                }
            }
            // (1+w) norms get +1, the gated GDN norm does not
            float[] ln = w.floats("model.language_model.layers.0.input_layernorm.weight");
            float[] lnOut = r.floats("blk.0.attn_norm.weight");
            for (int i = 0; i < ln.length; i++) assertThat(lnOut[i]).isEqualTo(ln[i] + 1f);
            assertThat(r.floats("blk.0.ssm_norm.weight")).containsExactly(w.floats(p + "norm.weight"));
            float[] qn = w.floats("model.language_model.layers.3.self_attn.q_norm.weight");
            assertThat(r.floats("blk.3.attn_q_norm.weight")[0]).isEqualTo(qn[0] + 1f);
            float[] fn = w.floats("model.language_model.norm.weight");
            assertThat(r.floats("output_norm.weight")[5]).isEqualTo(fn[5] + 1f);
            // full-attention layer keeps the doubled (query + gate) attn_q
            assertThat(r.tensor("blk.3.attn_q.weight").dims()).containsExactly(64, 128);
        }
    }

    @Test
    void llamaQueryAndKeyRowsArePermuted() throws Exception {
        Path gguf = convert("llama", DType.F32, OutputType.F32, new ArrayList<>());
        try (GgufReader r = GgufReader.open(gguf); SafetensorsModel w = SafetensorsModel.open(tmp.resolve("llama-F32"))) {
            float[] q = w.floats("model.layers.1.self_attn.q_proj.weight");
            float[] qOut = r.floats("blk.1.attn_q.weight");
            int[] order = RowTransform.llamaRopePermutation(64, 4);
            for (int row = 0; row < 64; row++) assertRow(qOut, row, q, order[row], 64);
            float[] k = w.floats("model.layers.1.self_attn.k_proj.weight");
            float[] kOut = r.floats("blk.1.attn_k.weight");
            int[] korder = RowTransform.llamaRopePermutation(32, 2);
            for (int row = 0; row < 32; row++) assertRow(kOut, row, k, korder[row], 64);
            // v is untouched
            assertThat(r.floats("blk.1.attn_v.weight")).containsExactly(w.floats("model.layers.1.self_attn.v_proj.weight"));
            assertThat(r.metadata().get("general.file_type")).isEqualTo(GgufValue.u32(0));
        }
    }

    @Test
    void qwenHasNoPermutationAndKeepsBiases() throws Exception {
        Path gguf = convert("qwen2", DType.F32, OutputType.BF16, new ArrayList<>());
        try (GgufReader r = GgufReader.open(gguf); SafetensorsModel w = SafetensorsModel.open(tmp.resolve("qwen2-F32"))) {
            assertThat(r.tensor("blk.0.attn_q.bias").type()).isEqualTo(GgmlType.F32);
            assertThat(r.floats("blk.0.attn_q.bias")).containsExactly(w.floats("model.layers.0.self_attn.q_proj.bias"));
            assertThat(r.tensor("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.BF16);
            float[] q = w.floats("model.layers.0.self_attn.q_proj.weight");
            float[] qOut = r.floats("blk.0.attn_q.weight");
            for (int i = 0; i < q.length; i++) assertThat(qOut[i]).isCloseTo(q[i], offset(Math.abs(q[i]) / 128 + 1e-30f));
            assertThat(r.metadata().get("general.file_type")).isEqualTo(GgufValue.u32(32));
        }
    }

    @Test
    void sameTypeTensorsAreCopiedBitForBit() throws Exception {
        Path gguf = convert("qwen3", DType.BF16, OutputType.BF16, new ArrayList<>());
        try (GgufReader r = GgufReader.open(gguf); SafetensorsModel w = SafetensorsModel.open(tmp.resolve("qwen3-BF16"))) {
            assertThat(r.bytes("blk.1.ffn_down.weight")).isEqualTo(w.bytes("model.layers.1.mlp.down_proj.weight"));
            assertThat(r.tensor("blk.1.ffn_norm.weight").type()).isEqualTo(GgmlType.F32);
            assertThat(r.floats("blk.1.ffn_norm.weight")).containsExactly(w.floats("model.layers.1.post_attention_layernorm.weight"));
        }
    }

    @Test
    void unknownTensorFailsBeforeAnythingIsWritten() throws Exception {
        Path dir = TinyHfModels.write(tmp.resolve("odd"), "qwen3", DType.F32, 1);
        Path extra = dir.resolve("extra.safetensors");
        SafetensorsWriter.write(extra, Map.of(), List.of(
                TensorSource.ofFloats("model.layers.0.mystery.weight", new long[] {2}, new float[2])));
        Path out = tmp.resolve("odd.gguf");
        assertThatThrownBy(() -> GgufExport.export(dir, out, GgufExport.Options.of(OutputType.F16), new GgufExport.Listener() {}))
                .isInstanceOf(SmeltException.class).hasMessageContaining("\"model.layers.0.mystery.weight\"");
        assertThat(out).doesNotExist();
        try (var s = Files.list(tmp)) {
            assertThat(s.map(x -> x.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList()).isEmpty();
        }
    }

    @Test
    void sizeLabelsFollowGgufPy() {
        assertThat(GgufExport.sizeLabel(596_049_920L)).isEqualTo("596M");
        assertThat(GgufExport.sizeLabel(751_632_384L)).isEqualTo("752M");
        assertThat(GgufExport.sizeLabel(7_615_616_512L)).isEqualTo("7.6B");
        assertThat(GgufExport.sizeLabel(1_543_714_304L)).isEqualTo("1.5B");
        assertThat(GgufExport.sizeLabel(70_553_706_496L)).isEqualTo("71B");
        assertThat(GgufExport.sizeLabel(103_000L)).isEqualTo("103K");
        assertThat(GgufExport.sizeLabel(9_400L)).isEqualTo("9.4K");
    }

    @Test
    void outputMustBeAFileName() throws Exception {
        Path dir = TinyHfModels.write(tmp.resolve("m"), "qwen2", DType.F32, 1);
        assertThatThrownBy(() -> GgufExport.export(dir, tmp, GgufExport.Options.of(OutputType.F16), new GgufExport.Listener() {}))
                .isInstanceOf(SmeltException.class).hasMessageContaining("is a directory");
    }

    @Test
    void shapeMismatchWithConfigIsReported() throws Exception {
        Path dir = TinyHfModels.write(tmp.resolve("bad"), "qwen3", DType.F32, 1);
        Files.writeString(dir.resolve("config.json"), TinyHfModels.configJson("qwen3").replace("\"intermediate_size\": 128", "\"intermediate_size\": 96"));
        assertThatThrownBy(() -> GgufExport.export(dir, tmp.resolve("bad.gguf"), GgufExport.Options.of(OutputType.F32), new GgufExport.Listener() {}))
                .isInstanceOf(SmeltException.class).hasMessageContaining("mlp.gate_proj.weight").hasMessageContaining("[96, 64]");
    }

    private static void assertRow(float[] out, int outRow, float[] src, int srcRow, int cols) {
        for (int c = 0; c < cols; c++) {
            assertThat(out[outRow * cols + c]).as("row %d col %d", outRow, c).isEqualTo(src[srcRow * cols + c]);
        }
    }
}
