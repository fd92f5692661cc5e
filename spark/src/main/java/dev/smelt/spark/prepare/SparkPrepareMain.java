package dev.smelt.spark.prepare;

import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.datasets.format.FieldMap;
import dev.smelt.datasets.format.FormatName;
import dev.smelt.datasets.length.Truncation;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.PreparationReport;
import dev.smelt.datasets.render.TrainOn;
import dev.smelt.datasets.shards.PreparedManifest;
import dev.smelt.datasets.shards.PreparedSummary;
import dev.smelt.datasets.source.HubClientFetcher;
import dev.smelt.datasets.source.HubDataUri;
import dev.smelt.datasets.source.TextSampling;
import dev.smelt.hub.HubClient;
import dev.smelt.hub.HubSettings;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code smelt data prepare} on Spark: {@code ./smelt-spark --data SRC --model DIR --out DIR …} (local mode on this
 * machine), or {@code spark-submit --class dev.smelt.spark.SparkPrepareMain …} on a cluster. The flags are
 * {@code smelt data prepare}'s, plus {@code --master} and {@code --conf}; the output is the directory it writes.
 */
@Command(name = "smelt-spark", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Renders, tokenizes, masks, splits and packs task data as smelt data prepare does, as a Spark job:"
                + " executors tokenize the input splits, the driver writes the shards. The output is byte for byte the"
                + " directory smelt data prepare writes for the same data and settings; smelt train --data DIR reads it."})
public final class SparkPrepareMain implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data", paramLabel = "SRC", required = true,
            description = "Data: a file (.jsonl .json .csv .tsv .parquet .txt, optionally .gz), a directory, a glob,"
                    + " hf://datasets/ORG/NAME[@REV]/PATH/GLOB, or a Hadoop URI (s3a://, gs://, hdfs://). Repeatable.")
    List<String> data = new ArrayList<>();

    @Option(names = "--model", paramLabel = "DIR", required = true, description = "Model directory (tokenizer.json, chat template).")
    Path model;

    @Option(names = "--out", paramLabel = "DIR", required = true,
            description = "Directory to write on the driver (replaced as a whole once complete).")
    Path out;

    @Option(names = "--format", paramLabel = "F",
            description = "messages, sharegpt, alpaca, prompt-completion or text (default: detected from the first row).")
    String format;

    @Option(names = "--field", paramLabel = "FIELD=COLUMN",
            description = "Read a field from a differently named column, e.g. messages=dialog, role=speaker. Repeatable.")
    List<String> fields = new ArrayList<>();

    @Option(names = "--seq-len", paramLabel = "N",
            description = "Sequence length in tokens (default: 2048, capped to the model's context when it has a config.json).")
    Integer seqLen;

    @Option(names = "--truncation", paramLabel = "chunk|drop|right",
            description = "Length handling (default: chunk for text, drop otherwise).")
    Truncation truncation;

    @Option(names = "--train-on", paramLabel = "all|assistant|last-assistant", defaultValue = "assistant",
            description = "Which tokens carry loss (default: ${DEFAULT-VALUE}).")
    String trainOn;

    @Option(names = "--train-on-think-block", description = "Also train the empty <think></think> block of thinking templates.")
    boolean trainOnThinkBlock;

    @Option(names = "--skip-invalid", description = "Count and report bad rows instead of stopping at the first.")
    boolean skipInvalid;

    @Option(names = "--text-sample-by", paramLabel = "line|paragraph|document", defaultValue = "line",
            description = "How .txt files are cut into examples (default: ${DEFAULT-VALUE}).")
    TextSampling textSampling;

    @Option(names = "--val-data", paramLabel = "SRC", description = "Validation data (instead of --val-split). Repeatable.")
    List<String> valData = new ArrayList<>();

    @Option(names = "--val-split", paramLabel = "F", defaultValue = "0.0",
            description = "Fraction of the training rows held out for validation (default: ${DEFAULT-VALUE}).")
    double valSplit;

    @Option(names = "--packing", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Pack several examples into each row (default: on).")
    boolean packing;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Seed for the validation split and the row order (default: ${DEFAULT-VALUE}, as smelt train).")
    long seed;

    @Option(names = "--token", paramLabel = "TOKEN", description = "Hugging Face token for hf:// data (default: HF_TOKEN, then $HF_HOME/token).")
    String token;

    @Option(names = "--endpoint", paramLabel = "URL", description = "Hub URL (default: HF_ENDPOINT or https://huggingface.co).")
    URI endpoint;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Hub cache on the driver (default: HF_HUB_CACHE or $HF_HOME/hub).")
    Path cacheDir;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (default: spark-submit's, else local[*]): local[N], yarn, k8s://…, spark://….")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "A Spark setting, e.g. spark.sql.files.maxPartitionBytes=64m (the input split size). Repeatable.")
    List<String> conf = new ArrayList<>();

    @Option(names = {"-q", "--quiet"}, description = "No progress on stderr.")
    boolean quiet;

    /** As smelt train: 2048, capped to the model's context. */
    static final int DEFAULT_SEQ_LEN = 2048;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SparkPrepareMain());
        cl.setCaseInsensitiveEnumValuesAllowed(true); // --truncation drop, --text-sample-by line, as smelt
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof SmeltException) {
                line.getErr().println("smelt-spark: error: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cl;
    }

    DataOptions options() {
        int len = seqLen != null ? seqLen : DEFAULT_SEQ_LEN;
        if (seqLen == null && Files.isRegularFile(model.resolve(ModelDirectory.CONFIG))) {
            len = Math.min(DEFAULT_SEQ_LEN, ModelDirectory.open(model).config().maxPositionEmbeddings());
        }
        return DataOptions.builder().format(format == null ? null : FormatName.parse(format)).fields(FieldMap.parse(fields))
                .seqLen(len).truncation(truncation).trainOn(TrainOn.parse(trainOn)).trainOnEmptyThinkBlock(trainOnThinkBlock)
                .skipInvalid(skipInvalid).textSampling(textSampling).packing(packing).valSplit(valSplit).seed(seed).build();
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        DataOptions options = options();
        HubClientFetcher hub = null;
        if (Stream.concat(data.stream(), valData.stream()).anyMatch(HubDataUri::isHubUri)) {
            hub = new HubClientFetcher(HubClient.builder().settings(hubSettings()).build());
        }
        long start = System.nanoTime();
        PreparedManifest m;
        try (SparkSession spark = SparkSessions.start("smelt prepare", master, conf, !quiet)) {
            m = SparkPrepare.run(spark, new SparkPrepare.Request(data, valData, model, options, out, hub),
                    progress(err, "rows collected"), progress(err, "rows written"));
        }
        print(stdout, m, (System.nanoTime() - start) / 1e9);
        return 0;
    }

    private HubSettings hubSettings() {
        return HubSettings.fromEnvironment().withFlags(token, endpoint, cacheDir);
    }

    private LongConsumer progress(PrintWriter err, String what) {
        if (quiet) return null;
        return PreparedSummary.progressLines(err, what);
    }

    private void print(PrintWriter pw, PreparedManifest m, double seconds) {
        PreparedSummary.printCounts(pw, out, m);
        PreparationReport r = m.trainReport();
        pw.printf(Locale.ROOT, "took:       %.1f s (%,.0f rows/s, %,.0f tokens/s), Spark session included%n", seconds,
                r.rows() / seconds, r.lengths().total() / seconds);
        pw.flush();
    }

}
