package dev.smelt.spark.prepare;

import dev.smelt.core.SmeltException;
import dev.smelt.datasets.format.FormatName;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.ExamplePipeline;
import dev.smelt.datasets.prepare.ExampleSource;
import dev.smelt.datasets.prepare.ModelText;
import dev.smelt.datasets.prepare.ProcessedRow;
import dev.smelt.datasets.source.FileKind;
import dev.smelt.datasets.source.HubDatasetFetcher;
import dev.smelt.datasets.source.RawRow;
import dev.smelt.datasets.source.RowReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The datasets module's {@link ExampleSource} run on Spark. On the driver: resolve the sources ({@link SparkSources}),
 * cut them into input splits (uncompressed JSON Lines by {@code spark.sql.files.maxPartitionBytes}, other files whole),
 * number the lines of multi-split files (a first, reading-only pass), and settle the data format from the first valid
 * row as {@code smelt data prepare} does. On the executors ({@link TokenizeSplits}): one split per partition, rows
 * rendered, tokenized and masked by the datasets module. The results are kept on the executors' disks and streamed
 * back to the driver partition by partition in split order, so {@link dev.smelt.datasets.prepare.DataPreparer} sees
 * exactly the rows, in exactly the order, that it sees locally; nothing is shuffled.
 */
public final class SparkExampleSource implements ExampleSource {
    /** Set to {@code true} to ship the model and hf:// files to executors with addFile even in local mode (tests). */
    public static final String SHIP_FILES = "spark.smelt.shipFiles";
    static final String MAX_PARTITION_BYTES = "spark.sql.files.maxPartitionBytes";
    static final String OPEN_COST = "spark.sql.files.openCostInBytes";

    private final SparkSession spark;
    private final Path model;
    private final HubDatasetFetcher hub;
    private ModelFiles modelFiles;
    private Path shipDir;
    private final Map<String, Path> shippedNames = new HashMap<>();

    /** @param hub fetches hf:// sources into the driver's Hub cache; null when they are not allowed */
    public SparkExampleSource(SparkSession spark, Path model, HubDatasetFetcher hub) {
        this.spark = spark;
        this.model = model;
        this.hub = hub;
    }

    private JavaSparkContext jsc() {
        return JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    private boolean ship() {
        return !spark.sparkContext().isLocal() || Boolean.parseBoolean(spark.conf().get(SHIP_FILES, "false"));
    }

    /**
     * The split size, as Spark SQL's file sources choose it ({@code FilePartition.maxSplitBytes}): the data spread over
     * the default parallelism, at least {@code spark.sql.files.openCostInBytes} (4 MiB) and at most {@code
     * spark.sql.files.maxPartitionBytes} (128 MiB). The output does not depend on it.
     */
    long splitBytes(List<SparkSources.Resolved> files) {
        long max = JavaUtils.byteStringAsBytes(spark.conf().get(MAX_PARTITION_BYTES, "128m"));
        long openCost = JavaUtils.byteStringAsBytes(spark.conf().get(OPEN_COST, "4m"));
        long total = 0;
        for (SparkSources.Resolved f : files) total += f.size() + openCost;
        long perCore = total / Math.max(1, spark.sparkContext().defaultParallelism());
        return Math.max(1, Math.min(max, Math.max(openCost, perCore)));
    }

    @Override
    public Processed process(List<String> specs, DataOptions options, ModelText text, Sink sink) throws IOException {
        JavaSparkContext jsc = jsc();
        List<SparkSources.Resolved> files = new SparkSources(hub, jsc.hadoopConfiguration()).resolve(specs);
        boolean anyHadoop = files.stream().anyMatch(SparkSources.Resolved::hadoop);
        Map<String, String> hadoopConf = anyHadoop ? hadoopConf(jsc) : null;
        List<InputSplit> splits = splits(files);
        splits = numberLines(jsc, splits, hadoopConf);
        FormatName format = settleFormat(splits, options, text, hadoopConf);

        List<String> names = new ArrayList<>();
        for (SparkSources.Resolved f : files) names.add(f.displayName());
        jsc.setJobDescription(String.format(Locale.ROOT, "smelt prepare: tokenizing %d split(s) of %d file(s)", splits.size(),
                files.size()));
        JavaRDD<RowBatch> results = jsc.parallelize(splits, splits.size())
                .mapPartitions(new TokenizeSplits(options, format, modelFiles(jsc), hadoopConf))
                .persist(StorageLevel.DISK_ONLY());
        try {
            onExecutors(results::count); // every split in parallel; then back to the driver in split order
            long[] rowsInFile = new long[files.size()];
            Iterator<RowBatch> it = results.toLocalIterator();
            while (it.hasNext()) {
                RowBatch batch = it.next();
                InputSplit split = splits.get(batch.split);
                batch.forEach(split.displayName(), row -> {
                    if (row instanceof ProcessedRow.Invalid inv && !options.skipInvalid()) throw inv.error();
                    sink.accept(row, format);
                });
                if (batch.last) {
                    rowsInFile[split.file()] += batch.rowsInSplit;
                    if (split.last() && rowsInFile[split.file()] == 0) {
                        throw new SmeltException(split.displayName() + ": no rows (the file is empty)");
                    }
                }
            }
        } finally {
            results.unpersist(false);
            jsc.setJobDescription(null);
        }
        return new Processed(names, format);
    }

    private List<InputSplit> splits(List<SparkSources.Resolved> files) throws IOException {
        long size = splitBytes(files);
        List<InputSplit> splits = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            SparkSources.Resolved f = files.get(i);
            String shipped = f.hub() && ship() ? shipFile(f.path(), "data-" + i) : null;
            boolean splittable = f.kind() == FileKind.JSONL && !FileKind.isGzip(Path.of(f.path()).getFileName()) && f.size() > size;
            if (!splittable) {
                splits.add(new InputSplit(splits.size(), i, f.displayName(), f.path(), f.hadoop(), shipped, f.kind(), 0, f.size(),
                        true, true, 0));
                continue;
            }
            for (long start = 0; start < f.size(); start += size) {
                long len = Math.min(size, f.size() - start);
                splits.add(new InputSplit(splits.size(), i, f.displayName(), f.path(), f.hadoop(), shipped, f.kind(), start, len,
                        false, start + len >= f.size(), 0));
            }
        }
        return splits;
    }

