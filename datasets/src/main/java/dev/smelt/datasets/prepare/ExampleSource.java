package dev.smelt.datasets.prepare;

import dev.smelt.datasets.format.FormatName;
import dev.smelt.datasets.source.DataFile;
import dev.smelt.datasets.source.HubDatasetFetcher;
import dev.smelt.datasets.source.RowStream;
import dev.smelt.datasets.source.SourceResolver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where {@link DataPreparer} gets its processed rows from: the data sources read, parsed, rendered and tokenized, every
 * row handed to the sink in source order (files in resolved order, rows in file order). {@link #local} does this in
 * this JVM with an {@link ExamplePipeline}; the {@code spark} module does the per-row work on Spark executors and hands
 * the results back in the same order, so everything after it (length handling, split, shuffle, packing, shards) is
 * the same code and gives the same bytes.
 *
 * <p>Contract: an invalid row reaches the sink only when {@link DataOptions#skipInvalid()}; otherwise the first one (in
 * source order) is thrown as its {@link dev.smelt.datasets.format.InvalidRowException}. A file without rows is an error.
 */
@FunctionalInterface
public interface ExampleSource {
    /** Receives each processed row with the data format in effect when it was processed. */
    @FunctionalInterface
    interface Sink {
        void accept(ProcessedRow row, FormatName format);
    }

    /** What was read: the data files' display names, in order, and the format (null when no row was valid). */
    record Processed(List<String> files, FormatName format) {}

    Processed process(List<String> specs, DataOptions options, ModelText text, Sink sink) throws IOException;

    /** Reads, renders and tokenizes in this JVM ({@code options.threads()} workers); {@code hub} may be null. */
    static ExampleSource local(HubDatasetFetcher hub) {
        return (specs, options, text, sink) -> {
            List<DataFile> files = new SourceResolver(hub).resolve(specs);
            ExamplePipeline pipeline = new ExamplePipeline(options, text);
            try (RowStream rows = new RowStream(files, options.textSampling())) {
                pipeline.run(rows, row -> sink.accept(row, pipeline.format()));
            }
            List<String> names = new ArrayList<>();
            for (DataFile f : files) names.add(f.displayName());
            return new Processed(names, pipeline.format());
        };
    }
}
