package dev.smelt.cli.commands;

import dev.smelt.cli.GlobalOptions;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

@Command(name = "create-tiny", description = {
        "Write a tiny Hugging Face model with random weights (for tests): config.json, generation_config.json, "
        + "safetensors weights, a byte-level BPE tokenizer.json, tokenizer_config.json with the family's chat template. "
        + "The same options and seed always produce byte-identical files."})
public final class CreateTinyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--arch", required = true, converter = ArchConverter.class,
            description = "Architecture: llama, qwen2, qwen3 or qwen3_5.")
    Architecture arch;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output model directory.")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--hidden", description = "hidden_size (default 64).")
    Integer hidden;

    @Option(names = "--layers", description = "num_hidden_layers (default 2; qwen3_5: 4).")
    Integer layers;

    @Option(names = "--vocab", description = "vocab_size (default 1024; at least 270).")
    Integer vocab;

    @Option(names = "--heads", description = "num_attention_heads (default 4).")
    Integer heads;

    @Option(names = "--kv-heads", description = "num_key_value_heads (default heads / 2).")
    Integer kvHeads;

    @Option(names = "--head-dim", description = "head_dim (default hidden / heads; qwen3_5: 64).")
    Integer headDim;

    @Option(names = "--intermediate", description = "intermediate_size of the MLP (default 3 × hidden).")
    Integer intermediate;

    @Option(names = "--tie", negatable = true,
            description = "Tie lm_head to the embeddings (default: tied except for llama).")
    Boolean tie;

    @Option(names = "--linear-k-heads", description = "qwen3_5: linear_num_key_heads (default 2).")
    Integer linearKeyHeads;

    @Option(names = "--linear-v-heads", description = "qwen3_5: linear_num_value_heads, a multiple of the key heads (default: = key heads).")
    Integer linearValueHeads;

    @Option(names = "--linear-head-dim", description = "qwen3_5: linear key and value head dim (default 32).")
    Integer linearHeadDim;

    @Option(names = "--full-attention-interval", description = "qwen3_5: every N-th layer is full attention (default min(4, layers)).")
    Integer fullAttentionInterval;

    @Option(names = "--mtp-layers", defaultValue = "0", description = "qwen3_5: multi-token-prediction layers under mtp.* (default: ${DEFAULT-VALUE}).")
    int mtpLayers;

    @Option(names = "--vision", description = "qwen3_5: add a tiny vision tower (vision_config, model.visual.* weights, "
            + "preprocessor_config.json) in the real Qwen3.5 multimodal layout.")
    boolean vision;

    @Option(names = "--dtype", defaultValue = "f32", converter = DTypeConverter.class,
            description = "Weight dtype: f32, f16 or bf16 (default: ${DEFAULT-VALUE}); qwen3_5 A_log stays f32.")
    DType dtype;

    @Option(names = "--max-positions", defaultValue = "2048", description = "max_position_embeddings (default: ${DEFAULT-VALUE}).")
    int maxPositions;

    @Option(names = "--max-shard-size", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Split weights into shards of at most SIZE (e.g. 500KB, 2MB, 1GiB); default: one file.")
    Long maxShardBytes;

    @Option(names = "--force", description = "Replace DIR if it exists and is not empty.")
    boolean force;

    @Override
    public Integer call() throws IOException {
        if (!force && Files.isDirectory(out)) {
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) throw new SmeltException(out + ": directory exists and is not empty (use --force to replace it)");
            }
        } else if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new SmeltException(out + ": exists and is not a directory");
        }
        TinyModelSpec s = TinyModelSpec.builder(arch)
                .seed(seed).vocabSize(vocab).hiddenSize(hidden).numLayers(layers).numHeads(heads).numKvHeads(kvHeads)
                .headDim(headDim).intermediateSize(intermediate).tieWordEmbeddings(tie)
                .linearKeyHeads(linearKeyHeads).linearValueHeads(linearValueHeads).linearHeadDim(linearHeadDim)
                .fullAttentionInterval(fullAttentionInterval).mtpLayers(mtpLayers).vision(vision).dtype(dtype)
                .maxPositionEmbeddings(maxPositions).maxShardBytes(maxShardBytes == null ? Long.MAX_VALUE : maxShardBytes)
                .build();
        TinyModelWriter.Result r = TinyModelWriter.write(s, out);
        PrintWriter w = spec.commandLine().getOut();
        if (!GlobalOptions.quiet()) {
            w.printf(Locale.ROOT, "wrote %s: %s, %,d parameters, %,d weight bytes in %d file(s), seed %d%n",
                    out, arch.modelType(), r.parameterCount(), r.weightBytes(), r.weightFiles().size(), seed);
        }
        w.flush();
        return 0;
    }

    static final class ArchConverter implements ITypeConverter<Architecture> {
        public Architecture convert(String value) {
            try {
                return Architecture.fromModelType(value.toLowerCase(Locale.ROOT).replace("qwen3.5", "qwen3_5"));
            } catch (SmeltException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class DTypeConverter implements ITypeConverter<DType> {
        public DType convert(String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "f32", "float32" -> DType.F32;
                case "f16", "float16" -> DType.F16;
                case "bf16", "bfloat16" -> DType.BF16;
                default -> throw new TypeConversionException("expected f32, f16 or bf16, got \"" + value + "\"");
            };
        }
    }

    /** "123", "500KB", "2MB", "1GB" (powers of 1000, as transformers' max_shard_size) or "1KiB"/"2MiB"/"1GiB". */
    static final class SizeConverter implements ITypeConverter<Long> {
        private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGT]i?B|B)?", Pattern.CASE_INSENSITIVE);

        public Long convert(String value) {
            Matcher m = SIZE.matcher(value.trim());
            if (!m.matches()) throw new TypeConversionException("expected a size like 500KB, 2MB or 1GiB, got \"" + value + "\"");
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
            long mult = switch (unit) {
                case "KB" -> 1_000L;
                case "MB" -> 1_000_000L;
                case "GB" -> 1_000_000_000L;
                case "TB" -> 1_000_000_000_000L;
                case "KIB" -> 1L << 10;
                case "MIB" -> 1L << 20;
                case "GIB" -> 1L << 30;
                case "TIB" -> 1L << 40;
                default -> 1L;
            };
            if (n <= 0) throw new TypeConversionException("must be positive, got \"" + value + "\"");
            return Math.multiplyExact(n, mult);
        }
    }
}
