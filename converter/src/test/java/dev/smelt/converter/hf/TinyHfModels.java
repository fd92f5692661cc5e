package dev.smelt.converter.hf;

import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.TensorSpec;
import dev.smelt.core.safetensors.DType;
import dev.smelt.testkit.tiny.ByteLevelTokenizer;
import dev.smelt.testkit.tiny.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes small random Hugging Face model directories (config.json, model.safetensors, a byte-level BPE
 * tokenizer.json and tokenizer_config.json) for converter tests; weights and tokenizer through the testkit's
 * {@link TinyModels} and {@link ByteLevelTokenizer}.
 */
public final class TinyHfModels {
    private TinyHfModels() {}

    public static final int VOCAB = 272;

    public static String configJson(String arch) {
        return switch (arch) {
            case "llama" -> """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 272, "hidden_size": 64,
                 "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                 "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "max_position_embeddings": 512, "tie_word_embeddings": false,
                 "bos_token_id": 260, "eos_token_id": 262}""";
            case "qwen2" -> """
                {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": 272, "hidden_size": 64,
                 "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                 "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "max_position_embeddings": 512, "tie_word_embeddings": true,
                 "bos_token_id": 260, "eos_token_id": 262}""";
            case "qwen3" -> """
                {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "vocab_size": 272, "hidden_size": 64,
                 "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                 "head_dim": 32, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "max_position_embeddings": 512,
                 "tie_word_embeddings": false, "bos_token_id": 260, "eos_token_id": 262}""";
            case "qwen3_5" -> """
                {"architectures": ["Qwen3_5ForConditionalGeneration"], "model_type": "qwen3_5", "tie_word_embeddings": true,
                 "text_config": {"model_type": "qwen3_5_text", "vocab_size": 272, "hidden_size": 64, "intermediate_size": 128,
                   "num_hidden_layers": 4, "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 32,
                   "rms_norm_eps": 1e-6, "max_position_embeddings": 1024, "linear_conv_kernel_dim": 4,
                   "linear_key_head_dim": 16, "linear_value_head_dim": 16, "linear_num_key_heads": 2, "linear_num_value_heads": 4,
                   "full_attention_interval": 4, "mtp_num_hidden_layers": 1, "attn_output_gate": true, "eos_token_id": 262,
                   "rope_parameters": {"rope_type": "default", "rope_theta": 10000000.0, "partial_rotary_factor": 0.25,
                                       "mrope_section": [2, 1, 1], "mrope_interleaved": true}},
                 "vision_config": {"depth": 1, "hidden_size": 16}}""";
            case "qwen3_5_text" -> """
                {"architectures": ["Qwen3_5ForCausalLM"], "model_type": "qwen3_5_text", "vocab_size": 272, "hidden_size": 64,
                 "intermediate_size": 128, "num_hidden_layers": 4, "num_attention_heads": 2, "num_key_value_heads": 1,
                 "head_dim": 32, "rms_norm_eps": 1e-6, "max_position_embeddings": 1024, "linear_conv_kernel_dim": 4,
                 "linear_key_head_dim": 16, "linear_value_head_dim": 16, "linear_num_key_heads": 1, "linear_num_value_heads": 3,
                 "full_attention_interval": 2, "attn_output_gate": true, "eos_token_id": 262, "tie_word_embeddings": false,
                 "rope_parameters": {"rope_type": "default", "rope_theta": 10000000.0, "partial_rotary_factor": 0.25,
                                     "mrope_section": [2, 1, 1], "mrope_interleaved": true}}""";
            default -> throw new IllegalArgumentException(arch);
        };
    }

    /** Writes a complete model directory with weights in {@code dtype} (F32, F16 or BF16). */
    public static Path write(Path dir, String arch, DType dtype, long seed) throws IOException {
        Files.createDirectories(dir);
        Path config = dir.resolve("config.json");
        Files.writeString(config, configJson(arch));
        ModelConfig cfg = ModelConfig.parse(config);
        List<TensorSpec> specs = new ArrayList<>(cfg.tensorSpecs());
        if (cfg instanceof Qwen35Config q) {
            specs.addAll(q.mtpTensorSpecs());
            specs.add(new TensorSpec("model.visual.patch_embed.proj.weight", new long[] {16, 3, 2, 16, 16}));
        }
        Random rnd = new Random(seed);
        boolean qwen35 = cfg instanceof Qwen35Config;
        TinyModels.writeWeights(dir, specs, dtype, (spec, v) -> {
            boolean norm = spec.name().endsWith("norm.weight") || spec.name().contains("layernorm");
            for (int i = 0; i < v.length; i++) {
                v[i] = norm ? (qwen35 ? 0.1f : 1f) * (1 + 0.1f * (float) rnd.nextGaussian()) : 0.08f * (float) rnd.nextGaussian();
            }
            if (spec.name().endsWith("A_log")) for (int i = 0; i < v.length; i++) v[i] = (float) Math.log(1 + rnd.nextDouble() * 8);
        });
        Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson(arch));
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"add_bos_token": false, "add_eos_token": false, "bos_token": null, "eos_token": "<|im_end|>",
                 "pad_token": "<|endoftext|>", "unk_token": null, "model_max_length": 512,
                 "chat_template": "{% for m in messages %}<|im_start|>{{ m.role }}\\n{{ m.content }}<|im_end|>\\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\\n{% endif %}"}
                """);
        Files.writeString(dir.resolve("README.md"), "---\nlicense: apache-2.0\nbase_model:\n- smelt-tests/base-" + arch + "\n---\n# tiny\n");
        return dir;
    }

    static String tokenizerJson(String arch) {
        String regex = switch (arch) {
            case "llama" -> TokenizerMetadata.LLAMA3_REGEX;
            case "qwen3_5" -> TokenizerMetadata.QWEN35_REGEX;
            default -> TokenizerMetadata.QWEN2_REGEX;
        };
        String sp = ByteLevelTokenizer.spell(' ');
        return ByteLevelTokenizer.bytes().merge(sp, "t").merge("h", "e").merge(sp + "t", "he").merge("i", "n")
                .specials("<|endoftext|>", "<|im_start|>", "<|im_end|>").splitRegex(regex).json();
    }
}
