package dev.smelt.quantizer.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.core.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory formulas on the published sizes of two real models, worked out by hand. */
class RuntimeMemoryTest {
    @TempDir Path tmp;

    @Test
    void qwen3DenseKvCacheCoversEveryLayer() throws Exception {
        // Qwen3-0.6B: 28 layers, 8 KV heads of 128, vocab 151936
        ModelConfig c = config("""
                {"model_type": "qwen3", "vocab_size": 151936, "hidden_size": 1024, "intermediate_size": 3072,
                 "num_hidden_layers": 28, "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128}""");
        RuntimeMemory m = RuntimeMemory.of(c, 4096);
        // 28 layers × 4096 tokens × 8 heads × 128 × (K + V) × 2 bytes = 448 MiB
        assertThat(m.kvCacheBytes()).isEqualTo(469_762_048L).isEqualTo(448L << 20);
        assertThat(m.recurrentStateBytes()).isZero();
        // 512 × 151936 × 4 bytes of logits + 64 MiB
        assertThat(m.overheadBytes()).isEqualTo(311_164_928L + 67_108_864L);
        assertThat(RuntimeMemory.of(c, 8192).kvCacheBytes()).isEqualTo(2 * 469_762_048L);
    }

    @Test
    void qwen35HasAKvCacheOnlyInFullAttentionLayersAndAFixedRecurrentStateInTheOthers() throws Exception {
        // Qwen3.5-0.8B's text model: 24 layers, every 4th full attention (2 KV heads of 256); 16 K and 16 V heads of 128
        ModelConfig c = config("""
                {"model_type": "qwen3_5_text", "vocab_size": 248320, "hidden_size": 1024, "intermediate_size": 3584,
                 "num_hidden_layers": 24, "num_attention_heads": 8, "num_key_value_heads": 2, "head_dim": 256,
                 "linear_conv_kernel_dim": 4, "linear_key_head_dim": 128, "linear_value_head_dim": 128,
                 "linear_num_key_heads": 16, "linear_num_value_heads": 16, "full_attention_interval": 4}""");
        RuntimeMemory m = RuntimeMemory.of(c, 4096);
        // 6 full-attention layers × 4096 × 2 heads × 256 × 2 × 2 bytes = 48 MiB
        assertThat(m.kvCacheBytes()).isEqualTo(50_331_648L).isEqualTo(48L << 20);
        // 18 linear layers × 4 bytes × (conv 3 × (2048 + 2·16·128) + delta 128 × 2048) = 18 × 4 × 280576
        assertThat(m.recurrentStateBytes()).isEqualTo(20_201_472L);
        assertThat(RuntimeMemory.of(c, 65536).recurrentStateBytes()).as("independent of the context").isEqualTo(20_201_472L);
        assertThat(m.overheadBytes()).isEqualTo(512L * 248320 * 4 + (64L << 20));
    }

    @Test
    void tiersFitByBudget() {
        assertThat(Tier.fitting(2L << 30)).containsExactly(Tier.PHONE, Tier.GPU_8GB, Tier.LAPTOP);
        assertThat(Tier.fitting((2L << 30) + 1)).containsExactly(Tier.GPU_8GB, Tier.LAPTOP);
        assertThat(Tier.fitting(7L << 30)).containsExactly(Tier.GPU_8GB, Tier.LAPTOP);
        assertThat(Tier.fitting((8L << 30) - (256L << 20))).containsExactly(Tier.LAPTOP);
        assertThat(Tier.fitting((8L << 30) + 1)).isEmpty();
    }

    private ModelConfig config(String json) throws Exception {
        Path f = tmp.resolve("config-" + json.hashCode() + ".json");
        Files.writeString(f, json);
        return ModelConfig.parse(f);
    }
}
