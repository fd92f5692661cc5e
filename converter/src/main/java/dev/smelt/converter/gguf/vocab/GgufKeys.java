package dev.smelt.converter.gguf.vocab;

/**
 * Every GGUF metadata key Smelt reads or writes, in one place and grouped as gguf-py's {@code constants.py}
 * ({@code Keys.General}, {@code Keys.LLM}, …) groups them. Keys that depend on the architecture or an index are
 * {@link KeyTemplate}s: {@code GgufKeys.Llm.CONTEXT_LENGTH.of("qwen35")} is {@code qwen35.context_length}.
 * Code elsewhere names keys through these constants, never as string literals.
 */
public final class GgufKeys {
    private GgufKeys() {}

    /** {@code general.*}: what the file is, where it came from, how it is stored. */
    public static final class General {
        private General() {}

        public static final String ARCHITECTURE = "general.architecture";
        /** One of {@link GeneralType}'s values. */
        public static final String TYPE = "general.type";
        public static final String ALIGNMENT = "general.alignment";
        /** llama_ftype: 0 all F32, 1 mostly F16, 32 mostly BF16, quantized types above. */
        public static final String FILE_TYPE = "general.file_type";
        /** GGML_QNT_VERSION of the quantized blocks (2 since 2023). */
        public static final String QUANTIZATION_VERSION = "general.quantization_version";

        public static final String NAME = "general.name";
        public static final String BASENAME = "general.basename";
        public static final String FINETUNE = "general.finetune";
        public static final String DESCRIPTION = "general.description";
        public static final String ORGANIZATION = "general.organization";
        public static final String QUANTIZED_BY = "general.quantized_by";
        public static final String SIZE_LABEL = "general.size_label";

        public static final String LICENSE = "general.license";
        public static final String LICENSE_NAME = "general.license.name";
        public static final String LICENSE_LINK = "general.license.link";

        public static final String URL = "general.url";
        public static final String REPO_URL = "general.repo_url";
        public static final String SOURCE_URL = "general.source.url";
        public static final String SOURCE_REPO_URL = "general.source.repo_url";

        public static final String BASE_MODEL_COUNT = "general.base_model.count";
        public static final KeyTemplate BASE_MODEL_NAME = new KeyTemplate("general.base_model.{id}.name");
        public static final KeyTemplate BASE_MODEL_ORGANIZATION = new KeyTemplate("general.base_model.{id}.organization");
        public static final KeyTemplate BASE_MODEL_REPO_URL = new KeyTemplate("general.base_model.{id}.repo_url");

        public static final String TAGS = "general.tags";
        public static final String LANGUAGES = "general.languages";
    }

    /** Values of {@link General#TYPE}. */
    public static final class GeneralType {
        private GeneralType() {}

        public static final String MODEL = "model";
        public static final String ADAPTER = "adapter";
        public static final String MMPROJ = "mmproj";
        public static final String IMATRIX = "imatrix";
    }

    /** {@code {arch}.*} sizes of a language model. */
    public static final class Llm {
        private Llm() {}

        public static final KeyTemplate VOCAB_SIZE = new KeyTemplate("{arch}.vocab_size");
        public static final KeyTemplate CONTEXT_LENGTH = new KeyTemplate("{arch}.context_length");
        public static final KeyTemplate EMBEDDING_LENGTH = new KeyTemplate("{arch}.embedding_length");
        public static final KeyTemplate BLOCK_COUNT = new KeyTemplate("{arch}.block_count");
        public static final KeyTemplate FEED_FORWARD_LENGTH = new KeyTemplate("{arch}.feed_forward_length");
        /** Hybrid models: every N-th block is full attention, the others linear (Qwen3.5). */
        public static final KeyTemplate FULL_ATTENTION_INTERVAL = new KeyTemplate("{arch}.full_attention_interval");
        /** Multi-token-prediction layers kept in the file (llama.cpp's NextN). */
        public static final KeyTemplate NEXTN_PREDICT_LAYERS = new KeyTemplate("{arch}.nextn_predict_layers");
        /** Experts of a mixture-of-experts model (llama-quantize gives 8-expert models more bits). */
        public static final KeyTemplate EXPERT_COUNT = new KeyTemplate("{arch}.expert_count");
    }

    /** {@code {arch}.attention.*}. */
    public static final class Attention {
        private Attention() {}

