package dev.smelt.converter.gguf.vocab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GgufKeysTest {
    @Test
    void templatesFillTheirPlaceholder() {
        assertThat(GgufKeys.Llm.CONTEXT_LENGTH.of("qwen35")).isEqualTo("qwen35.context_length");
        assertThat(GgufKeys.Attention.LAYERNORM_RMS_EPS.of("llama")).isEqualTo("llama.attention.layer_norm_rms_epsilon");
        assertThat(GgufKeys.General.BASE_MODEL_REPO_URL.of(2)).isEqualTo("general.base_model.2.repo_url");
        assertThat(GgufKeys.Tokenizer.CHAT_TEMPLATE_NAMED.of("tool_use")).isEqualTo("tokenizer.chat_template.tool_use");
        assertThatThrownBy(() -> new KeyTemplate("{arch}.{x}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KeyTemplate("general.name")).isInstanceOf(IllegalArgumentException.class);
    }

    /** Catches a copy-pasted constant: every key is spelled once, in its group's namespace. */
    @Test
    void everyKeyIsDistinctAndInItsNamespace() throws Exception {
        Map<String, String> seen = new HashMap<>();
        Map<Class<?>, String> prefixes = Map.of(GgufKeys.General.class, "general.", GgufKeys.Llm.class, "{arch}.",
                GgufKeys.Attention.class, "{arch}.attention.", GgufKeys.Rope.class, "{arch}.rope.", GgufKeys.Ssm.class, "{arch}.ssm.",
                GgufKeys.Tokenizer.class, "tokenizer.", GgufKeys.Adapter.class, "adapter.", GgufKeys.IMatrix.class, "imatrix.",
                GgufKeys.Clip.class, "clip.", GgufKeys.ClipVision.class, "clip.vision.");
        prefixes = new HashMap<>(prefixes);
        prefixes.put(GgufKeys.Smelt.class, "smelt.");
        int keys = 0;
        for (Map.Entry<Class<?>, String> group : prefixes.entrySet()) {
            for (Field f : group.getKey().getFields()) {
                if (!Modifier.isStatic(f.getModifiers())) continue;
                Object v = f.get(null);
                String key = v instanceof KeyTemplate t ? t.template() : (String) v;
                if (f.getName().equals("ARCHITECTURE_NAME")) continue; // a value, not a key
                if (f.getName().endsWith("_SUFFIX")) continue;         // appended to tensor names, not a key
                String where = group.getKey().getSimpleName() + "." + f.getName();
                assertThat(key).as(where).startsWith(group.getValue()).matches("[a-z0-9_.{}]+");
                assertThat(seen.put(key, where)).as(key + " twice").isNull();
                keys++;
            }
        }
        assertThat(keys).isGreaterThan(90);
    }
}
