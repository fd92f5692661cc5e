package dev.smelt.cli.commands;

import dev.smelt.cli.GlobalOptions;
import dev.smelt.core.SmeltException;
import dev.smelt.core.safetensors.DType;
import dev.smelt.trainer.merge.AdapterMerger;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "merge", description = {
        "Fold a LoRA adapter into its base model (W + scaling·B·A) and write a sharded Hugging Face directory "
        + "with the base's config and tokenizer files. Streams tensor by tensor; the output appears atomically."})
public final class MergeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Base model (Hugging Face directory).")
    Path model;

    @Option(names = "--adapter", required = true, paramLabel = "DIR", description = "PEFT LoRA adapter directory.")
    Path adapter;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output model directory.")
    Path out;

    @Option(names = "--dtype", paramLabel = "bf16|fp16|fp32", description = "Element type of the written weights (default: each tensor's own).")
    String dtype;

    @Option(names = "--max-shard-size", paramLabel = "SIZE", defaultValue = "5GB", description = "Largest shard, e.g. 2GB, 500MB (default: ${DEFAULT-VALUE}).")
    String maxShardSize;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        DType type = dtype == null ? null : switch (dtype.toLowerCase(Locale.ROOT)) {
            case "fp32", "float32" -> DType.F32;
            case "fp16", "float16" -> DType.F16;
            case "bf16", "bfloat16" -> DType.BF16;
            default -> throw new SmeltException("--dtype " + dtype + ": expected bf16, fp16 or fp32");
        };
        long shard = parseSize(maxShardSize);
        PrintWriter err = spec.commandLine().getErr();
        AdapterMerger.Result r = AdapterMerger.merge(model, adapter, out, type, shard, (done, total) -> {
            if (!GlobalOptions.quiet() && (done == total || done % 50 == 0)) {
                err.print("\rsmelt: merged " + done + "/" + total + " tensors");
                if (done.equals(total)) err.println();
                err.flush();
            }
        });
        pw.println("merged " + r.foldedModules() + " adapted projections into " + r.dir() + " (" + r.weightFiles().size()
                + " weight file" + (r.weightFiles().size() == 1 ? "" : "s") + ")");
        pw.flush();
        return 0;
    }

    static long parseSize(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long mult = 1;
        for (String[] u : new String[][] {{"GIB", "1073741824"}, {"MIB", "1048576"}, {"KIB", "1024"}, {"GB", "1000000000"},
            {"MB", "1000000"}, {"KB", "1000"}, {"B", "1"}}) {
            if (t.endsWith(u[0])) {
                mult = Long.parseLong(u[1]);
                t = t.substring(0, t.length() - u[0].length()).trim();
                break;
            }
        }
        try {
            long v = (long) (Double.parseDouble(t) * mult);
            if (v <= 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new SmeltException("--max-shard-size " + s + ": expected a size such as 5GB or 500MB");
        }
    }
}
