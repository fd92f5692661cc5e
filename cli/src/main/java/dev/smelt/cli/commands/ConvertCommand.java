package dev.smelt.cli.commands;

import dev.smelt.cli.GlobalOptions;
import dev.smelt.converter.gguf.GgufTensor;
import dev.smelt.converter.gguf.vocab.GgufKeys;
import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.OutputType;
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
        subcommands = {ConvertCommand.Gguf.class})
public final class ConvertCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "missing target format (gguf)");
    }

    @Command(name = "gguf", description = {
            "Convert a Hugging Face model directory (llama, qwen2, qwen3, qwen3_5) to a GGUF file for llama.cpp.",
            "Norms, biases and other 1-D tensors stay F32 for f16/bf16 output, as llama.cpp's converter does.",
            "Qwen3.5 multi-token-prediction and vision tensors are left out (llama.cpp loads vision from an mmproj file)."})
    public static final class Gguf implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory.")
        Path model;

        @Option(names = {"--out", "-o"}, required = true, paramLabel = "FILE", description = "Output .gguf file.")
        Path out;

        @Option(names = "--type", defaultValue = "f16", paramLabel = "TYPE",
                description = "Weight type: f32, f16 or bf16 (default: ${DEFAULT-VALUE}).")
        OutputType type;

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
            GgufExport.Result r = GgufExport.export(model, out, new GgufExport.Options(type, name, tokenizerPre), listener);
            stdout.printf("wrote %s (%s, %d tensors, %s of tensor data)%n", r.output(), r.architecture(), r.tensorCount(),
                    InspectCommand.humanBytes(r.dataBytes()));
            stdout.flush();
            return 0;
        }
    }
}
