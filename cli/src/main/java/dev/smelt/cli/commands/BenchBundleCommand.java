package dev.smelt.cli.commands;

import dev.smelt.bundle.archive.ArchiveFormat;
import dev.smelt.bundle.bench.BundleBenchmark;
import dev.smelt.core.io.ByteSizes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "bundle", description =
        "Throughput (MB/s of model bytes) of smelt bundle for each archive format vs raw copies of the same bytes into "
        + "one fsynced file (streamed through a 1 MiB buffer and the page cache, in the kernel, and with 4 MiB direct-I/O "
        + "writes), in the same run, with the ratio of medians to the fastest copy (goal >= 0.8 for tar.zst).")
public final class BenchBundleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "2GiB", description = "Model size (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--files", paramLabel = "N", defaultValue = "4", description = "safetensors shards (default: ${DEFAULT-VALUE}).")
    int files;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "5", description = "Runs, each starting one step later in the order; each side's median run is its rate (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--formats", paramLabel = "F,F", split = ",", defaultValue = "tar.gz,tar.zst,zip",
            description = "Archive formats to time (default: ${DEFAULT-VALUE}).")
    List<String> formats;

    @Option(names = "--settle", paramLabel = "SECONDS", defaultValue = "3",
            description = "Pause before each timed step, so the previous step's write-back does not land in it (default: ${DEFAULT-VALUE}).")
    double settleSeconds;

    @Option(names = "--dir", paramLabel = "DIR", description = "Scratch folder (default: java.io.tmpdir); needs ~2x --size free.")
    Path dir;

    @Override
    public Integer call() throws Exception {
        long bytes = BenchPullCommand.parseSize(size);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path scratch = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"));
        List<ArchiveFormat> chosen = new ArrayList<>();
        for (String f : formats) {
            chosen.add(ArchiveFormat.all().stream().filter(a -> a.extension().equals("." + f)).findFirst()
                    .orElseThrow(() -> new ParameterException(spec.commandLine(),
                            "--formats: unknown format '" + f + "'; expected tar.gz, tar.zst or zip")));
        }
        if (!(settleSeconds >= 0 && settleSeconds <= 600)) {
            throw new ParameterException(spec.commandLine(), "--settle: expected 0 to 600 seconds, got " + settleSeconds);
        }
        Duration settle = Duration.ofMillis(Math.round(settleSeconds * 1000));
        BundleBenchmark.Result r = new BundleBenchmark(scratch, bytes, files, runs, chosen, settle, line -> {
            err.println(line);
            err.flush();
        }).run();
        out.printf(Locale.ROOT, "model: %s in %d safetensors files (fp16), %d run%s per side; MB/s: the median run (the best)%n",
                ByteSizes.format(r.bytes()), files, runs, runs == 1 ? "" : "s");
        String base = r.baseline();
        for (String name : r.runs().keySet()) {
            String rate = String.format(Locale.ROOT, "%7.0f MB/s (best %.0f)", r.median(name) / 1e6, r.best(name) / 1e6);
            if (BundleBenchmark.Result.COPIES.contains(name)) {
                String how = switch (name) {
                    case "copy" -> "streamed through a 1 MiB buffer and the page cache";
                    case "kernel-copy" -> "in-kernel transferTo";
                    default -> "4 MiB buffers, direct I/O";
                };
                out.printf(Locale.ROOT, "%-8s %s  (%s%s)%n", "raw copy", rate, how,
                        name.equals(base) ? "; the fastest copy: the ratios' base" : String.format(Locale.ROOT, ", ratio %.2f", r.ratio(name)));
            } else {
                out.printf(Locale.ROOT, "%-8s %s  ratio %.2f, best to best copy %.2f  (archive %.1f%% of the model)%n", name,
                        rate, r.ratio(name), r.bestRatio(name), 100.0 * r.outputSizes().get(name) / r.bytes());
            }
        }
        out.flush();
        return 0;
    }
}
