package dev.smelt.cli.commands;

import dev.smelt.core.SmeltException;
import dev.smelt.bench.pull.PullBenchmark;
import dev.smelt.hub.ProgressPrinter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "pull", description = {
        "Throughput of pull from a loopback Hub vs a plain single-stream copy of the same bytes. "
        + "Prints both rates and their ratio (target >= 0.9)."})
public final class BenchPullCommand implements Callable<Integer> {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b?)", Pattern.CASE_INSENSITIVE);

    @Spec
    CommandSpec spec;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "1GiB", description = "Total repo size (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--files", paramLabel = "N", defaultValue = "8", description = "Number of files (default: ${DEFAULT-VALUE}).")
    int files;

    @Option(names = "--max-workers", paramLabel = "N", defaultValue = "8", description = "Parallel downloads (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "3", description = "Runs; the best of each side is kept (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--dir", paramLabel = "DIR", description = "Scratch folder (default: java.io.tmpdir); needs ~3x --size free.")
    Path dir;

    @Override
    public Integer call() throws Exception {
        long bytes = parseSize(size);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path scratch = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"));
        PullBenchmark.Result r = new PullBenchmark(scratch, bytes, files, workers, runs, line -> {
            err.println(line);
            err.flush();
        }).run();
        out.printf(Locale.ROOT, "repo: %s in %d files, %d workers, loopback%n", ProgressPrinter.bytes(r.bytes()), r.files(), r.workers());
        out.printf(Locale.ROOT, "single-stream copy: %.0f MiB/s%n", r.baselineRate() / (1 << 20));
        out.printf(Locale.ROOT, "smelt pull:         %.0f MiB/s%n", r.pullRate() / (1 << 20));
        out.printf(Locale.ROOT, "ratio: %.2f%n", r.ratio());
        out.flush();
        return 0;
    }

    static long parseSize(String s) {
        Matcher m = SIZE.matcher(s.strip());
        if (!m.matches()) throw new SmeltException("--size '" + s + "': expected a byte count like 1GiB, 512MiB or 100000");
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        return n << shift;
    }
}
