package dev.smelt.trainer.merge;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.safetensors.SafetensorsFile;
import dev.smelt.models.CausalLM;
import dev.smelt.models.ModelLoader;
import dev.smelt.models.nn.Linear;
import dev.smelt.trainer.TinyDense;
import dev.smelt.trainer.lora.LoraAttach;
import dev.smelt.trainer.lora.LoraBlock;
import dev.smelt.trainer.lora.LoraSettings;
import dev.smelt.trainer.peft.AdapterConfig;
import dev.smelt.trainer.peft.AdapterFiles;
import dev.smelt.trainer.peft.LoraPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterRoundTripTest {
    @TempDir Path tmp;

    /** A random adapter (B non-zero) on every linear module of the model in {@code dir}. */
    static Path randomAdapter(Path model, Path dir, boolean rslora) throws Exception {
        List<LoraPair> pairs = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(11);
        try (CausalLM m = ModelLoader.load(ModelDirectory.open(model), Device.cpu(), DataType.FLOAT32)) {
            for (Map.Entry<String, Linear> e : m.linearModules().entrySet()) {
                if (e.getKey().equals("lm_head")) continue;
                int in = (int) e.getValue().inFeatures();
                int out = (int) e.getValue().outFeatures();
                float[] a = new float[4 * in];
                float[] b = new float[out * 4];
                for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian() * 0.3f;
                for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian() * 0.3f;
                pairs.add(new LoraPair(e.getKey(), 4, in, out, a, b));
            }
        }
        AdapterConfig cfg = AdapterConfig.of(new LoraSettings(4, 8, 0.05, rslora, new LoraSettings.Targets.AllLinear()),
                model.toString(), null);
        AdapterFiles.write(dir, cfg, pairs);
        return dir;
    }

    static float[] logits(Path model, Path adapter) {
        try (CausalLM m = ModelLoader.load(ModelDirectory.open(model), Device.cpu(), DataType.FLOAT32);
                NDManager sm = m.manager().newSubManager()) {
            if (adapter != null) LoraAttach.apply(m, adapter);
            NDArray ids = sm.create(new long[] {0, 3, 4, 5, 22, 7, 9, 8, 7, 22, 30, 31}, new Shape(2, 6));
            return m.logits(new ParameterStore(sm, false), ids, null, null, false).toFloatArray();
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    @Test
    void saveLoadGivesIdenticalLogitsAndMergeEqualsBasePlusAdapter() throws Exception {
        Path model = TinyDense.write(tmp.resolve("m"), "qwen2", 5);
        Path adapter = randomAdapter(model, tmp.resolve("a"), false);
        float[] base = logits(model, null);
        float[] withAdapter = logits(model, adapter);
        assertThat(maxAbsDiff(base, withAdapter)).isGreaterThan(1e-2);

        // load → save from the attached blocks → load again: identical logits
        try (CausalLM m = ModelLoader.load(ModelDirectory.open(model), Device.cpu(), DataType.FLOAT32)) {
            List<LoraBlock> blocks = LoraAttach.apply(m, adapter);
            List<LoraPair> pairs = new ArrayList<>();
            for (LoraBlock b : blocks) pairs.add(b.toPair());
            AdapterFiles.write(tmp.resolve("a2"), AdapterConfig.read(adapter), pairs);
        }
        assertThat(maxAbsDiff(withAdapter, logits(model, tmp.resolve("a2")))).isEqualTo(0.0);

        AdapterMerger.Result r = AdapterMerger.merge(model, adapter, tmp.resolve("merged"), null, 1L << 30, null);
        assertThat(r.foldedModules()).isEqualTo(14);
        assertThat(tmp.resolve("merged/config.json")).exists();
        assertThat(maxAbsDiff(withAdapter, logits(tmp.resolve("merged"), null))).isLessThan(1e-4);

        // base weights on disk untouched, merged weights sharded when asked
        AdapterMerger.merge(model, adapter, tmp.resolve("sharded"), DType.F32, 20_000, null);
        assertThat(tmp.resolve("sharded/model.safetensors.index.json")).exists();
        assertThat(maxAbsDiff(withAdapter, logits(tmp.resolve("sharded"), null))).isLessThan(1e-4);
    }

    @Test
    void filesUsePeftNamesShapesAndConfigFields() throws Exception {
        Path model = TinyDense.write(tmp.resolve("m"), "llama", 5);
        Path adapter = randomAdapter(model, tmp.resolve("a"), true);
        try (SafetensorsFile f = SafetensorsFile.open(adapter.resolve("adapter_model.safetensors"))) {
            assertThat(f.info("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape()).containsExactly(4, 32);
            assertThat(f.info("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight").shape()).containsExactly(32, 4);
            assertThat(f.info("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight").shape()).containsExactly(4, 64);
        }
        JsonNode c = new ObjectMapper().readTree(Files.readString(adapter.resolve("adapter_config.json")));
        assertThat(c.get("peft_type").asText()).isEqualTo("LORA");
        assertThat(c.get("task_type").asText()).isEqualTo("CAUSAL_LM");
        assertThat(c.get("r").asInt()).isEqualTo(4);
        assertThat(c.get("lora_alpha").asDouble()).isEqualTo(8.0);
        assertThat(c.get("use_rslora").asBoolean()).isTrue();
        assertThat(c.get("target_modules").asText()).isEqualTo("all-linear");
        assertThat(c.has("revision")).isTrue();
        assertThat(c.get("base_model_name_or_path").asText()).isEqualTo(model.toString());
        assertThat(AdapterFiles.read(adapter).scaling("model.layers.0.self_attn.q_proj")).isEqualTo(8 / Math.sqrt(4));
    }
}
