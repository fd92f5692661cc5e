package dev.smelt.datasets.prepare;

import dev.smelt.core.SmeltException;
import dev.smelt.datasets.format.FieldMap;
import dev.smelt.datasets.format.FormatName;
import dev.smelt.datasets.length.Truncation;
import dev.smelt.datasets.render.TrainOn;
import dev.smelt.datasets.source.TextSampling;
import java.io.Serializable;

/**
 * Everything that decides how task data becomes training sequences.
 *
 * @param format the data format, or null to detect it from the first row
 * @param trainOnEmptyThinkBlock train the empty {@code <think></think>} block thinking-model templates
 *     render for answers without reasoning (default false: masked, so fine-tuning on such data does
 *     not teach the model to skip thinking when asked to think)
 * @param truncation what happens to examples longer than {@code seqLen}, or null for the format's default
 *     ({@link #truncationFor}: chunking for raw text, dropping for chat rows)
 * @param threads worker threads for rendering and tokenization (output order does not depend on it)
 */
public record DataOptions(
        FormatName format,
        FieldMap fields,
        TrainOn trainOn,
        boolean trainOnEmptyThinkBlock,
        int seqLen,
        Truncation truncation,
        boolean packing,
        boolean skipInvalid,
        double valSplit,
        long seed,
        TextSampling textSampling,
        int threads) implements Serializable {

    public static final int DEFAULT_SEQ_LEN = 2048;

    public DataOptions {
        if (fields == null) fields = FieldMap.DEFAULT;
        if (trainOn == null) trainOn = TrainOn.ASSISTANT;
        if (textSampling == null) textSampling = TextSampling.LINE;
        if (seqLen < 2) throw new SmeltException("--seq-len must be at least 2, got " + seqLen);
        if (!(valSplit >= 0 && valSplit < 1)) throw new SmeltException("--val-split must be in [0, 1), got " + valSplit);
        if (threads < 1) throw new SmeltException("--data-threads must be at least 1, got " + threads);
    }

    /**
     * The length handling for data of {@code format}: the one set, else {@link Truncation#CHUNK} for raw text
     * (documents joined and cut into windows, as continued pre-training expects) and {@link Truncation#DROP} for
     * chat rows, whose turns must stay whole.
     */
    public Truncation truncationFor(FormatName format) {
        if (truncation == null) return format == FormatName.TEXT ? Truncation.CHUNK : Truncation.DROP;
        if (truncation == Truncation.CHUNK && format != FormatName.TEXT) {
            throw new SmeltException("--truncation chunk joins raw text documents and applies to --format text only, not "
                    + format.cliName() + " data; use drop or right");
        }
        return truncation;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.format = format;
        b.fields = fields;
        b.trainOn = trainOn;
        b.trainOnEmptyThinkBlock = trainOnEmptyThinkBlock;
        b.seqLen = seqLen;
        b.truncation = truncation;
        b.packing = packing;
        b.skipInvalid = skipInvalid;
        b.valSplit = valSplit;
        b.seed = seed;
        b.textSampling = textSampling;
        b.threads = threads;
        return b;
    }

    public static final class Builder {
        private FormatName format;
        private FieldMap fields = FieldMap.DEFAULT;
        private TrainOn trainOn = TrainOn.ASSISTANT;
        private boolean trainOnEmptyThinkBlock;
        private int seqLen = DEFAULT_SEQ_LEN;
        private Truncation truncation;
        private boolean packing;
        private boolean skipInvalid;
        private double valSplit;
        private long seed = 42;
        private TextSampling textSampling = TextSampling.LINE;
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());

        public Builder format(FormatName v) { format = v; return this; }
        public Builder fields(FieldMap v) { fields = v; return this; }
        public Builder trainOn(TrainOn v) { trainOn = v; return this; }
        public Builder trainOnEmptyThinkBlock(boolean v) { trainOnEmptyThinkBlock = v; return this; }
        public Builder seqLen(int v) { seqLen = v; return this; }
        /** Null (the default) picks by format: {@link #truncationFor}. */
        public Builder truncation(Truncation v) { truncation = v; return this; }
        public Builder packing(boolean v) { packing = v; return this; }
        public Builder skipInvalid(boolean v) { skipInvalid = v; return this; }
        public Builder valSplit(double v) { valSplit = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder textSampling(TextSampling v) { textSampling = v; return this; }
        public Builder threads(int v) { threads = v; return this; }

        public DataOptions build() {
            return new DataOptions(format, fields, trainOn, trainOnEmptyThinkBlock, seqLen, truncation, packing,
                    skipInvalid, valSplit, seed, textSampling, threads);
        }
    }
}
