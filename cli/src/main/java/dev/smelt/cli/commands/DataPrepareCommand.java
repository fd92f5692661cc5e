package dev.smelt.cli.commands;

import dev.smelt.cli.GlobalOptions;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.DataPreparer;
import dev.smelt.datasets.prepare.PreparationReport;
import dev.smelt.datasets.prepare.PreparedData;
import dev.smelt.datasets.shards.ModelIdentity;
import dev.smelt.datasets.shards.PreparedManifest;
import dev.smelt.datasets.shards.PreparedSummary;
import dev.smelt.datasets.shards.ShardWriter;
import dev.smelt.datasets.source.HubClientFetcher;
import dev.smelt.hub.HubClient;
import dev.smelt.trainer.sft.TrainConfig;
import java.io.PrintWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.LongConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "prepare", description = {
        "Renders, tokenizes, masks, splits and packs task data once, the way smelt train would, into Parquet shards "
        + "(train-NNNNN.parquet, validation-NNNNN.parquet: input_ids, labels, seq_lens per row, in training order) and "
        + "manifest.json (tokenizer and chat template hashes, settings, counts). smelt train --data DIR trains on them "
        + "without tokenizing again and refuses them for a model with another tokenizer or chat template."})
public final class DataPrepareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataOptionsMixin dataOptions;

    @Mixin
    HubOptions hub;

    @Option(names = "--model", paramLabel = "DIR", required = true, description = "Model directory (tokenizer.json, chat template).")
    Path model;

    @Option(names = "--out", paramLabel = "DIR", required = true,
            description = "Directory to write (replaced as a whole once complete).")
    Path out;

    @Option(names = "--val-data", paramLabel = "SRC", description = "Validation data (instead of --val-split). Repeatable.")
    List<String> valData = new ArrayList<>();

    @Option(names = "--val-split", paramLabel = "F", defaultValue = "0.0",
            description = "Fraction of the training rows held out for validation (default: ${DEFAULT-VALUE}).")
    double valSplit;

    @Option(names = "--packing", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Pack several examples into each row (default: on).")
    boolean packing;

    @Option(names = "--seed", paramLabel = "S",
            description = "Seed for the validation split and the row order (default: " + TrainConfig.DEFAULT_SEED
                    + "); smelt train with the same --seed on these shards trains the adapter it would on the raw data.")
    Long seed;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int seqLen = dataOptions.seqLen;
        if (!spec.commandLine().getParseResult().hasMatchedOption("--seq-len")
                && Files.isRegularFile(model.resolve(ModelDirectory.CONFIG))) {
            // as smelt train: the default capped to the model's context
            seqLen = Math.min(TrainConfig.DEFAULT_SEQ_LEN, ModelDirectory.open(model).config().maxPositionEmbeddings());
        }
        DataOptions options = dataOptions.toBuilder().seqLen(seqLen).packing(packing).valSplit(valSplit)
                .seed(seed == null ? TrainConfig.DEFAULT_SEED : seed).build();
        if (Files.exists(out) && !Files.isDirectory(out)) throw new SmeltException("--out " + out + ": exists and is not a directory");
        if (Files.isDirectory(out) && !PreparedManifest.isPrepared(out) && !isEmpty(out)) {
            throw new SmeltException("--out " + out + ": a non-empty directory that is not a prepared data set; choose another");
        }
        ModelIdentity identity = ModelIdentity.of(model);
        HubClient client = HubClient.builder().settings(hub.settings()).build();
        long start = System.nanoTime();
        PreparedManifest m;
        try (PreparedData prepared = DataPreparer.builder().data(dataOptions.data()).valData(valData).model(model)
                .options(options).hub(new HubClientFetcher(client)).progress(progress(err, "rows read")).build()) {
            if (!GlobalOptions.quiet()) {
                err.printf(Locale.ROOT, "smelt: writing %,d training and %,d validation rows to %s%n", prepared.train().size(),
                        prepared.validation().size(), out);
                err.flush();
            }
            m = new ShardWriter().write(out, prepared, identity, options, dataOptions.data(), valData,
                    progress(err, "rows written"));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        print(stdout, m, seconds);
        return 0;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private void print(PrintWriter pw, PreparedManifest m, double seconds) {
        PreparedSummary.printCounts(pw, out, m);
        PreparationReport r = m.trainReport();
        pw.printf(Locale.ROOT, "model:      tokenizer.json sha256 %s, chat template %s%n", m.model().tokenizerSha256().substring(0, 16),
                m.model().chatTemplateSha256() == null ? "none" : "sha256 " + m.model().chatTemplateSha256().substring(0, 16));
        pw.printf(Locale.ROOT, "took:       %.1f s (%,.0f rows/s, %,.0f tokens/s)%n", seconds, r.rows() / seconds,
                r.lengths().total() / seconds);
        pw.flush();
    }


    private static LongConsumer progress(PrintWriter err, String what) {
        if (GlobalOptions.quiet()) return null;
        return PreparedSummary.progressLines(err, what);
    }
}
