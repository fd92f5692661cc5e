package dev.smelt.cli.commands;

import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.bench.quantize.QuantizeBenchmark;
import dev.smelt.quantizer.mix.QuantMix;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "quantize", description = {
        "Quantization throughput (MB/s of F32 input) of smelt quantize vs llama.cpp's llama-quantize on the same "
        + "file with the same threads, per type, with the ratio (goal >= 1.0). Without --gguf a random llama model "
        + "(--hidden, --layers) is created and converted to F32 in the scratch folder first."})
public final class BenchQuantizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--gguf", paramLabel = "FILE", description = "F32 GGUF to quantize (default: a generated model).")
    Path gguf;

    @Option(names = "--types", paramLabel = "T,T", split = ",", defaultValue = "Q8_0,Q4_0,Q4_K_M",
            converter = QuantizeCommand.MixConverter.class, description = "Mixes to time (default: ${DEFAULT-VALUE}).")
    List<QuantMix> types;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for both tools (default: all cores).")
    Integer threads;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "5",
            description = "Timed runs per side, after one untimed pass; the median is kept (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--llama-quantize", paramLabel = "PATH",
            description = "llama-quantize binary (default: the one in -Dsmelt.llama.tools or $SMELT_LLAMA_TOOLS, else the "
                    + "newest build of interop/build-llama-tools.sh in $SMELT_TOOLS_CACHE/llama.cpp, default ~/.cache/smelt/llama.cpp).")
    Path llamaQuantize;

    @Option(names = "--hidden", paramLabel = "H", defaultValue = "1024", description = "Generated model width (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--layers", paramLabel = "L", defaultValue = "4", description = "Generated model layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--dir", paramLabel = "DIR", description = "Scratch folder (default: java.io.tmpdir).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        Path tool = llamaQuantize != null ? llamaQuantize : QuantizeBenchmark.llamaQuantize();
        if (!Files.isExecutable(tool)) throw new SmeltException(tool + ": llama-quantize is not an executable file");
        Path scratch = Files.createTempDirectory(dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir")), "smelt-bench-q");
        try {
            Path input = gguf;
            if (input == null) {
                err.println("generating a " + hidden + "-wide, " + layers + "-layer llama model ...");
                err.flush();
                TinyModelWriter.Result m = TinyModelWriter.write(TinyModelSpec.builder(Architecture.LLAMA).hiddenSize(hidden)
                        .intermediateSize(hidden * 11 / 4 / 256 * 256).numLayers(layers).numHeads(hidden / 64).numKvHeads(hidden / 256)
                        .vocabSize(8192).tieWordEmbeddings(false).build(), scratch.resolve("model"));
                input = scratch.resolve("model-f32.gguf");
                GgufExport.export(m.directory(), input, GgufExport.Options.of(OutputType.F32), new GgufExport.Listener() {});
            }
            QuantizeBenchmark bench = new QuantizeBenchmark(input, tool, scratch, n, runs, line -> {
                err.println(line);
                err.flush();
            });
            List<QuantizeBenchmark.Row> rows = bench.run(types);
            out.printf(Locale.ROOT, "input: %s, %s of F32 tensors, %d threads, median of %d runs%n", input,
                    InspectCommand.humanBytes(bench.inputBytes()), n, runs);
            out.printf(Locale.ROOT, "%-8s %14s %20s %7s%n", "type", "smelt MB/s", "llama-quantize MB/s", "ratio");
            for (QuantizeBenchmark.Row r : rows) {
                out.printf(Locale.ROOT, "%-8s %14.1f %20.1f %7.2f%n", r.mix(), r.smeltMBps(), r.llamaMBps(), r.ratio());
            }
            out.flush();
            return 0;
        } finally {
            try (Stream<Path> s = Files.walk(scratch)) {
                List<Path> all = new ArrayList<>(s.sorted(Comparator.reverseOrder()).toList());
                for (Path p : all) Files.deleteIfExists(p);
            }
        }
    }
}