    /** Counts the lines of every split but each file's last (in parallel, reading only) and numbers the splits' first lines. */
    private static List<InputSplit> numberLines(JavaSparkContext jsc, List<InputSplit> splits, Map<String, String> hadoopConf) {
        List<InputSplit> counted = splits.stream().filter(s -> !s.whole() && !s.last()).toList();
        if (counted.isEmpty()) return splits;
        jsc.setJobDescription("smelt prepare: numbering lines in " + counted.size() + " split(s)");
        Map<Integer, Long> lines = new HashMap<>();
        List<Tuple2<Integer, Long>> counts = onExecutors(() -> jsc.parallelize(counted, counted.size())
                .map(s -> new Tuple2<>(s.index(), SplitInput.countLines(s, hadoopConf, true))).collect());
        for (Tuple2<Integer, Long> t : counts) {
            lines.put(t._1(), t._2());
        }
        List<InputSplit> out = new ArrayList<>(splits.size());
        long before = 0;
        int file = -1;
        for (InputSplit s : splits) {
            if (s.file() != file) {
                file = s.file();
                before = 0;
            }
            out.add(s.withLinesBefore(before));
            if (!s.whole() && !s.last()) before += lines.get(s.index());
        }
        return out;
    }

    /**
     * Runs a Spark action; a Smelt error raised on an executor (a one-line message naming the file and line) is thrown
     * as itself rather than inside Spark's job failure.
     */
    static <T> T onExecutors(java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (Exception e) { // Spark's SparkException is checked, thrown undeclared from Scala
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof SmeltException smelt) throw smelt;
            }
            throw SparkExampleSource.<RuntimeException>sneaky(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <E extends Exception> E sneaky(Exception e) throws E {
        throw (E) e;
    }

    /** Reads rows on the driver, in source order, until the format is settled (detected, or forced and checked). */
    private static FormatName settleFormat(List<InputSplit> splits, DataOptions options, ModelText text,
                                           Map<String, String> hadoopConf) throws IOException {
        ExamplePipeline pipeline = new ExamplePipeline(options, text);
        for (InputSplit split : splits) {
            try (RowReader rows = SplitInput.open(split, options.textSampling(), hadoopConf, false)) {
                RawRow row;
                while ((row = rows.next()) != null) {
                    pipeline.observe(row);
                    if (pipeline.format() != null) return pipeline.format();
                }
            }
        }
        return pipeline.format();
    }

    private ModelFiles modelFiles(JavaSparkContext jsc) throws IOException {
        if (modelFiles != null) return modelFiles;
        if (!ship()) return modelFiles = new ModelFiles(model.toAbsolutePath().toString(), null);
        Map<String, String> shipped = new LinkedHashMap<>();
        try (var s = Files.list(model)) {
            for (Path p : s.sorted().toList()) {
                String name = p.getFileName().toString();
                boolean small = Files.isRegularFile(p) && Files.size(p) < (64 << 20);
                if (small && (name.endsWith(".json") || name.endsWith(".jinja") || name.endsWith(".txt") || name.endsWith(".model"))) {
                    shipped.put(shipFile(p.toString(), "model-" + shipped.size()), name);
                }
            }
        }
        return modelFiles = new ModelFiles(model.toAbsolutePath().toString(), shipped);
    }

    /**
     * Adds a driver file to the files Spark ships to executors; returns its name there. Spark names a shipped file by
     * its real path's name (a link is followed), so a file whose real name differs (an hf:// file is a link into the Hub
     * cache's blobs) is linked, or copied, under a unique name that keeps its own (.gz, .parquet).
     */
    private String shipFile(String path, String prefix) throws IOException {
        Path file = Path.of(path).toAbsolutePath();
        Path real = file.toRealPath();
        if (real.getFileName().equals(file.getFileName()) && !shippedNames.containsKey(real.getFileName().toString())) {
            shippedNames.put(real.getFileName().toString(), real);
            jsc().sc().addFile(real.toString());
            return real.getFileName().toString();
        }
        if (shipDir == null) {
            shipDir = Files.createTempDirectory("smelt-spark-ship-");
            shipDir.toFile().deleteOnExit();
        }
        String name = "smelt-" + shippedNames.size() + "-" + prefix + "-" + file.getFileName();
        Path copy = shipDir.resolve(name);
        try {
            Files.createLink(copy, real);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(real, copy);
        }
        copy.toFile().deleteOnExit();
        shippedNames.put(name, copy);
        jsc().sc().addFile(copy.toString());
        return name;
    }

    private static Map<String, String> hadoopConf(JavaSparkContext jsc) {
        Map<String, String> m = new HashMap<>();
        for (Map.Entry<String, String> e : jsc.hadoopConfiguration()) m.put(e.getKey(), e.getValue());
        return m;
    }
}
