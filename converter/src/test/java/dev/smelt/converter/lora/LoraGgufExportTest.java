package dev.smelt.converter.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.converter.arch.RowTransform;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.converter.gguf.vocab.GgufKeys;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.converter.hf.TinyHfModels;
import dev.smelt.core.SmeltException;
import dev.smelt.core.safetensors.DType;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraGgufExportTest {
    @TempDir Path tmp;

    @Test
    void llamaFactorsGetTheBaseNamesAndLoraBTheQueryRopePermutation() throws Exception {
        Path base = TinyHfModels.write(tmp.resolve("llama"), "llama", DType.F32, 1);
        TestAdapters.Module q = TestAdapters.random("model.layers.0.self_attn.q_proj", 3, 64, 64, 5);
        TestAdapters.Module down = TestAdapters.random("model.layers.1.mlp.down_proj", 3, 128, 64, 6);
        Path adapter = TestAdapters.write(tmp.resolve("adapter"), "{\"r\": 3, \"lora_alpha\": 6, \"target_modules\": [\"q_proj\", \"down_proj\"]}", q, down);
        Path out = tmp.resolve("a.gguf");

        LoraGgufExport.Result r = LoraGgufExport.export(adapter, base, out, new LoraGgufExport.Options(OutputType.F32, null),
                GgufWriter.Listener.NONE);

        assertThat(r.adaptedTensors()).isEqualTo(2);
        try (GgufReader g = GgufReader.open(out)) {
            assertThat(g.string(GgufKeys.General.ARCHITECTURE)).contains("llama");
            assertThat(g.string(GgufKeys.General.TYPE)).contains("adapter");
            assertThat(g.string(GgufKeys.Adapter.TYPE)).contains("lora");
            assertThat(g.metadata().get(GgufKeys.Adapter.LORA_ALPHA)).isEqualTo(GgufValue.f32(6f));
            assertThat(g.tensors()).extracting(t -> t.name()).containsExactly("blk.0.attn_q.weight.lora_a",
                    "blk.0.attn_q.weight.lora_b", "blk.1.ffn_down.weight.lora_a", "blk.1.ffn_down.weight.lora_b");
            // base attn_q is GGUF [in 64, out 64]: lora_a [in, r], lora_b [r, out]
            assertThat(g.tensor("blk.0.attn_q.weight.lora_a").dims()).containsExactly(64, 3);
            assertThat(g.tensor("blk.0.attn_q.weight.lora_b").dims()).containsExactly(3, 64);
            assertThat(g.tensor("blk.1.ffn_down.weight.lora_a").dims()).containsExactly(128, 3);
            assertThat(g.floats("blk.0.attn_q.weight.lora_a")).containsExactly(q.a());
            int[] perm = RowTransform.llamaRopePermutation(64, 4);
            assertThat(g.floats("blk.0.attn_q.weight.lora_b"))
                    .containsExactly(new RowTransform(perm, null, RowTransform.ElementOp.NONE).apply(q.b(), 64, 3));
            assertThat(g.floats("blk.1.ffn_down.weight.lora_b")).containsExactly(down.b());
        }
    }

    @Test
    void qwen35VHeadTilingMovesLoraBRowsAndLoraAColumnsAcrossNestedSpellings() throws Exception {
        // nested checkpoint (model.language_model.*), adapter named after the text-only class (model.layers.*)
        Path base = TinyHfModels.write(tmp.resolve("q35"), "qwen3_5", DType.F32, 2);
        int kHeads = 2, vPerK = 2, dv = 16, keyDim = 32;
        int qkvRows = 2 * keyDim + kHeads * vPerK * dv;
        TestAdapters.Module qkv = TestAdapters.random("model.layers.0.linear_attn.in_proj_qkv", 2, 64, qkvRows, 7);
        TestAdapters.Module outProj = TestAdapters.random("model.layers.0.linear_attn.out_proj", 2, kHeads * vPerK * dv, 64, 8);
        TestAdapters.Module beta = TestAdapters.random("model.layers.1.linear_attn.in_proj_b", 2, 64, kHeads * vPerK, 9);
        Path adapter = TestAdapters.write(tmp.resolve("adapter"), "{\"r\": 2, \"lora_alpha\": 4, \"target_modules\": \"all-linear\"}",
                qkv, outProj, beta);
        Path out = tmp.resolve("a.gguf");

        LoraGgufExport.export(adapter, base, out, new LoraGgufExport.Options(OutputType.F32, "task"), GgufWriter.Listener.NONE);

        try (GgufReader g = GgufReader.open(out)) {
            assertThat(g.string(GgufKeys.General.ARCHITECTURE)).contains("qwen35");
            assertThat(g.string(GgufKeys.General.NAME)).contains("task");
            int[] qkvOrder = RowTransform.vHeadTiling(qkvRows, 2 * keyDim, kHeads, vPerK, dv);
            assertThat(g.floats("blk.0.attn_qkv.weight.lora_b"))
                    .containsExactly(new RowTransform(qkvOrder, null, RowTransform.ElementOp.NONE).apply(qkv.b(), qkvRows, 2));
            assertThat(g.floats("blk.0.attn_qkv.weight.lora_a")).containsExactly(qkv.a());
            int[] cols = RowTransform.vHeadTiling(kHeads * vPerK * dv, 0, kHeads, vPerK, dv);
            assertThat(g.floats("blk.0.ssm_out.weight.lora_a"))
                    .containsExactly(new RowTransform(null, cols, RowTransform.ElementOp.NONE).apply(outProj.a(), 2, cols.length));
            assertThat(g.floats("blk.0.ssm_out.weight.lora_b")).containsExactly(outProj.b());
            int[] heads = RowTransform.vHeadTiling(kHeads * vPerK, 0, kHeads, vPerK, 1);
            assertThat(g.floats("blk.1.ssm_beta.weight.lora_b"))
                    .containsExactly(new RowTransform(heads, null, RowTransform.ElementOp.NONE).apply(beta.b(), heads.length, 2));
        }
    }

    @Test
    void rsloraAndAlphaPatternScalingIsCarriedByTheFileAlphaAndB() throws Exception {
        Path base = TinyHfModels.write(tmp.resolve("qwen3"), "qwen3", DType.F32, 3);
        TestAdapters.Module q = TestAdapters.random("model.layers.0.self_attn.q_proj", 4, 64, 128, 1);
        TestAdapters.Module down = TestAdapters.random("model.layers.0.mlp.down_proj", 4, 128, 64, 2);
        Path adapter = TestAdapters.write(tmp.resolve("adapter"), "{\"r\": 4, \"lora_alpha\": 8, \"use_rslora\": true,"
                + " \"alpha_pattern\": {\"down_proj\": 2}, \"target_modules\": [\"q_proj\", \"down_proj\"]}", q, down);
        Path out = tmp.resolve("a.gguf");

        LoraGgufExport.Result r = LoraGgufExport.export(adapter, base, out, new LoraGgufExport.Options(OutputType.F32, null),
                GgufWriter.Listener.NONE);

        // q_proj: rsLoRA scaling 8/√4 = 4 = alpha/r with alpha 16; down_proj: 2/√4 = 1, a quarter of that, folded into B
        assertThat(r.alpha()).isEqualTo(16f);
        try (GgufReader g = GgufReader.open(out)) {
            assertThat(g.floats("blk.0.attn_q.weight.lora_b")).containsExactly(q.b());
            float[] quarter = down.b().clone();
            for (int i = 0; i < quarter.length; i++) quarter[i] *= 0.25f;
            assertThat(g.floats("blk.0.ffn_down.weight.lora_b")).containsExactly(quarter);
        }
    }

    @Test
    void refusesModulesTheBaseDoesNotHaveOrShapesThatDisagree() throws Exception {
        Path base = TinyHfModels.write(tmp.resolve("llama"), "llama", DType.F32, 1);
        String config = "{\"r\": 2, \"lora_alpha\": 2, \"target_modules\": [\"q_proj\"]}";
        Path missing = TestAdapters.write(tmp.resolve("missing"), config,
                TestAdapters.random("model.layers.7.self_attn.q_proj", 2, 64, 64, 1));
        assertThatThrownBy(() -> LoraGgufExport.export(missing, base, tmp.resolve("x.gguf"),
                new LoraGgufExport.Options(OutputType.F16, null), GgufWriter.Listener.NONE))
                .isInstanceOf(SmeltException.class)
                .hasMessageContaining("module \"model.layers.7.self_attn.q_proj\" has no weight");
        Path wrong = TestAdapters.write(tmp.resolve("wrong"), config,
                TestAdapters.random("model.layers.0.self_attn.q_proj", 2, 32, 64, 1));
        assertThatThrownBy(() -> LoraGgufExport.export(wrong, base, tmp.resolve("x.gguf"),
                new LoraGgufExport.Options(OutputType.F16, null), GgufWriter.Listener.NONE))
                .isInstanceOf(SmeltException.class)
                .hasMessageContaining("adapts [64, 32] but the base weight model.layers.0.self_attn.q_proj.weight is [64, 64]");
        assertThat(tmp.resolve("x.gguf")).doesNotExist();
    }

    @Test
    void refusesPeftSettingsThatAreNotAPlainLowRankUpdate() throws Exception {
        Path base = TinyHfModels.write(tmp.resolve("llama"), "llama", DType.F32, 1);
        Path dora = TestAdapters.write(tmp.resolve("dora"), "{\"r\": 2, \"lora_alpha\": 2, \"use_dora\": true}",
                TestAdapters.random("model.layers.0.self_attn.q_proj", 2, 64, 64, 1));
        assertThatThrownBy(() -> LoraGgufExport.export(dora, base, tmp.resolve("x.gguf"),
                new LoraGgufExport.Options(OutputType.F16, null), GgufWriter.Listener.NONE))
                .isInstanceOf(SmeltException.class)
                .hasMessageEndingWith("adapter_config.json: field \"use_dora\" is true; DoRA adapters are not supported");
    }
}
