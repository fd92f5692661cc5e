package dev.smelt.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import org.junit.jupiter.api.Test;

class ModelConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ModelConfig parse(String json) throws Exception {
        return ModelConfig.parse("config.json", JSON.readTree(json));
    }

    @Test
    void qwen3_06b_parameterCountMatchesPublishedCheckpoint() throws Exception {
        ModelConfig c = parse("""
                {"model_type":"qwen3","vocab_size":151936,"hidden_size":1024,"intermediate_size":3072,
                 "num_hidden_layers":28,"num_attention_heads":16,"num_key_value_heads":8,"head_dim":128,
                 "rms_norm_eps":1e-6,"rope_theta":1000000,"max_position_embeddings":40960,
                 "tie_word_embeddings":true,"bos_token_id":151643,"eos_token_id":151645}""");
        assertThat(c).isInstanceOf(DenseConfig.class);
        DenseConfig d = (DenseConfig) c;
        assertThat(d.qkNorm()).isTrue();
        assertThat(d.qkvBias()).isFalse();
        // sum of tensor sizes in Qwen/Qwen3-0.6B model.safetensors
        assertThat(c.parameterCount()).isEqualTo(596_049_920L);
        assertThat(c.tensorSpecs()).noneMatch(t -> t.name().equals("lm_head.weight"));
    }

    @Test
    void qwen2HasQkvBiasButNoOutputBias() throws Exception {
        DenseConfig c = (DenseConfig) parse("""
                {"model_type":"qwen2","vocab_size":100,"hidden_size":16,"intermediate_size":32,
                 "num_hidden_layers":1,"num_attention_heads":4,"num_key_value_heads":2}""");
        assertThat(c.headDim()).isEqualTo(4);
        assertThat(c.tensorSpecs()).extracting(TensorSpec::name)
                .contains("model.layers.0.self_attn.q_proj.bias", "model.layers.0.self_attn.v_proj.bias", "lm_head.weight")
                .doesNotContain("model.layers.0.self_attn.o_proj.bias");
    }

    @Test
    void llamaRopeScalingIsParsed() throws Exception {
        DenseConfig c = (DenseConfig) parse("""
                {"model_type":"llama","vocab_size":100,"hidden_size":16,"intermediate_size":32,
                 "num_hidden_layers":1,"num_attention_heads":4,
                 "rope_scaling":{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,
                                 "original_max_position_embeddings":8192}}""");
        assertThat(c.ropeScaling().type()).isEqualTo("llama3");
        assertThat(c.ropeScaling().originalMaxPositionEmbeddings()).isEqualTo(8192);
        DenseConfig back = (DenseConfig) ModelConfig.parse("config.json", c.toJson());
        assertThat(back).isEqualTo(c);
    }

    @Test
    void qwen35NestedConfigDerivesLayerTypesAndShapes() throws Exception {
        Qwen35Config c = (Qwen35Config) parse("""
                {"model_type":"qwen3_5","tie_word_embeddings":true,
                 "text_config":{"model_type":"qwen3_5_text","vocab_size":248320,"hidden_size":1024,
                   "intermediate_size":3584,"num_hidden_layers":24,"num_attention_heads":8,"num_key_value_heads":2,
                   "head_dim":256,"linear_num_key_heads":16,"linear_num_value_heads":16,
                   "rope_parameters":{"rope_type":"default","rope_theta":10000000,"partial_rotary_factor":0.25,
                                      "mrope_section":[11,11,10],"mrope_interleaved":true}}}""");
        assertThat(c.layerTypes().get(3)).isEqualTo(LayerType.FULL_ATTENTION);
        assertThat(c.layerTypes().get(0)).isEqualTo(LayerType.LINEAR_ATTENTION);
        assertThat(c.layerTypes().stream().filter(t -> t == LayerType.FULL_ATTENTION)).hasSize(6);
        assertThat(c.linearConvDim()).isEqualTo(6144);
        assertThat(c.rotaryDim()).isEqualTo(64);
        assertThat(c.tensorSpecs()).anySatisfy(t -> {
            assertThat(t.name()).isEqualTo("model.language_model.layers.3.self_attn.q_proj.weight");
            assertThat(t.shape()).containsExactly(4096, 1024);
        });
        Qwen35Config back = (Qwen35Config) ModelConfig.parse("config.json", c.toJson());
        assertThat(back.tensorSpecs()).isEqualTo(c.tensorSpecs());
    }

    @Test
    void unknownArchitectureNamesTheSupportedOnes() {
        assertThatThrownBy(() -> parse("{\"model_type\":\"gpt_neox\"}"))
                .isInstanceOf(SmeltException.class)
                .hasMessage("unsupported architecture gpt_neox (supported: llama, qwen2, qwen3, qwen3_5)");
    }

    @Test
    void missingFieldIsNamed() {
        assertThatThrownBy(() -> parse("{\"model_type\":\"llama\",\"hidden_size\":16,\"num_attention_heads\":4}"))
                .hasMessage("config.json: missing field \"vocab_size\"");
        assertThatThrownBy(() -> parse("{\"model_type\":\"qwen3_5\",\"text_config\":{\"num_hidden_layers\":2,\"vocab_size\":-1}}"))
                .hasMessage("config.json: field \"text_config.vocab_size\" must be a positive integer, got -1");
    }

    /**
     * Qwen2Config as transformers writes it (no head_dim) with a hidden size the heads do not divide: transformers
     * uses {@code hidden_size // num_attention_heads} for the head and projections {@code heads * head_dim} wide.
     */
    @Test
    void headDimIsTheFloorOfHiddenOverHeadsAsInTransformers() throws Exception {
        DenseConfig c = (DenseConfig) parse("""
                {"architectures":["Qwen2ForCausalLM"],"attention_dropout":0.0,"bos_token_id":151643,"eos_token_id":151643,
                 "hidden_act":"silu","hidden_size":100,"initializer_range":0.02,"intermediate_size":64,
                 "layer_types":["full_attention"],"max_position_embeddings":32768,"max_window_layers":28,
                 "model_type":"qwen2","num_attention_heads":3,"num_hidden_layers":1,"num_key_value_heads":3,
                 "rms_norm_eps":1e-06,"rope_scaling":null,"rope_theta":10000.0,"sliding_window":null,
                 "tie_word_embeddings":false,"torch_dtype":"float32","transformers_version":"4.57.1","use_cache":true,
                 "use_sliding_window":false,"vocab_size":100}""");
        assertThat(c.headDim()).isEqualTo(33);
        TensorSpec q = c.tensorSpecs().stream().filter(t -> t.name().equals("model.layers.0.self_attn.q_proj.weight")).findFirst().orElseThrow();
        assertThat(q.shape()).containsExactly(99, 100);
    }

    /** LlamaConfig as transformers 5 writes it: theta inside rope_parameters, no rope_scaling. */
    @Test
    void ropeParametersAsTransformers5WritesThem() throws Exception {
        DenseConfig c = (DenseConfig) parse("""
                {"architectures":["LlamaForCausalLM"],"attention_bias":false,"attention_dropout":0.0,"bos_token_id":1,
                 "dtype":"float32","eos_token_id":2,"head_dim":8,"hidden_act":"silu","hidden_size":32,
                 "initializer_range":0.02,"intermediate_size":64,"max_position_embeddings":2048,"mlp_bias":false,
                 "model_type":"llama","num_attention_heads":4,"num_hidden_layers":2,"num_key_value_heads":4,
                 "pad_token_id":null,"pretraining_tp":1,"rms_norm_eps":1e-06,
                 "rope_parameters":{"rope_theta":10000.0,"rope_type":"default"},"tie_word_embeddings":false,
                 "transformers_version":"5.0.0","use_cache":true,"vocab_size":100}""");
        assertThat(c.ropeTheta()).isEqualTo(10000.0);
        assertThat(c.ropeScaling()).isNull();
    }

    /** Qwen3_5TextConfig written with transformers' defaults but a small head: the default mrope_section is kept. */
    @Test
    void qwen35DefaultMropeSectionIsKeptForASmallHead() throws Exception {
        Qwen35Config c = (Qwen35Config) parse("""
                {"model_type":"qwen3_5_text","vocab_size":64,"hidden_size":32,"intermediate_size":64,"num_hidden_layers":4,
                 "num_attention_heads":2,"num_key_value_heads":1,"head_dim":16,"bos_token_id":null,"eos_token_id":null,
                 "rope_parameters":{"mrope_interleaved":true,"mrope_section":[11,11,10],"partial_rotary_factor":0.25,
                                    "rope_theta":10000000,"rope_type":"default"}}""");
        assertThat(c.rotaryDim()).isEqualTo(4);
        assertThat(c.mropeSection()).containsExactly(11, 11, 10);
        assertThat(c.eosTokenIds()).isEmpty();
    }
}
