package dev.smelt.spark.prepare;

import dev.smelt.core.SmeltException;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.DataPreparer;
import dev.smelt.datasets.prepare.PreparedData;
import dev.smelt.datasets.shards.ModelIdentity;
import dev.smelt.datasets.shards.PreparedManifest;
import dev.smelt.datasets.shards.ShardWriter;
import dev.smelt.datasets.source.HubDatasetFetcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;
import org.apache.spark.sql.SparkSession;

/**
 * {@code smelt data prepare} as a Spark job: the rows are rendered, tokenized and masked on the executors
 * ({@link SparkExampleSource}); the driver runs the rest of the datasets module's preparation (length handling, seeded
 * split and shuffle, packing) and writes the shards with its own Parquet writer ({@link ShardWriter}), so the output
 * directory is byte for byte the one {@code smelt data prepare} writes for the same data and settings.
 */
public final class SparkPrepare {
    /**
     * What to prepare.
     *
     * @param hub fetches hf:// sources on the driver (the hub module's client); null when none are given
     */
    public record Request(List<String> data, List<String> valData, Path model, DataOptions options, Path out,
                          HubDatasetFetcher hub) {}

    private SparkPrepare() {}

    /**
     * Prepares {@code r.data()} into {@code r.out()} (replaced once complete).
     *
     * @param rowsRead called with the rows processed so far (on the driver, in order), or null
     * @param rowsWritten called with the shard rows written so far, or null
     */
    public static PreparedManifest run(SparkSession spark, Request r, LongConsumer rowsRead, LongConsumer rowsWritten)
            throws IOException {
        Path out = r.out();
        if (Files.exists(out) && !Files.isDirectory(out)) throw new SmeltException("--out " + out + ": exists and is not a directory");
        if (Files.isDirectory(out) && !PreparedManifest.isPrepared(out) && !isEmpty(out)) {
            throw new SmeltException("--out " + out + ": a non-empty directory that is not a prepared data set; choose another");
        }
        ModelIdentity identity = ModelIdentity.of(r.model());
        try (PreparedData prepared = DataPreparer.builder().data(r.data()).valData(r.valData()).model(r.model())
                .options(r.options()).examples(new SparkExampleSource(spark, r.model(), r.hub())).progress(rowsRead).build()) {
            return new ShardWriter().write(out, prepared, identity, r.options(), r.data(), r.valData(), rowsWritten);
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
