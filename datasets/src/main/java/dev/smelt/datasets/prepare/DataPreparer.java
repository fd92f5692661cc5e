package dev.smelt.datasets.prepare;

import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatTemplateKwargs;
import dev.smelt.datasets.render.TrainedRendering;
import dev.smelt.datasets.source.HubDatasetFetcher;
import dev.smelt.datasets.split.Split;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Turns task data into training and validation rows for the trainer:
 *
 * <pre>{@code
 * try (PreparedData data = DataPreparer.builder()
 *         .data(List.of("train.jsonl"))
 *         .model(modelDir)
 *         .options(DataOptions.builder().seqLen(2048).valSplit(0.05).packing(true).build())
 *         .build()) {
 *     SequenceSet train = data.train();        // shuffled by seed
 *     TrainingSequence row = train.get(0);     // input ids, labels (-100 = no loss), positions, segments
 * }
 * }</pre>
 *
 * Rows stream from the sources through rendering and tokenization into a temporary token file,
 * so memory stays flat however large the data is.
 */
public final class DataPreparer {
    private final List<String> data;
    private final List<String> valData;
    private final Path model;
    private final ModelText modelText;
    private final DataOptions options;
    private final ExampleSource source;
    private final Path workDir;
    private final LongConsumer progress;

    private DataPreparer(Builder b) {
        this.data = List.copyOf(b.data);
        this.valData = List.copyOf(b.valData);
        this.model = b.model;
        this.modelText = b.modelText;
        this.options = b.options;
        this.source = b.source != null ? b.source : ExampleSource.local(b.hub);
        this.workDir = b.workDir;
        this.progress = b.progress;
    }

    public static Builder builder() {
        return new Builder();
    }

    private PreparedData prepare() throws IOException {
        if (data.isEmpty()) throw new SmeltException("--data: no training data given");
        if (!valData.isEmpty() && options.valSplit() > 0) {
            throw new SmeltException("--val-split and --val-data exclude each other");
        }
        ModelText text = modelText != null ? modelText : ModelText.load(Objects.requireNonNull(model, "model"));
        List<AutoCloseable> owned = new ArrayList<>();
        if (modelText == null) owned.add(text);
        try {
            TokenStore trainStore = newStore();
            owned.add(trainStore);
            RenderCounts counts = new RenderCounts();
            PreparationReport trainReport = fill(data, text, trainStore, counts);
            SequenceSet train;
            SequenceSet validation;
            PreparationReport valReport = null;
            if (!valData.isEmpty()) {
                TokenStore valStore = newStore();
                owned.add(valStore);
                valReport = fill(valData, text, valStore, counts);
                train = sequences(trainStore, Split.shuffledOnly(trainStore.size(), options.seed()).train());
                validation = sequences(valStore, identity(valStore.size()));
            } else {
                Split split = Split.of(trainStore.size(), options.valSplit(), options.seed());
                train = sequences(trainStore, split.train());
                validation = sequences(trainStore, split.validation());
            }
            if (train.size() == 0) throw new SmeltException(String.join(", ", data) + ": no training examples left ("
                    + describeLoss(trainReport) + ")");
            int padId = text.tokenizer().padTokenId();
            ChatTemplateKwargs kwargs = TrainedRendering.decide(text.template(), counts.chats, counts.reasoning);
            if (modelText == null) {
                text.close();
                owned.remove(text);
            }
            return new PreparedData(train, validation, trainReport, valReport, options, padId, kwargs,
                    closer(owned));
        } catch (IOException | RuntimeException | Error e) {
            closer(owned).close();
            throw e;
        }
    }

    private static String describeLoss(PreparationReport r) {
        return r.rows() + " rows, " + r.invalidRows() + " invalid, " + r.droppedTooLong() + " longer than seq-len "
                + r.seqLen() + ", " + r.droppedNoTrainedTokens() + " without trained tokens";
    }

    private SequenceSet sequences(TokenStore store, int[] order) {
        return options.packing() ? StoredSequences.packed(store, order, options.seqLen()) : StoredSequences.single(store, order);
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    private TokenStore newStore() {
        return workDir == null ? TokenStore.temporary() : new TokenStore(workDir);
    }

    /** Conversations rendered, and those with reasoning, over training and validation data. */
    private static final class RenderCounts {
        long chats;
        long reasoning;
    }

    private PreparationReport fill(List<String> specs, ModelText text, TokenStore store, RenderCounts counts)
            throws IOException {
        ReportCollector report = new ReportCollector(options.seqLen());
        LengthStage lengths = new LengthStage(options, report, store::append);
        long[] seen = {0};
        ExampleSource.Processed processed = source.process(specs, options, text, (row, format) -> {
            if (row instanceof ProcessedRow.Example ex) {
                if (!ex.rendered().addSpecialTokens()) counts.chats++;
                if (ex.rendered().reasoning()) counts.reasoning++;
                lengths.accept(ex, format);
            } else {
                report.invalid((ProcessedRow.Invalid) row);
            }
            if (progress != null) progress.accept(++seen[0]);
        });
        lengths.finish();
        store.finish();
        return report.report(processed.files(), processed.format());
    }

    private static PreparedData.Resources closer(List<AutoCloseable> owned) {
        List<AutoCloseable> copy = new ArrayList<>(owned);
        return () -> {
            RuntimeException first = null;
            for (int i = copy.size() - 1; i >= 0; i--) {
                try {
                    copy.get(i).close();
                } catch (Exception e) {
                    if (first == null) first = new RuntimeException(e);
                }
            }
            if (first != null) throw first;
        };
    }

    public static final class Builder {
        private List<String> data = List.of();
        private List<String> valData = List.of();
        private Path model;
        private ModelText modelText;
        private DataOptions options = DataOptions.builder().build();
        private HubDatasetFetcher hub;
        private ExampleSource source;
        private Path workDir;
        private LongConsumer progress;

        /** Training data: files, directories, globs or {@code hf://datasets/...} addresses. */
        public Builder data(List<String> specs) { data = specs; return this; }
        public Builder data(String... specs) { data = List.of(specs); return this; }
        /** Separate validation data (instead of {@code valSplit}). */
        public Builder valData(List<String> specs) { valData = specs; return this; }
        /** The model directory whose chat template and tokenizer are used. */
        public Builder model(Path dir) { model = dir; return this; }
        /** An already loaded model template and tokenizer (not closed by the result). */
        public Builder model(ModelText text) { modelText = text; return this; }
        public Builder options(DataOptions o) { options = o; return this; }
        public Builder hub(HubDatasetFetcher h) { hub = h; return this; }
        /**
         * Where the processed rows come from (default: {@link ExampleSource#local} with {@link #hub}); the Spark job
         * passes one that tokenizes on executors.
         */
        public Builder examples(ExampleSource s) { source = s; return this; }
        /** Where temporary token files go (default: java.io.tmpdir). */
        public Builder workDir(Path dir) { workDir = dir; return this; }
        /** Called with the number of rows processed so far. */
        public Builder progress(LongConsumer p) { progress = p; return this; }

        public PreparedData build() throws IOException {
            return new DataPreparer(this).prepare();
        }
    }
}
