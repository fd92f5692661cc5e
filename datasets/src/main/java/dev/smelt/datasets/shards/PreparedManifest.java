package dev.smelt.datasets.shards;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.smelt.core.SmeltException;
import dev.smelt.datasets.format.FieldMap;
import dev.smelt.datasets.format.FormatName;
import dev.smelt.datasets.length.Truncation;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.PreparationReport;
import dev.smelt.datasets.render.TrainOn;
import dev.smelt.datasets.source.TextSampling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code manifest.json} of a prepared data set: what made it (model identity, settings, sources), what it holds (the
 * reports of the preparation, the chat template variables decided from the data, the pad id) and its shards in order,
 * each with its row and token counts and SHA-256.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record PreparedManifest(
        String kind,
        int version,
        ModelIdentity model,
        Settings settings,
        List<String> data,
        List<String> valData,
        int padTokenId,
        Map<String, Object> chatTemplateKwargs,
        PreparationReport trainReport,
        PreparationReport validationReport,
        List<Shard> train,
        List<Shard> validation) {

    public static final String FILE = "manifest.json";
    public static final String KIND = "smelt-prepared-data";
    public static final int VERSION = 1;

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** One Parquet file: its name in the directory, rows, tokens and SHA-256. */
    public record Shard(String file, long rows, long tokens, long bytes, String sha256) {}

    /** The {@link DataOptions} that decide the rows (all but the thread count, which changes nothing). */
    public record Settings(String format, Map<String, String> fields, String trainOn, boolean trainOnThinkBlock, int seqLen,
                           String truncation, boolean packing, boolean skipInvalid, double valSplit, long seed,
                           String textSampleBy) {
        public static Settings of(DataOptions o) {
            return new Settings(o.format() == null ? null : o.format().cliName(), new TreeMap<>(o.fields().columns()),
                    o.trainOn().cliName(), o.trainOnEmptyThinkBlock(), o.seqLen(),
                    o.truncation() == null ? null : o.truncation().name().toLowerCase(Locale.ROOT), o.packing(),
                    o.skipInvalid(), o.valSplit(), o.seed(), o.textSampling().name().toLowerCase(Locale.ROOT));
        }

        public DataOptions options() {
            return DataOptions.builder()
                    .format(format == null ? null : FormatName.parse(format))
                    .fields(new FieldMap(fields == null ? Map.of() : fields))
                    .trainOn(TrainOn.parse(trainOn))
                    .trainOnEmptyThinkBlock(trainOnThinkBlock)
                    .seqLen(seqLen)
                    .truncation(truncation == null ? null : Truncation.valueOf(truncation.toUpperCase(Locale.ROOT)))
                    .packing(packing)
                    .skipInvalid(skipInvalid)
                    .valSplit(valSplit)
                    .seed(seed)
                    .textSampling(TextSampling.valueOf(textSampleBy.toUpperCase(Locale.ROOT)))
                    .threads(1)
                    .build();
        }
    }

    /** Whether {@code dir} holds a prepared data set (a manifest of this kind). */
    public static boolean isPrepared(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isDirectory(dir) || !Files.isRegularFile(file)) return false;
        try {
            return KIND.equals(JSON.readTree(file.toFile()).path("kind").asText(null));
        } catch (IOException e) {
            return false;
        }
    }

    public static PreparedManifest read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) throw new SmeltException(file + ": no such file (not a prepared data directory)");
        PreparedManifest m;
        try {
            m = JSON.readValue(file.toFile(), PreparedManifest.class);
        } catch (IOException e) {
            throw new SmeltException(file + ": not a valid manifest (" + e.getMessage().split("\n", 2)[0] + ")", e);
        }
        if (!KIND.equals(m.kind)) throw new SmeltException(file + ": kind: expected \"" + KIND + "\", got " + m.kind);
        if (m.version != VERSION) {
            throw new SmeltException(file + ": version: expected " + VERSION + ", got " + m.version + " (prepare the data again)");
        }
        if (m.model == null || m.model.tokenizerSha256() == null) throw new SmeltException(file + ": model: missing tokenizer hash");
        if (m.settings == null) throw new SmeltException(file + ": settings: missing");
        if (m.train == null || m.train.isEmpty()) throw new SmeltException(file + ": train: no shards");
        return m;
    }

    String toJson() throws IOException {
        return JSON.writeValueAsString(this) + "\n";
    }

    public long trainRows() {
        return train.stream().mapToLong(Shard::rows).sum();
    }

    public long validationRows() {
        return validation == null ? 0 : validation.stream().mapToLong(Shard::rows).sum();
    }

    public long tokens() {
        long t = 0;
        for (List<Shard> part : List.of(train, validation == null ? List.<Shard>of() : validation)) {
            for (Shard s : part) t += s.tokens();
        }
        return t;
    }
}