        public static final KeyTemplate HEAD_COUNT = new KeyTemplate("{arch}.attention.head_count");
        public static final KeyTemplate HEAD_COUNT_KV = new KeyTemplate("{arch}.attention.head_count_kv");
        public static final KeyTemplate KEY_LENGTH = new KeyTemplate("{arch}.attention.key_length");
        public static final KeyTemplate VALUE_LENGTH = new KeyTemplate("{arch}.attention.value_length");
        public static final KeyTemplate LAYERNORM_EPS = new KeyTemplate("{arch}.attention.layer_norm_epsilon");
        public static final KeyTemplate LAYERNORM_RMS_EPS = new KeyTemplate("{arch}.attention.layer_norm_rms_epsilon");
        public static final KeyTemplate SLIDING_WINDOW = new KeyTemplate("{arch}.attention.sliding_window");
    }

    /** {@code {arch}.rope.*}. */
    public static final class Rope {
        private Rope() {}

        public static final KeyTemplate DIMENSION_COUNT = new KeyTemplate("{arch}.rope.dimension_count");
        /** M-RoPE sections (t, h, w, extra), int32[4]. */
        public static final KeyTemplate DIMENSION_SECTIONS = new KeyTemplate("{arch}.rope.dimension_sections");
        public static final KeyTemplate FREQ_BASE = new KeyTemplate("{arch}.rope.freq_base");
        public static final KeyTemplate SCALING_TYPE = new KeyTemplate("{arch}.rope.scaling.type");
        public static final KeyTemplate SCALING_FACTOR = new KeyTemplate("{arch}.rope.scaling.factor");
        public static final KeyTemplate SCALING_ORIG_CTX_LEN = new KeyTemplate("{arch}.rope.scaling.original_context_length");
        public static final KeyTemplate SCALING_YARN_ATTN_FACTOR = new KeyTemplate("{arch}.rope.scaling.yarn_attn_factor");
        public static final KeyTemplate SCALING_YARN_BETA_FAST = new KeyTemplate("{arch}.rope.scaling.yarn_beta_fast");
        public static final KeyTemplate SCALING_YARN_BETA_SLOW = new KeyTemplate("{arch}.rope.scaling.yarn_beta_slow");
    }

    /** {@code {arch}.ssm.*}: state-space / linear-attention blocks (Qwen3.5's gated delta net uses them). */
    public static final class Ssm {
        private Ssm() {}

        public static final KeyTemplate CONV_KERNEL = new KeyTemplate("{arch}.ssm.conv_kernel");
        public static final KeyTemplate INNER_SIZE = new KeyTemplate("{arch}.ssm.inner_size");
        public static final KeyTemplate STATE_SIZE = new KeyTemplate("{arch}.ssm.state_size");
        public static final KeyTemplate TIME_STEP_RANK = new KeyTemplate("{arch}.ssm.time_step_rank");
        public static final KeyTemplate GROUP_COUNT = new KeyTemplate("{arch}.ssm.group_count");
    }

    /** {@code tokenizer.*}. */
    public static final class Tokenizer {
        private Tokenizer() {}

        /** Tokenizer family: {@code gpt2} for byte-level BPE. */
        public static final String MODEL = "tokenizer.ggml.model";
        /** llama.cpp pre-tokenizer name ({@code qwen2}, {@code llama-bpe}, …). */
        public static final String PRE = "tokenizer.ggml.pre";
        public static final String TOKENS = "tokenizer.ggml.tokens";
        public static final String TOKEN_TYPE = "tokenizer.ggml.token_type";
        public static final String SCORES = "tokenizer.ggml.scores";
        public static final String MERGES = "tokenizer.ggml.merges";
        public static final String BOS_ID = "tokenizer.ggml.bos_token_id";
        public static final String EOS_ID = "tokenizer.ggml.eos_token_id";
        public static final String EOT_ID = "tokenizer.ggml.eot_token_id";
        public static final String UNK_ID = "tokenizer.ggml.unknown_token_id";
        public static final String PAD_ID = "tokenizer.ggml.padding_token_id";
        public static final String ADD_BOS = "tokenizer.ggml.add_bos_token";
        public static final String ADD_EOS = "tokenizer.ggml.add_eos_token";
        /** The default chat template (Jinja). */
        public static final String CHAT_TEMPLATE = "tokenizer.chat_template";
        /** A named extra chat template ({@code tool_use}, …); {@link #CHAT_TEMPLATES} lists the names. */
        public static final KeyTemplate CHAT_TEMPLATE_NAMED = new KeyTemplate("tokenizer.chat_template.{name}");
        public static final String CHAT_TEMPLATES = "tokenizer.chat_templates";
    }

    /** {@code adapter.*}: LoRA adapter GGUFs (general.type = adapter) loaded with llama.cpp's {@code --lora}. */
    public static final class Adapter {
        private Adapter() {}

        /** {@code lora} for LoRA adapters. */
        public static final String TYPE = "adapter.type";
        public static final String LORA_ALPHA = "adapter.lora.alpha";
        public static final String LORA_TASK_NAME = "adapter.lora.task_name";
        public static final String LORA_PROMPT_PREFIX = "adapter.lora.prompt_prefix";
    }

