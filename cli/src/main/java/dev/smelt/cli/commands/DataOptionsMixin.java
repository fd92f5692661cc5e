package dev.smelt.cli.commands;

import dev.smelt.datasets.format.FieldMap;
import dev.smelt.datasets.format.FormatName;
import dev.smelt.datasets.length.Truncation;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.render.TrainOn;
import dev.smelt.datasets.source.TextSampling;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** How task data is read, rendered and cut to length; shared by the commands that read training data. */
public final class DataOptionsMixin {
    @Option(names = "--data", paramLabel = "SRC", required = true,
            description = "Data: a file (.jsonl .json .csv .tsv .parquet .txt, optionally .gz), a directory, a glob,"
                    + " or hf://datasets/ORG/NAME[@REV]/PATH/GLOB. Repeatable. smelt train also takes a directory written by"
                    + " smelt data prepare (then alone).")
    List<String> data = new ArrayList<>();

    @Option(names = "--format", paramLabel = "F",
            description = "messages, sharegpt, alpaca, prompt-completion or text (default: detected from the first row).")
    String format;

    @Option(names = "--field", paramLabel = "FIELD=COLUMN",
            description = "Read a field from a differently named column, e.g. messages=dialog, role=speaker. Repeatable.")
    List<String> fields = new ArrayList<>();

    @Option(names = "--seq-len", paramLabel = "N", defaultValue = "2048", description = "Sequence length in tokens (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--truncation", paramLabel = "chunk|drop|right",
            description = "Length handling: chunk joins text documents with EOS and cuts them into --seq-len windows;"
                    + " drop leaves longer examples out; right cuts them on the right (default: chunk for text, drop otherwise).")
    Truncation truncation;

    @Option(names = "--train-on", paramLabel = "all|assistant|last-assistant", defaultValue = "assistant",
            description = "Which tokens carry loss (default: ${DEFAULT-VALUE}).")
    String trainOn;

    @Option(names = "--train-on-think-block",
            description = "Also train the empty <think></think> block thinking templates (Qwen3, Qwen3.5) render for answers"
                    + " without reasoning, so the model also emits it when prompted in thinking mode. Default: masked; data without"
                    + " reasoning is recorded as enable_thinking=false, whose prompts hold the block.")
    boolean trainOnThinkBlock;

    @Option(names = "--skip-invalid", description = "Count and report bad rows instead of stopping at the first.")
    boolean skipInvalid;

    @Option(names = "--text-sample-by", paramLabel = "line|paragraph|document", defaultValue = "line",
            description = "How .txt files are cut into examples (default: ${DEFAULT-VALUE}).")
    TextSampling textSampling;

    @Option(names = "--data-threads", paramLabel = "N", description = "Data rendering and tokenization threads (default: all processors).")
    Integer dataThreads;

    public List<String> data() {
        return data;
    }

    /** The options, with the split/packing settings left at their defaults. */
    public DataOptions.Builder toBuilder() {
        DataOptions.Builder b = DataOptions.builder()
                .format(format == null ? null : FormatName.parse(format))
                .fields(FieldMap.parse(fields))
                .seqLen(seqLen)
                .truncation(truncation)
                .trainOn(TrainOn.parse(trainOn))
                .trainOnEmptyThinkBlock(trainOnThinkBlock)
                .skipInvalid(skipInvalid)
                .textSampling(textSampling);
        if (dataThreads != null) b.threads(dataThreads);
        return b;
    }
}
