package dev.smelt.cli.commands;

import dev.smelt.cli.GlobalOptions;
import dev.smelt.converter.gguf.GgufTensor;
import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.core.SmeltException;
import dev.smelt.quantizer.gguf.GgufQuantizer;
import dev.smelt.quantizer.gguf.ImportanceMatrix;
import dev.smelt.quantizer.gguf.QuantizeOptions;
import dev.smelt.quantizer.mix.QuantMix;
import dev.smelt.quantizer.plan.EdgePlan;
import dev.smelt.quantizer.plan.RuntimeMemory;
import dev.smelt.quantizer.plan.Tier;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "quantize", description = {
        "Quantize a GGUF file like llama.cpp's llama-quantize: same per-tensor type choices, same bytes. "
        + "With --imatrix the importance-weighted quantizers are used, as llama-quantize --imatrix does. "
        + "TYPE: Q2_K, Q3_K_S, Q3_K_M, Q3_K_L, Q4_0, Q4_1, Q4_K_S, Q4_K_M, Q5_0, Q5_1, Q5_K_S, Q5_K_M, Q6_K, Q8_0, "
        + "IQ4_NL, IQ4_XS (Q3_K, Q4_K, Q5_K are the _M mixes). The input is memory-mapped; the output appears "
        + "atomically. With --plan --model DIR nothing is written: per type it prints the GGUF file size, the memory "
        + "llama.cpp needs at --ctx tokens (weights + F16 KV cache + recurrent state + runtime estimate) and the tiers "
        + "that fits (phone <= 2 GiB, gpu-8gb <= 7.5 GiB usable of an 8 GiB card, laptop <= 8 GiB)."})
public final class QuantizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "IN.gguf", description = "GGUF file to quantize (F32, F16 or BF16 weights).")
    Path input;

    @Parameters(index = "1", arity = "0..1", paramLabel = "OUT.gguf", description = "Output file.")
    Path output;

    @Parameters(index = "2", arity = "0..1", paramLabel = "TYPE", converter = MixConverter.class, description = "Quantization mix.")
    QuantMix mix;

    @Option(names = "--plan", description = "Print sizes, memory and device tiers per type for --model instead of quantizing.")
    boolean plan;

    @Option(names = "--model", paramLabel = "DIR", description = "With --plan: the Hugging Face model directory to size.")
    Path model;

    @Option(names = "--ctx", paramLabel = "N", description = "With --plan: context length in tokens (default: 4096).")
    Integer ctx;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--allow-requantize", description = "Allow re-quantizing tensors that are already quantized.")
    boolean allowRequantize;

    @Option(names = "--imatrix", paramLabel = "FILE",
            description = "Importance matrix (llama.cpp GGUF imatrix or legacy .dat) for the weighted quantizers.")
    String imatrix;

    @Option(names = "--pure", description = "Give every quantizable tensor the mix's default type (llama-quantize --pure).")
    boolean pure;

    @Override
    public Integer call() throws Exception {
        if (plan) return plan();
        if (input == null || output == null || mix == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "expected IN.gguf OUT.gguf TYPE (or --plan --model DIR)");
        }
        if (model != null || ctx != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--model and --ctx go with --plan");
        }
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (n < 1) throw new SmeltException("--threads must be >= 1, got " + n);
        if (Files.isDirectory(output)) throw new SmeltException(output + ": is a directory; give the output file name");
        if (input.toAbsolutePath().normalize().equals(output.toAbsolutePath().normalize())) {
            throw new SmeltException(output + ": the output must not be the input file");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GgufQuantizer.Result r = GgufQuantizer.quantize(input, output,
                new QuantizeOptions(mix, n, allowRequantize, pure,
                        imatrix == null ? null : ImportanceMatrix.read(Path.of(imatrix))), progress(err));
        out.printf("wrote %s (%s, %d tensors, %s → %s)%n", output, mix, r.tensors().size(),
                InspectCommand.humanBytes(r.inputBytes()), InspectCommand.humanBytes(r.outputBytes()));
        out.flush();
        return 0;
    }

    private Integer plan() {
        if (model == null) throw new CommandLine.ParameterException(spec.commandLine(), "--plan needs --model DIR");
        if (input != null) throw new CommandLine.ParameterException(spec.commandLine(), "--plan takes no IN.gguf OUT.gguf TYPE");
        int tokens = ctx != null ? ctx : 4096;
        if (tokens < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--ctx must be >= 1, got " + tokens);
        EdgePlan p = EdgePlan.of(model, tokens);
        RuntimeMemory rt = p.runtime();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%s: %s, %,d parameters, context %,d tokens%n", model, p.architecture(), p.parameters(), tokens);
        out.printf("besides the weights: KV cache %s (F16), recurrent state %s, compute buffers and runtime ~%s%n",
                InspectCommand.humanBytes(rt.kvCacheBytes()), InspectCommand.humanBytes(rt.recurrentStateBytes()),
                InspectCommand.humanBytes(rt.overheadBytes()));
        out.printf("%-8s %12s %14s  %s%n", "TYPE", "FILE", "RAM @" + tokens, "FITS");
        for (EdgePlan.Estimate e : p.estimates()) {
            String fits = e.fits().isEmpty() ? "-" : e.fits().stream().map(Tier::label).collect(Collectors.joining(", "));
            out.printf("%-8s %12s %14s  %s%n", e.type(), InspectCommand.humanBytes(e.fileBytes()),
                    InspectCommand.humanBytes(e.ramBytes()), fits);
        }
        out.printf("tiers: %s%n", Arrays.stream(Tier.values())
                .map(t -> t.label() + " <= " + InspectCommand.humanBytes(t.budgetBytes())).collect(Collectors.joining(", ")));
        out.flush();
        return 0;
    }

    /** One line per tensor on stderr, as llama-quantize prints; nothing with --quiet. */
    static GgufWriter.Listener progress(PrintWriter err) {
        boolean quiet = GlobalOptions.quiet();
        return new GgufWriter.Listener() {
            @Override
            public void tensorStarted(int index, int count, GgufTensor t) {
                if (quiet) return;
                int w = String.valueOf(count).length();
                err.printf("[%" + w + "d/%d] %-40s %-6s %s%n", index + 1, count, t.name(), t.type(), Arrays.toString(t.dims()));
                err.flush();
            }
        };
    }

    /** Parses TYPE; an unknown name is a usage error (exit 2). */
    public static final class MixConverter implements CommandLine.ITypeConverter<QuantMix> {
        @Override
        public QuantMix convert(String value) {
            try {
                return QuantMix.parse(value);
            } catch (SmeltException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
