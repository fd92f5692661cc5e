package dev.smelt.recipe.format;

import java.util.List;
import java.util.Map;

/**
 * A recipe: one YAML file from a base model to a verified release. Every component is a YAML key (snake_case);
 * a missing optional value is {@code null} and means the library's default. Unknown keys are errors.
 */
@Doc("A Smelt recipe: base model, data, training, exports, quality gates, bundle and push.")
public record Recipe(
        @Doc(value = "Release name (bundle and GGUF file names).", required = true) String name,
        @Doc(value = "Release version.", required = true) String version,
        @Doc("Values for ${name} substitution elsewhere in the recipe (strings; may use ${env:NAME}).") Map<String, String> vars,
        @Doc(value = "The model to fine-tune: a Hub repository, a local directory or a create-tiny model.", required = true) Base base,
        @Doc(value = "Training data.", required = true) Data data,
        @Doc("LoRA fine-tuning settings (default: the trainer's defaults).") Train train,
        @Doc("What is made from the fine-tuned model: merged weights, GGUF files, a LoRA GGUF, ONNX.") Export export,
        @Doc("Quality gates; a failed gate stops the run before bundling (exit 3).") Gates gates,
        @Doc("The release bundle (made when this key is present).") Bundle bundle,
        @Doc("Upload the bundle to the Hugging Face Hub (needs bundle).") Push push,
        @Doc("Trials of a hyper-parameter sweep (smelt sweep expand, smelt recipe run --trial, smelt fleet submit); ignored by a "
                + "plain run.") Sweep sweep) {

    @Doc("A grid sweep: the cartesian product of the values, the first key varying slowest; trial i is index i.")
    public record Sweep(
            @Doc(value = "Recipe field (dotted path, e.g. train.optimizer.lr) to its values, each read as YAML like a --set value.",
                    required = true) Map<String, List<String>> grid) {}

    @Doc("Exactly one of hub, dir or tiny.")
    public record Base(
            @Doc("Hugging Face model repository, e.g. Qwen/Qwen3.5-0.8B-Base.") String hub,
            @Doc("With hub: branch, tag or commit (pin a commit: the cache key uses it as written; default: main).") String revision,
            @Doc("A local Hugging Face model directory (relative to the recipe file).") String dir,
            @Doc("A tiny random model from smelt create-tiny (for tests and CI).") Tiny tiny) {}

    @Doc("smelt create-tiny settings.")
    public record Tiny(
            @Doc(value = "Architecture.", required = true, oneOf = {"llama", "qwen2", "qwen3", "qwen3_5"}) String arch,
            @Doc(value = "Random seed (default 0).", min = 0) Long seed,
            @Doc(value = "hidden_size (default 64).", min = 0, minExclusive = true) Integer hidden,
            @Doc(value = "num_hidden_layers (default 2; qwen3_5: 4).", min = 0, minExclusive = true) Integer layers,
            @Doc(value = "vocab_size (default 1024; at least 270).", min = 270) Integer vocab,
            @Doc("qwen3_5 only: add a tiny vision tower (default false).") Boolean vision) {}

    @Doc("Training data: where it is and how it is rendered, cut and split.")
    public record Data(
            @Doc(value = "Files (.jsonl .json .csv .tsv .parquet .txt, optionally .gz), directories, globs (relative to the "
                    + "recipe file) or hf://datasets/ORG/NAME[@REV]/PATH.", required = true) List<String> sources,
            @Doc(value = "Row format (default: detected from the first row).",
                    oneOf = {"messages", "sharegpt", "alpaca", "prompt-completion", "text"}) String format,
            @Doc(value = "Sequence length in tokens (default 2048, capped to the model's context).", min = 1, minExclusive = true) Integer seqLen,
            @Doc("Pack several examples into each row (default true).") Boolean packing,
            @Doc(value = "Fraction of the rows held out for validation (default 0; needed for max_eval_loss unless val_sources).",
                    min = 0, max = 0.99) Double valSplit,
            @Doc("Validation data instead of val_split.") List<String> valSources,
            @Doc(value = "Which tokens carry loss (default assistant).", oneOf = {"all", "assistant", "last-assistant"}) String trainOn,
            @Doc(value = "Length handling (default: chunk for text, drop otherwise).", oneOf = {"chunk", "drop", "right"}) String truncation) {}

    @Doc("LoRA supervised fine-tuning.")
    public record Train(
            @Doc("Adapter settings.") Lora lora,
            @Doc("Optimizer settings.") Optimizer optimizer,
            @Doc(value = "Passes over the data (default 1).", min = 0, minExclusive = true) Integer epochs,
            @Doc(value = "Optimizer steps; overrides epochs when > 0.", min = 0) Integer maxSteps,
            @Doc(value = "Rows per micro-batch (default 4).", min = 0, minExclusive = true) Integer batchSize,
            @Doc(value = "Micro-batches per optimizer step (default 1).", min = 0, minExclusive = true) Integer gradAccum,
            @Doc(value = "Seed for adapter init, data order and dropout (default 42).", min = 0) Long seed,
            @Doc("cpu or gpuN[,gpuN...]; several GPUs train data-parallel (default cpu).") String devices,
            @Doc(value = "What the base computes in (default fp32).", oneOf = {"auto", "fp32", "fp16"}) String precision,
            @Doc(value = "Validation loss every N steps (and at the end).", min = 0) Integer evalEvery,
            @Doc(value = "Checkpoint every N steps; an interrupted run resumes from the newest (default 100).", min = 0) Integer saveEvery,
            @Doc(value = "Checkpoints kept (default 2).", min = 0, minExclusive = true) Integer keepCheckpoints) {}

    @Doc("LoRA adapter settings.")
    public record Lora(
            @Doc(value = "Rank (default 16).", min = 0, minExclusive = true) Integer r,
            @Doc(value = "Alpha (default 32).", min = 0, minExclusive = true) Double alpha,
            @Doc(value = "Dropout on the adapter input (default 0.05).", min = 0, max = 0.99) Double dropout,
            @Doc("all-linear or module names, e.g. q_proj,v_proj (default all-linear).") String targets,
            @Doc("rsLoRA scaling alpha/sqrt(r) (default false).") Boolean rslora) {}

    @Doc("AdamW and learning-rate schedule.")
    public record Optimizer(
            @Doc(value = "Peak learning rate (default 2e-4).", min = 0, minExclusive = true) Double lr,
            @Doc(value = "Decay after warm-up (default cosine).", oneOf = {"cosine", "linear", "constant"}) String schedule,
            @Doc(value = "Linear warm-up steps (default 3% of the steps).", min = 0) Integer warmupSteps,
            @Doc(value = "Decoupled weight decay (default 0).", min = 0) Double weightDecay,
            @Doc(value = "Global gradient-norm clip; 0 = off (default 1).", min = 0) Double maxGradNorm) {}

    @Doc("Exports of the fine-tuned model.")
    public record Export(
            @Doc("The merged model (base + adapter), bundled as model/ and the source of the GGUF and ONNX exports.") Merge merge,
            @Doc("GGUF files for llama.cpp.") Gguf gguf,
            @Doc("ONNX folder for onnxruntime / transformers.js.") Onnx onnx,
            @Doc("llama.cpp's multimodal projector GGUF of the base model's vision tower (qwen3_5 with vision_config).") Mmproj mmproj) {}

    @Doc("Vision projector (smelt convert mmproj).")
    public record Mmproj(@Doc(value = "Element type of the matrices (default f16).", oneOf = {"f32", "f16"}) String type) {}

    @Doc("Merged model settings.")
    public record Merge(@Doc(value = "Element type of the merged weights (default: each tensor's own).",
            oneOf = {"bf16", "fp16", "fp32"}) String dtype) {}

    @Doc("GGUF exports.")
    public record Gguf(
            @Doc("Types: f32, f16, bf16 or llama-quantize mixes (Q8_0, Q4_K_M, IQ4_XS, ...); one file each.") List<String> types,
            @Doc("Collect an importance matrix from the merged model and quantize with it.") Imatrix imatrix,
            @Doc("Also write llama.cpp's LoRA adapter GGUF (default false).") Boolean lora,
            @Doc(value = "Element type of the LoRA GGUF (default f16).", oneOf = {"f32", "f16", "bf16"}) String loraType) {}

    @Doc("Importance matrix (smelt imatrix).")
    public record Imatrix(
            @Doc("Plain text to run: .txt files or rows with a text field (default: data.sources, which must then be text).") List<String> data,
            @Doc(value = "Tokens per chunk (default 512).", min = 2) Integer chunkSize,
            @Doc(value = "At most this many chunks (default: all).", min = 0, minExclusive = true) Integer chunks) {}

    @Doc("ONNX export.")
    public record Onnx(@Doc("transformers.js dtypes written into one folder: fp32, fp16, q8, q4, q4f16.") List<String> dtypes) {}

    @Doc("Quality gates, checked before bundling.")
    public record Gates(
            @Doc(value = "Fail when the trainer's final validation loss is above this.", min = 0) Double maxEvalLoss,
            @Doc(value = "Fail when a GGUF's mean KL divergence from the merged model is above this (nats).", min = 0) Double maxKl,
            @Doc(value = "Fail when a GGUF's top-1 agreement with the merged model is below this (0 to 1).", min = 0, max = 1) Double minTop1,
            @Doc("The text max_kl and min_top1 are measured on (smelt quant-report).") Report report) {}

    @Doc("Quantization report settings.")
    public record Report(
            @Doc("Evaluation text: .txt files or rows with a text field (default: data.sources, which must then be text).") List<String> data,
            @Doc(value = "Tokens per chunk (default 512).", min = 2) Integer chunkSize,
            @Doc(value = "At most this many chunks (default: all).", min = 0, minExclusive = true) Integer chunks) {}

    @Doc("Release bundle (smelt bundle).")
    public record Bundle(
            @Doc(value = "Archive format (default tar.gz).", oneOf = {"tar.gz", "tar.zst", "zip"}) String format,
            @Doc("The bundle's licence when it is not Apache-2.0 (the base model's LICENSE ships with it).") String license,
            @Doc("Card languages (ISO 639-1; default: the base card's).") List<String> languages,
            @Doc("Data set directories (README.md cards) named in NOTICE and the card.") List<String> datasetCards,
            @Doc(value = "tar.zst: 4 MiB chunks whose trial compression saves less than this share are stored, not compressed (default 0.1; 0 compresses everything).", min = 0, max = 1) Double zstdMinSaving) {}

    @Doc("Hub upload (smelt push).")
    public record Push(
            @Doc(value = "namespace/name", required = true) String repo,
            @Doc(value = "Create the repository private if it does not exist (default false).", key = "private") Boolean isPrivate,
            @Doc("Branch to commit to (default main).") String revision) {}
}
