package dev.smelt.datasets.inspect;

import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.ExamplePipeline;
import dev.smelt.datasets.prepare.LengthStage;
import dev.smelt.datasets.prepare.ModelText;
import dev.smelt.datasets.prepare.ProcessedRow;
import dev.smelt.datasets.prepare.ReportCollector;
import dev.smelt.datasets.render.CharSpan;
import dev.smelt.datasets.source.DataFile;
import dev.smelt.datasets.source.HubDatasetFetcher;
import dev.smelt.datasets.source.RowStream;
import dev.smelt.datasets.source.SourceResolver;
import dev.smelt.datasets.tokenize.TokenizedExample;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/** Streams a dataset through rendering and tokenization without keeping it, to report on it. */
public final class DataInspector {
    private DataInspector() {}

    /**
     * @param sampleIndex which valid example to show (0 = the first)
     * @param progress called with the number of rows processed so far; may be null
     */
    public static DataInspection inspect(List<String> data, Path modelDir, DataOptions options, HubDatasetFetcher hub,
                                         int sampleIndex, LongConsumer progress) throws IOException {
        List<DataFile> files = new SourceResolver(hub).resolve(data);
        try (ModelText model = ModelText.load(modelDir)) {
            return inspect(files, model, options, sampleIndex, progress);
        }
    }

    /**
     * The character ranges of the tokens that are actually trained (a token that straddles a span
     * boundary is trained or not as a whole), so the display shows exactly what carries loss.
     */
    static List<CharSpan> trainedTokenSpans(ModelText model, ProcessedRow.Example ex) {
        String text = ex.rendered().text();
        int[] starts = model.tokenizer().encode(text, ex.rendered().addSpecialTokens()).codePointStarts();
        int[] labels = textLabels(model, ex.tokens());
        int codePoints = text.codePointCount(0, text.length());
        List<CharSpan> spans = new ArrayList<>();
        int t = 0;
        while (t < labels.length) {
            if (labels[t] == TokenizedExample.IGNORE || starts[t] < 0) {
                t++;
                continue;
            }
            int from = starts[t];
            while (t < labels.length && labels[t] != TokenizedExample.IGNORE) t++;
            int to = t < labels.length && starts[t] >= 0 ? starts[t] : codePoints;
            if (to > from) spans.add(new CharSpan(text.offsetByCodePoints(0, from), text.offsetByCodePoints(0, to)));
        }
        return spans;
    }

    /** Labels per token of the rendered text: each image's expanded run of placeholders counted as its one token. */
    private static int[] textLabels(ModelText model, TokenizedExample ex) {
        if (ex.images().isEmpty()) return ex.labels();
        int pad = model.images().imageTokenId();
        int[] ids = ex.inputIds();
        int[] out = new int[ids.length - ex.imageTokens() + ex.images().size()];
        int o = 0;
        int k = 0;
        int t = 0;
        while (t < ids.length) {
            if (ids[t] == pad) {
                t += ex.images().get(k++).tokens();
                out[o++] = TokenizedExample.IGNORE;
            } else {
                out[o++] = ex.labels()[t++];
            }
        }
        return out;
    }

    public static DataInspection inspect(List<DataFile> files, ModelText model, DataOptions options, int sampleIndex,
                                         LongConsumer progress) throws IOException {
        ExamplePipeline pipeline = new ExamplePipeline(options, model);
        ReportCollector report = new ReportCollector(options.seqLen());
        LengthStage lengths = new LengthStage(options, report, kept -> {});
        DataInspection.Sample[] sample = new DataInspection.Sample[1];
        long[] counts = new long[2]; // rows seen, valid examples seen
        try (RowStream rows = new RowStream(files, options.textSampling())) {
            pipeline.run(rows, p -> {
                if (p instanceof ProcessedRow.Example ex) {
                    lengths.accept(ex, pipeline.format());
                    if (counts[1]++ == sampleIndex) {
                        sample[0] = new DataInspection.Sample(sampleIndex, ex.location(), ex.rendered().text(),
                                trainedTokenSpans(model, ex), ex.tokens().length(), ex.tokens().trainedTokens());
                    }
                } else {
                    report.invalid((ProcessedRow.Invalid) p);
                }
                if (progress != null) progress.accept(++counts[0]);
            });
        }
        lengths.finish();
        List<String> names = new ArrayList<>();
        for (DataFile f : files) names.add(f.displayName());
        return new DataInspection(report.report(names, pipeline.format()), sample[0]);
    }
}
