package dev.smelt.cli.commands;

import dev.smelt.cli.GlobalOptions;
import dev.smelt.converter.gguf.GgufTensor;
import dev.smelt.converter.gguf.vocab.GgufKeys;
import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.MmprojExport;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.converter.lora.LoraGgufExport;
import dev.smelt.converter.onnx.OnnxDtype;
import dev.smelt.converter.onnx.OnnxExport;
import dev.smelt.converter.onnx.Weight;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.quantizer.gguf.GgufQuantizer;
import dev.smelt.quantizer.gguf.QuantizeOptions;
import dev.smelt.quantizer.mix.QuantMix;
import dev.smelt.quantizer.onnx.MatMulNBitsPacking;
import java.nio.file.Files;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "convert", description = "Convert a model to another format.",
        subcommands = {ConvertCommand.Gguf.class, ConvertCommand.LoraGguf.class, ConvertCommand.Mmproj.class, ConvertCommand.Onnx.class})
public final class ConvertCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "missing target format (gguf, lora-gguf, onnx)");
    }

    @Command(name = "gguf", description = {
            "Convert a Hugging Face model directory (llama, qwen2, qwen3, qwen3_5) to a GGUF file for llama.cpp. "
            + "Norms, biases and other 1-D tensors stay F32 for f16/bf16 output, as llama.cpp's converter does. "
            + "Qwen3.5 multi-token-prediction and vision tensors are left out (llama.cpp loads vision from an mmproj file)."})
    public static final class Gguf implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory.")
        Path model;

        @Option(names = {"--out", "-o"}, required = true, paramLabel = "FILE", description = "Output .gguf file.")
        Path out;

        @Option(names = "--type", defaultValue = "f16", paramLabel = "TYPE", converter = TypeConverter.class,
                description = {"Weight type: f32, f16 or bf16 (default: ${DEFAULT-VALUE}), or a llama-quantize mix "
                        + "(Q4_K_M, Q8_0, ... see `smelt quantize --help`): the F32 weights are quantized as they stream, "
                        + "giving the same file as converting to f32 and running `smelt quantize`."})
        Target type;

        @Option(names = "--threads", paramLabel = "N", description = "Quantization threads (default: all cores).")
        Integer threads;

        @Option(names = "--adapter", paramLabel = "DIR", description = {"PEFT LoRA adapter merged into the weights as they "
                + "stream (W + scaling·B·A, the same bytes as `smelt merge` then converting the merged F32 model)."})
        Path adapter;

        @Option(names = "--name", paramLabel = "NAME", description = GgufKeys.General.NAME + " (default: the directory's name).")
        String name;

        @Option(names = "--tokenizer-pre", paramLabel = "PRE",
                description = "llama.cpp pre-tokenizer name to write instead of the one detected from tokenizer.json.")
        String tokenizerPre;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            PrintWriter stdout = spec.commandLine().getOut();
            boolean quiet = GlobalOptions.quiet();
            GgufExport.Listener listener = new GgufExport.Listener() {
                @Override
                public void note(String message) {
                    if (!quiet) err.println("note: " + message);
                    err.flush();
                }

                @Override
                public void tensorStarted(int index, int count, GgufTensor t) {
                    if (quiet) return;
                    int w = String.valueOf(count).length();
                    err.printf("[%" + w + "d/%d] %-40s %-4s %s%n", index + 1, count, t.name(), t.type(), Arrays.toString(t.dims()));
                    err.flush();
                }
            };
            if (type.mix() != null) return quantized(listener, stdout);
            GgufExport.Result r = GgufExport.export(model, out, new GgufExport.Options(type.plain(), name, tokenizerPre, adapter),
                    listener);
            stdout.printf("wrote %s (%s, %d tensors, %s of tensor data)%n", r.output(), r.architecture(), r.tensorCount(),
                    InspectCommand.humanBytes(r.dataBytes()));
            stdout.flush();
            return 0;
        }

        /** One pass: safetensors rows → F32 conversion → quantization → GGUF, a slab of rows at a time. */
        private Integer quantized(GgufExport.Listener listener, PrintWriter stdout) throws Exception {
            int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
            if (n < 1) throw new SmeltException("--threads must be >= 1, got " + n);
            if (Files.isDirectory(out)) {
                throw new SmeltException(out + ": is a directory; give the output file name, e.g. " + out.resolve("model.gguf"));
            }
            ModelDirectory dir = ModelDirectory.open(model);
            try (SafetensorsModel weights = dir.weights()) {
                GgufExport.Plan plan = GgufExport.plan(dir, weights, new GgufExport.Options(OutputType.F32, name, tokenizerPre, adapter));
                for (String note : plan.notes()) listener.note(note);
                GgufQuantizer.Result r = GgufQuantizer.write(model.toString(), plan.metadata(), plan.tensors(), out,
                        new QuantizeOptions(type.mix(), n, false, false, null), listener);
                stdout.printf("wrote %s (%s %s, %d tensors, %s of tensor data)%n", out, plan.architecture(), type.mix(),
                        r.tensors().size(), InspectCommand.humanBytes(r.outputBytes()));
                stdout.flush();
                return 0;
            }
        }
    }

    @Command(name = "lora-gguf", description = {
            "Convert a PEFT LoRA adapter to llama.cpp's LoRA adapter GGUF (load it on the base model's GGUF with "
            + "llama.cpp's --lora). lora_a/lora_b per adapted weight under the base's GGUF tensor names, moved as the "
            + "base weights are moved (llama q/k permutation, Qwen3.5 V-head order). Architectures: llama, qwen2, qwen3, qwen3_5."})
    public static final class LoraGguf implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--adapter", required = true, paramLabel = "DIR", description = "PEFT LoRA adapter directory.")
        Path adapter;

        @Option(names = "--base", required = true, paramLabel = "DIR", description = "The base model (Hugging Face directory) the adapter was trained on.")
        Path base;

        @Option(names = {"--out", "-o"}, required = true, paramLabel = "FILE", description = "Output .gguf file.")
        Path out;

        @Option(names = "--type", defaultValue = "f16", paramLabel = "f32|f16|bf16", converter = PlainTypeConverter.class,
                description = "Element type of lora_a/lora_b (default: ${DEFAULT-VALUE}).")
        OutputType type;

        @Option(names = "--name", paramLabel = "NAME", description = GgufKeys.General.NAME + " (default: the adapter directory's name).")
        String name;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            LoraGgufExport.Result r = LoraGgufExport.export(adapter, base, out, new LoraGgufExport.Options(type, name),
                    QuantizeCommand.progress(err));
            PrintWriter stdout = spec.commandLine().getOut();
            stdout.printf("wrote %s (%s LoRA adapter, %d adapted weights, alpha %s, %s of tensor data)%n", r.output(),
                    r.architecture(), r.adaptedTensors(), r.alpha(), InspectCommand.humanBytes(r.dataBytes()));
            stdout.flush();
            return 0;
        }
    }

    @Command(name = "mmproj", description = {
            "Write a Qwen3.5 checkpoint's vision tower as llama.cpp's multimodal projector GGUF (clip, qwen3vl_merger), "
            + "for llama-mtmd-cli / llama-server --mmproj next to the text GGUF from 'smelt convert gguf'."})
    public static final class Mmproj implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory (qwen3_5 with vision_config).")
        Path model;

        @Option(names = {"--out", "-o"}, required = true, paramLabel = "FILE", description = "Output .gguf file.")
        Path out;

        @Option(names = "--type", defaultValue = "f16", paramLabel = "f32|f16", converter = PlainTypeConverter.class,
                description = "Element type of the matrices (default: ${DEFAULT-VALUE}); norms, biases and positions stay f32.")
        OutputType type;

        @Option(names = "--name", paramLabel = "NAME", description = GgufKeys.General.NAME + " (default: the directory's name).")
        String name;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            MmprojExport.Result r = MmprojExport.export(model, out, type, name, QuantizeCommand.progress(err));
            PrintWriter stdout = spec.commandLine().getOut();
            stdout.printf("wrote %s (mmproj, %s, %d tensors, %s of tensor data)%n", r.output(),
                    GgufKeys.ProjectorType.QWEN3VL_MERGER, r.tensorCount(),
                    InspectCommand.humanBytes(r.dataBytes()));
            stdout.flush();
            return 0;
        }
    }

    static final class PlainTypeConverter implements CommandLine.ITypeConverter<OutputType> {
        @Override
        public OutputType convert(String value) {
            for (OutputType t : OutputType.values()) {
                if (t.name().equalsIgnoreCase(value)) return t;
            }
            throw new CommandLine.TypeConversionException("expected f32, f16 or bf16, got " + value);
        }
    }

    @Command(name = "onnx", description = {
            "Export a Hugging Face model directory (llama, qwen2, qwen3, qwen3_5) to an ONNX folder that onnxruntime,",
            "transformers.js and Optimum load as it is: config and tokenizer files, and onnx/model{suffix}.onnx",
            "(one merged graph for prompt and decode, past_key_values.N.key/value in, present.N.key/value out;",
            "Qwen3.5's linear-attention layers carry past_conv.N/past_recurrent.N to present_conv.N/present_recurrent.N).",
            "Exporting another dtype into the same folder adds its file beside the others."})
    public static final class Onnx implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory.")
        Path model;

        @Option(names = "--adapter", paramLabel = "DIR",
                description = "PEFT LoRA adapter merged into the weights as they stream (the arithmetic of `smelt merge`).")
        Path adapter;

        @Option(names = {"--out", "-o"}, required = true, paramLabel = "DIR", description = "Output folder.")
        Path out;

        @Option(names = "--dtype", defaultValue = "fp32", paramLabel = "fp32|fp16|q8|q4|q4f16", converter = OnnxDtypeConverter.class,
                description = {"transformers.js dtype written (default: ${DEFAULT-VALUE}): fp32 (onnx/model.onnx), fp16",
                        "(model_fp16.onnx; norms and softmax in float32), q8 (model_quantized.onnx: projections as dynamic",
                        "int8, DynamicQuantizeLinear + MatMulInteger, weights per row), q4 (model_q4.onnx: projections as 4-bit",
                        "com.microsoft MatMulNBits, block 32, symmetric, the rest fp32; qwen3_5's linear-attention layers",
                        "at 8 bits), q4f16 (model_q4f16.onnx: q4 with",
                        "fp16 activations). Inputs and outputs are float32 in every dtype."})
        OnnxDtype dtype;

        @Option(names = "--optimize", description = {"Use onnxruntime's fused com.microsoft ops instead of standard ops",
                "(fp32 or q4; same file name and I/O as the plain export): llama, qwen2, qwen3 with GroupQueryAttention,",
                "RotaryEmbedding, SkipSimplifiedLayerNormalization (onnxruntime 1.18+); qwen3_5 with CausalConvWithState,",
                "LinearAttention (gated_delta) and GroupQueryAttention (onnxruntime 1.26+)."})
        boolean optimize;

        @Option(names = "--image-text", description = {"A qwen3_5 checkpoint with a vision tower in transformers.js's",
                "image+text layout: onnx/vision_encoder.onnx (pixel_values, image_grid_thw -> image_features;",
                "one image per run), onnx/embed_tokens.onnx and onnx/decoder_model_merged.onnx (inputs_embeds), with",
                "the checkpoint's multimodal config.json; each file with the --dtype's suffix (decoder in the dtype,",
                "embedding table in its float type, vision encoder float32)."})
        boolean imageText;

        @Option(names = "--all-4-bit", description = {"q4/q4f16: quantize qwen3_5's linear-attention layers to 4 bits too",
                "(by default their projections and MLP are 8-bit, onnxruntime-genai's int8_linear_attn placement: on",
                "tiny models all-4-bit followed Smelt's greedy tokens on 11-31 of 32, the default on 30-32). Smaller files."})
        boolean all4Bit;

        @Override
        public Integer call() throws Exception {
            if (all4Bit && !dtype.int4()) {
                throw new SmeltException("--all-4-bit applies to --dtype q4 or q4f16, not " + dtype.spelling());
            }
            PrintWriter err = spec.commandLine().getErr();
            PrintWriter stdout = spec.commandLine().getOut();
            boolean quiet = GlobalOptions.quiet();
            OnnxExport.Listener listener = new OnnxExport.Listener() {
                @Override
                public void note(String message) {
                    if (!quiet) err.println("note: " + message);
                    err.flush();
                }

                @Override
                public void weightStarted(int index, int count, Weight w) {
                    if (quiet) return;
                    int width = String.valueOf(count).length();
                    err.printf("[%" + width + "d/%d] %-40s %-7s %s%n", index + 1, count, w.name(), w.type(), Arrays.toString(w.dims()));
                    err.flush();
                }
            };
            OnnxExport.Result r = OnnxExport.export(model, out, new OnnxExport.Options(dtype, adapter, null,
                    dtype.int4() ? new MatMulNBitsPacking() : null, optimize, imageText, all4Bit), listener);
            stdout.printf("wrote %s (%s %s%s, %d weights, %s%s)%n", r.model(), r.architecture(), dtype.spelling(),
                    optimize ? " optimized" : "", r.weightCount(), InspectCommand.humanBytes(r.weightBytes()),
                    r.externalData() ? " in " + r.files().get(1).getFileName() : " inline");
            stdout.flush();
            return 0;
        }
    }

    static final class OnnxDtypeConverter implements CommandLine.ITypeConverter<OnnxDtype> {
        @Override
        public OnnxDtype convert(String value) {
            try {
                return OnnxDtype.parse(value);
            } catch (SmeltException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** --type: a plain element type, or a quantization mix. */
    record Target(OutputType plain, QuantMix mix) {}

    static final class TypeConverter implements CommandLine.ITypeConverter<Target> {
        @Override
        public Target convert(String value) {
            for (OutputType t : OutputType.values()) {
                if (t.name().equalsIgnoreCase(value)) return new Target(t, null);
            }
            try {
                return new Target(null, QuantMix.parse(value));
            } catch (SmeltException e) {
                throw new CommandLine.TypeConversionException("expected f32, f16, bf16 or a quantization mix: " + e.getMessage());
            }
        }
    }
}
