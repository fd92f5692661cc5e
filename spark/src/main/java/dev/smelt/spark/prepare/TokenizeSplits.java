package dev.smelt.spark.prepare;

import dev.smelt.datasets.format.DataFormat;
import dev.smelt.datasets.format.FormatName;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.ExamplePipeline;
import dev.smelt.datasets.prepare.ModelText;
import dev.smelt.datasets.prepare.ProcessedRow;
import dev.smelt.datasets.source.RawRow;
import dev.smelt.datasets.source.RowReader;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.FlatMapFunction;

/**
 * The executors' work, one split per partition: its rows through the datasets module's {@link ExamplePipeline#process}
 * (format, chat template, tokenizer, loss mask), the same call {@code smelt data prepare} makes per row, with the
 * format the driver settled. Without {@code --skip-invalid} a split stops at its first invalid row (the driver fails
 * on the first one in source order).
 */
final class TokenizeSplits implements FlatMapFunction<Iterator<InputSplit>, RowBatch> {
    private static final long serialVersionUID = 1L;

    private final DataOptions options;
    private final FormatName format;
    private final ModelFiles model;
    private final Map<String, String> hadoopConf;

    TokenizeSplits(DataOptions options, FormatName format, ModelFiles model, Map<String, String> hadoopConf) {
        this.options = options;
        this.format = format;
        this.model = model;
        this.hadoopConf = hadoopConf;
    }

    @Override
    public Iterator<RowBatch> call(Iterator<InputSplit> splits) {
        ModelText text = model.load();
        ExamplePipeline pipeline = new ExamplePipeline(options, text);
        DataFormat f = format == null ? null : DataFormat.of(format, options.fields());
        // lazy: Spark stores (or sends) each batch before the next is made, so a split's results are never all in memory
        return new Iterator<>() {
            private InputSplit split;
            private RowReader rows;
            private RowBatch.Builder batch;

            @Override
            public boolean hasNext() {
                return rows != null || splits.hasNext();
            }

            @Override
            public RowBatch next() {
                try {
                    if (rows == null) {
                        if (!splits.hasNext()) throw new NoSuchElementException();
                        split = splits.next();
                        batch = new RowBatch.Builder(split.index());
                        rows = SplitInput.open(split, options.textSampling(), hadoopConf, true);
                    }
                    RawRow row;
                    while ((row = rows.next()) != null) {
                        if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("task interrupted");
                        ProcessedRow p = pipeline.process(row, f);
                        batch.add(p);
                        if (p instanceof ProcessedRow.Invalid && !options.skipInvalid()) break;
                        if (batch.full()) return batch.take(false);
                    }
                    rows.close();
                    rows = null;
                    return batch.take(true);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }
}
