package dev.smelt.datasets.prepare;

import dev.smelt.datasets.format.FormatName;
import dev.smelt.datasets.length.Chunker;
import dev.smelt.datasets.length.LengthPolicy;
import dev.smelt.datasets.length.Truncation;
import dev.smelt.datasets.tokenize.TokenizedExample;
import java.util.function.Consumer;

/**
 * Applies {@code --seq-len} to examples as they stream past, in file order: one at a time ({@code drop},
 * {@code right}) or across documents ({@code chunk}), reporting each outcome and handing what is kept to the sink.
 * The length handling is settled by the first example, once the data format is known.
 */
public final class LengthStage {
    private final DataOptions options;
    private final ReportCollector report;
    private final Consumer<TokenizedExample> sink;
    private LengthPolicy policy;
    private Chunker chunker;

    public LengthStage(DataOptions options, ReportCollector report, Consumer<TokenizedExample> sink) {
        this.options = options;
        this.report = report;
        this.sink = sink;
    }

    public void accept(ProcessedRow.Example example, FormatName format) {
        if (policy == null && chunker == null) {
            Truncation t = options.truncationFor(format);
            report.truncation(t);
            if (t == Truncation.CHUNK) {
                chunker = new Chunker(options.seqLen(), window -> {
                    report.window(window);
                    sink.accept(window);
                });
            } else {
                policy = new LengthPolicy(options.seqLen(), t);
            }
        }
        if (chunker != null) {
            report.chunked(example);
            chunker.add(example.tokens());
        } else {
            LengthPolicy.Outcome outcome = policy.apply(example.tokens());
            report.example(example, outcome);
            policy.kept(outcome).ifPresent(sink);
        }
    }

    /** Emits the last, shorter window when chunking. */
    public void finish() {
        if (chunker != null) chunker.finish();
    }
}