    /** Values of {@link Adapter#TYPE}. */
    public static final class AdapterType {
        private AdapterType() {}

        public static final String LORA = "lora";
    }

    /** {@code imatrix.*}: importance-matrix GGUFs written by llama-imatrix (general.type = imatrix). */
    public static final class IMatrix {
        private IMatrix() {}

        public static final String CHUNK_COUNT = "imatrix.chunk_count";
        public static final String CHUNK_SIZE = "imatrix.chunk_size";
        public static final String DATASETS = "imatrix.datasets";
        /** Suffix of the per-tensor sums of squared activations: {@code blk.0.attn_q.weight.in_sum2}. */
        public static final String IN_SUM2_SUFFIX = ".in_sum2";
        /** Suffix of the per-tensor (per-expert) activation counts: {@code blk.0.attn_q.weight.counts}. */
        public static final String COUNTS_SUFFIX = ".counts";
    }

    /** {@code quantize.*}: what llama-quantize records in the model it writes. */
    public static final class Quantize {
        private Quantize() {}

        public static final String IMATRIX_FILE = "quantize.imatrix.file";
        public static final String IMATRIX_DATASET = "quantize.imatrix.dataset";
        public static final String IMATRIX_ENTRIES_COUNT = "quantize.imatrix.entries_count";
        public static final String IMATRIX_CHUNKS_COUNT = "quantize.imatrix.chunks_count";
    }

    /** {@code smelt.*}: what Smelt records about itself in the files it writes (not read by llama.cpp). */
    public static final class Smelt {
        private Smelt() {}

        /** The Smelt version that wrote or re-stamped the file ({@code 0.1.0 (git abc1234)}). */
        public static final String VERSION = "smelt.version";
    }

    /** {@code clip.*}: multimodal projector files (mmproj, general.architecture = clip). */
    public static final class Clip {
        private Clip() {}

        /** The value of {@link General#ARCHITECTURE} for an mmproj file. */
        public static final String ARCHITECTURE_NAME = "clip";
        /** Projector family, e.g. {@code qwen3vl_merger} (Qwen3-VL and Qwen3.5). */
        public static final String PROJECTOR_TYPE = "clip.projector_type";
        public static final String HAS_VISION_ENCODER = "clip.has_vision_encoder";
        public static final String HAS_AUDIO_ENCODER = "clip.has_audio_encoder";
        public static final String HAS_LLAVA_PROJECTOR = "clip.has_llava_projector";
        /** Exact (tanh) GELU in the vision tower; without it clip.cpp falls back to quick-GELU. */
        public static final String USE_GELU = "clip.use_gelu";
        public static final String USE_SILU = "clip.use_silu";
    }

    /** Values of {@link Clip#PROJECTOR_TYPE} (gguf-py's {@code VisionProjectorType}). */
    public static final class ProjectorType {
        private ProjectorType() {}

        /** Qwen3-VL and Qwen3.5 (llama.cpp's {@code PROJECTOR_TYPE_QWEN3VL}). */
        public static final String QWEN3VL_MERGER = "qwen3vl_merger";
    }

    /** {@code clip.vision.*}: the vision encoder of an mmproj file. */
    public static final class ClipVision {
        private ClipVision() {}

        public static final String PROJECTOR_TYPE = "clip.vision.projector_type";
        public static final String IMAGE_SIZE = "clip.vision.image_size";
        public static final String IMAGE_MIN_PIXELS = "clip.vision.image_min_pixels";
        public static final String IMAGE_MAX_PIXELS = "clip.vision.image_max_pixels";
        public static final String PATCH_SIZE = "clip.vision.patch_size";
        public static final String EMBEDDING_LENGTH = "clip.vision.embedding_length";
        public static final String FEED_FORWARD_LENGTH = "clip.vision.feed_forward_length";
        /** Width of the projector output: the text model's embedding length. */
        public static final String PROJECTION_DIM = "clip.vision.projection_dim";
        public static final String BLOCK_COUNT = "clip.vision.block_count";
        public static final String IMAGE_MEAN = "clip.vision.image_mean";
        public static final String IMAGE_STD = "clip.vision.image_std";
        public static final String SPATIAL_MERGE_SIZE = "clip.vision.spatial_merge_size";
        public static final String IS_DEEPSTACK_LAYERS = "clip.vision.is_deepstack_layers";
        public static final String WINDOW_SIZE = "clip.vision.window_size";
        public static final String ATTENTION_HEAD_COUNT = "clip.vision.attention.head_count";
        public static final String ATTENTION_LAYERNORM_EPS = "clip.vision.attention.layer_norm_epsilon";
    }
}
