package dev.smelt.converter.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.TensorSpec;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.safetensors.Floats;
import dev.smelt.core.safetensors.SafetensorsWriter;
import dev.smelt.core.safetensors.TensorSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes small random Hugging Face model directories (config.json, model.safetensors, a byte-level BPE
 * tokenizer.json and tokenizer_config.json) for converter tests, independent of other modules' fixtures.
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
        List<TensorSource> sources = new ArrayList<>();
        for (TensorSpec s : specs) {
            int n = (int) s.numElements();
            float[] v = new float[n];
            boolean norm = s.name().endsWith("norm.weight") || s.name().contains("layernorm");
            for (int i = 0; i < n; i++) {
                v[i] = norm ? (cfg instanceof Qwen35Config ? 0.1f : 1f) * (1 + 0.1f * (float) rnd.nextGaussian())
                        : 0.08f * (float) rnd.nextGaussian();
            }
            if (s.name().endsWith("A_log")) for (int i = 0; i < n; i++) v[i] = (float) Math.log(1 + rnd.nextDouble() * 8);
            sources.add(TensorSource.of(s.name(), dtype, s.shape(), encode(v, dtype)));
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), Map.of("format", "pt"), sources);
        Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson(arch));
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"add_bos_token": false, "add_eos_token": false, "bos_token": null, "eos_token": "<|im_end|>",
                 "pad_token": "<|endoftext|>", "unk_token": null, "model_max_length": 512,
                 "chat_template": "{% for m in messages %}<|im_start|>{{ m.role }}\\n{{ m.content }}<|im_end|>\\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\\n{% endif %}"}
                """);
        Files.writeString(dir.resolve("README.md"), "---\nlicense: apache-2.0\nbase_model:\n- smelt-tests/base-" + arch + "\n---\n# tiny\n");
        return dir;
    }

    static ByteBuffer encode(float[] v, DType dtype) {
        ByteBuffer b = ByteBuffer.allocate(v.length * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            switch (dtype) {
                case F32 -> b.putFloat(x);
                case F16 -> b.putShort(Floats.floatToHalf(x));
                case BF16 -> b.putShort(Floats.floatToBf16(x));
                default -> throw new IllegalArgumentException(dtype.name());
            }
        }
        return b.flip();
    }

    /** GPT-2's byte → printable character map, which byte-level BPE vocabularies are written in. */
    static char[] byteToUnicode() {
        char[] map = new char[256];
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char) b : (char) (256 + extra++);
        }
        return map;
    }

    static String tokenizerJson(String arch) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        String[] specials = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
        for (int i = 0; i < specials.length; i++) {
            ObjectNode t = added.addObject();
            t.put("id", 260 + i);
            t.put("content", specials[i]);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode pres = pre.putArray("pretokenizers");
        ObjectNode split = pres.addObject();
        split.put("type", "Split");
        String regex = switch (arch) {
            case "llama" -> TokenizerMetadata.LLAMA3_REGEX;
            case "qwen3_5" -> TokenizerMetadata.QWEN35_REGEX;
            default -> TokenizerMetadata.QWEN2_REGEX;
        };
        split.putObject("pattern").put("Regex", regex);
        split.put("behavior", "Isolated");
        split.put("invert", false);
        ObjectNode bl = pres.addObject();
        bl.put("type", "ByteLevel");
        bl.put("add_prefix_space", false);
        bl.put("trim_offsets", false);
        bl.put("use_regex", false);
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "ByteLevel");
        post.put("add_prefix_space", false);
        post.put("trim_offsets", false);
        post.put("use_regex", false);
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "ByteLevel");
        dec.put("add_prefix_space", false);
        dec.put("trim_offsets", false);
        dec.put("use_regex", false);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        char[] b2u = byteToUnicode();
        for (int b = 0; b < 256; b++) vocab.put(String.valueOf(b2u[b]), b);
        String sp = String.valueOf(b2u[' ']);
        String[][] merges = {{sp, "t"}, {"h", "e"}, {sp + "t", "he"}, {"i", "n"}};
        ArrayNode mg = model.putArray("merges");
        int id = 256;
        for (String[] pair : merges) {
            vocab.put(pair[0] + pair[1], id++);
            mg.add(pair[0] + " " + pair[1]);
        }
        try {
            return m.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
