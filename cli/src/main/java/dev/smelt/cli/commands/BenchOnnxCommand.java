package dev.smelt.cli.commands;

import dev.smelt.bench.onnx.OnnxBenchmark;
import dev.smelt.bench.onnx.OnnxBenchmark.Model;
import dev.smelt.bench.onnx.OnnxBenchmark.Row;
import dev.smelt.cli.GlobalOptions;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.models.TorchThreads;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "onnx", description = {
        "Prefill and decode tokens/s of the model's ONNX exports (fp32, q4, each plain and --optimize) in onnxruntime (CPU) beside Smelt's own "
        + "DJL generation (CPU, float32), same prompt and threads, measured in the same run; ratio = onnxruntime / smelt. "
        + "Without --model: a create-tiny llama and a create-tiny qwen3_5."})
public final class BenchOnnxCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--model", paramLabel = "DIR", description = "Hugging Face model directory to export and benchmark (default: the two create-tiny models).")
    Path model;

    @Option(names = "--prompt-tokens", defaultValue = "128", paramLabel = "N", description = "Prompt length (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--gen-tokens", defaultValue = "64", paramLabel = "N", description = "Decoded tokens per run (default: ${DEFAULT-VALUE}).")
    int genTokens;

    @Option(names = "--repeat", defaultValue = "3", paramLabel = "N", description = "Measured runs; medians are reported (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--threads", paramLabel = "N", description = "PyTorch CPU threads, and onnxruntime's intra-op threads (default: half the processors, at least 1).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        TorchThreads.configure(threads, TorchThreads.Default.HALF_PROCESSORS);
        int n = TorchThreads.intraOp();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        OnnxBenchmark bench = new OnnxBenchmark(promptTokens, genTokens, repeat, n, msg -> progress(err, msg));
        Path work = Files.createTempDirectory("smelt-bench-");
        try {
            List<Model> models = model != null ? List.of(new Model(model.getFileName().toString(), model))
                    : OnnxBenchmark.defaultModels(work);
            List<Row> rows = new ArrayList<>();
            for (Model m : models) rows.add(bench.run(m, work));
            out.println(String.format(Locale.ROOT, "CPU, %d thread(s), prompt %d tokens, %d decoded tokens, median of %d runs;"
                    + " ratio = onnxruntime / smelt (DJL, float32)", n, promptTokens, genTokens, repeat));
            out.println(String.format(Locale.ROOT, "%-14s %9s %-12s | %14s %7s | %14s %7s", "model", "params", "engine",
                    "prefill", "ratio", "decode", "ratio"));
            for (Row r : rows) {
                out.println(String.format(Locale.ROOT, "%-14s %8.1fM %-12s | %10.1f t/s %7s | %10.1f t/s %7s", r.name(),
                        r.params() / 1e6, "smelt", r.smeltPrefill(), "1.000", r.smeltDecode(), "1.000"));
                for (int i = 0; i < OnnxBenchmark.DTYPES.size(); i++) {
                    OnnxBenchmark.Variant d = OnnxBenchmark.DTYPES.get(i);
                    double[] v = r.onnx()[i];
                    out.println(String.format(Locale.ROOT, "%-14s %9s %-12s | %10.1f t/s %7.3f | %10.1f t/s %7.3f", "", "",
                            "ort " + d.label(), v[0], v[0] / r.smeltPrefill(), v[1], v[1] / r.smeltDecode()));
                }
            }
            out.flush();
        } finally {
            AtomicFiles.deleteRecursively(work);
        }
        return 0;
    }

    private static void progress(PrintWriter err, String msg) {
        if (GlobalOptions.quiet()) return;
        err.println("smelt: " + msg + "…");
        err.flush();
    }
}
