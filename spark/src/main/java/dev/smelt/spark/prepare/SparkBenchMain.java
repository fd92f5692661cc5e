package dev.smelt.spark.prepare;

import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.datasets.bench.DataBenchmark;
import dev.smelt.datasets.bench.PrepareBenchmark;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.DataPreparer;
import dev.smelt.datasets.prepare.ModelText;
import dev.smelt.datasets.prepare.PreparedData;
import dev.smelt.datasets.shards.ModelIdentity;
import dev.smelt.datasets.shards.PreparedManifest;
import dev.smelt.datasets.shards.ShardWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ./smelt-spark bench}: {@code smelt bench prepare} for the Spark job. On synthetic chat rows it times, in one
 * run, DJL's tokenizer alone on one thread over the rendered strings (the baseline), the Spark job, and {@code smelt data
 * prepare}'s local preparation; prints rows/s and tokens/s of each and the ratios, and checks that the Spark job wrote
 * the same bytes.
 */
@Command(name = "smelt-spark bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The Spark preparation job beside the single-thread tokenizer and smelt data prepare, same run."})
public final class SparkBenchMain implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "100000", description = "Synthetic chat rows (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--seq-len", paramLabel = "N", defaultValue = "2048", description = "Packed row length (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--model", paramLabel = "DIR",
            description = "Model directory whose tokenizer and chat template to use (default: a tiny byte-level BPE with ChatML).")
    Path model;

    @Option(names = "--vocab", paramLabel = "N", defaultValue = "8192", description = "Vocabulary of the tiny tokenizer (default: ${DEFAULT-VALUE}).")
    int vocab;

    @Option(names = "--data-threads", paramLabel = "N",
            description = "Threads of the local smelt data prepare run (default: all processors).")
    Integer dataThreads;

    @Option(names = "--dir", paramLabel = "DIR", description = "Work directory, kept for reruns (default: ~/.cache/smelt/bench-data).")
    Path dir;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: local[*]).")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark setting. Repeatable.")
    List<String> conf = new ArrayList<>();

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new SparkBenchMain());
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof SmeltException) {
                line.getErr().println("smelt-spark: error: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path work = dir != null ? dir : Path.of(System.getProperty("user.home"), ".cache", "smelt", "bench-data");
        Files.createDirectories(work);
        java.util.function.Consumer<String> log = s -> {
            err.println("smelt-spark bench: " + s);
            err.flush();
        };
        Path tokenizer = DataBenchmark.tokenizerModel(model, vocab, work, log);
        Path data = DataBenchmark.syntheticData(rows, work, log);
        int threads = dataThreads != null ? dataThreads : Runtime.getRuntime().availableProcessors();
        DataOptions options = DataOptions.builder().threads(threads).seqLen(seqLen).packing(true).valSplit(0.01).build();
        List<String> specs = List.of(data.toString());

        log.accept("rendering once for the tokenizer baseline (not timed)…");
        Path rendered = work.resolve("rendered-" + rows + ".txt");
        PrepareBenchmark.renderForBaseline(tokenizer, data, options, rendered);
        log.accept("DJL tokenizer alone, 1 thread…");
        long t0 = System.nanoTime();
        long baseTokens;
        try (ModelText text = ModelText.load(tokenizer)) {
            baseTokens = DataBenchmark.encodeAll(text.tokenizer().djl(), rendered, 1);
        }
        double baseSeconds = (System.nanoTime() - t0) / 1e9;
        Files.deleteIfExists(rendered);

        log.accept("starting Spark…");
        long s0 = System.nanoTime();
        Path sparkOut = work.resolve("spark-prepared-" + rows);
        Path localOut = work.resolve("local-prepared-" + rows);
        PreparedManifest sm;
        double sessionSeconds;
        double sparkSeconds;
        String sparkMaster;
        try (SparkSession spark = SparkSessions.start("smelt-spark bench", master, conf, false)) {
            sessionSeconds = (System.nanoTime() - s0) / 1e9;
            sparkMaster = spark.sparkContext().master();
            log.accept("Spark job (" + sparkMaster + ")…");
            long j0 = System.nanoTime();
            sm = SparkPrepare.run(spark, new SparkPrepare.Request(specs, List.of(), tokenizer, options, sparkOut, null), null, null);
            sparkSeconds = (System.nanoTime() - j0) / 1e9;
        }

        log.accept("smelt data prepare, " + threads + " thread(s)…");
        long l0 = System.nanoTime();
        try (PreparedData prepared = DataPreparer.builder().data(specs).model(tokenizer).options(options).build()) {
            new ShardWriter().write(localOut, prepared, ModelIdentity.of(tokenizer), options, specs, List.of(), null);
        }
        double localSeconds = (System.nanoTime() - l0) / 1e9;
        boolean identical = sameFiles(sparkOut, localOut);
        AtomicFiles.deleteRecursively(sparkOut);
        AtomicFiles.deleteRecursively(localOut);

        long tokens = sm.trainReport().lengths().total();
        long n = sm.trainReport().rows();
        out.printf(Locale.ROOT, "data: %,d synthetic chat rows, %,d tokens (%s)%n", n, tokens,
                model == null ? "tiny byte-level BPE, " + vocab + " tokens" : model.toString());
        out.printf(Locale.ROOT, "DJL tokenizer alone, 1 thread:     %,12.0f tokens/s%n", baseTokens / baseSeconds);
        out.printf(Locale.ROOT, "smelt-spark job (%s):%s%,12.0f tokens/s %,10.0f rows/s  (%.1f s; session start %.1f s not counted)%n",
                sparkMaster, " ".repeat(Math.max(1, 16 - sparkMaster.length())), tokens / sparkSeconds, n / sparkSeconds,
                sparkSeconds, sessionSeconds);
        out.printf(Locale.ROOT, "smelt data prepare (%d thread%s):  %,12.0f tokens/s %,10.0f rows/s  (%.1f s)%n", threads,
                threads == 1 ? "" : "s", tokens / localSeconds, n / localSeconds, localSeconds);
        out.printf(Locale.ROOT, "ratio spark / single-thread tokenizer: %.2f%n", (tokens / sparkSeconds) / (baseTokens / baseSeconds));
        out.printf(Locale.ROOT, "ratio spark / smelt data prepare: %.2f%n", localSeconds / sparkSeconds);
        out.printf(Locale.ROOT, "shards identical to smelt data prepare's: %s%n", identical ? "yes" : "NO");
        out.flush();
        return identical ? 0 : 1;
    }

    private static boolean sameFiles(Path a, Path b) throws IOException {
        List<Path> fa;
        List<Path> fb;
        try (Stream<Path> s = Files.list(a); Stream<Path> t = Files.list(b)) {
            fa = s.sorted().toList();
            fb = t.sorted().toList();
        }
        if (fa.size() != fb.size()) return false;
        for (int i = 0; i < fa.size(); i++) {
            if (!fa.get(i).getFileName().equals(fb.get(i).getFileName())) return false;
            if (!Arrays.equals(Files.readAllBytes(fa.get(i)), Files.readAllBytes(fb.get(i)))) return false;
        }
        return true;
    }
}
