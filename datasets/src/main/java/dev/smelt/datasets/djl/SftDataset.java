package dev.smelt.datasets.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;
import dev.smelt.core.SmeltException;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.prepare.SequenceSet;
import dev.smelt.datasets.tokenize.TokenizedExample;

/**
 * Training rows as a DJL {@link RandomAccessDataset}. Each record's data is {@code [input_ids,
 * position_ids, segment_ids]} and its label is {@code [labels]}, all int64 of the row's length;
 * batches are right-padded to the longest row by {@link PaddingBatchifier} (pad token, 0, 0, -100).
 * See the module README for the attention mask these arrays imply.
 */
public final class SftDataset extends RandomAccessDataset {
    public static final String INPUT_IDS = "input_ids";
    public static final String POSITION_IDS = "position_ids";
    public static final String SEGMENT_IDS = "segment_ids";
    public static final String LABELS = "labels";

    private final SequenceSet rows;

    private SftDataset(Builder builder) {
        super(builder);
        this.rows = builder.rows;
    }

    /**
     * @param padTokenId the id padding positions get in {@code input_ids} (never trained: labels are -100 there)
     */
    public static Builder builder(SequenceSet rows, int padTokenId) {
        return new Builder(rows, padTokenId);
    }

    @Override
    public Record get(NDManager manager, long index) {
        TrainingSequence s = rows.get(Math.toIntExact(index));
        if (!s.images().isEmpty()) {
            // NDArray records have no place for image references: image rows go through SequenceSet (smelt train does)
            throw new SmeltException("row " + index + " has images, which the DJL dataset view cannot carry; read the rows"
                    + " through PreparedData.train() (TrainingSequence.images())");
        }
        NDList data = new NDList(
                array(manager, s.inputIds(), INPUT_IDS),
                array(manager, s.positionIds(), POSITION_IDS),
                array(manager, s.segmentIds(), SEGMENT_IDS));
        return new Record(data, new NDList(array(manager, s.labels(), LABELS)));
    }

    private static NDArray array(NDManager manager, int[] values, String name) {
        long[] wide = new long[values.length];
        for (int i = 0; i < values.length; i++) wide[i] = values[i];
        NDArray a = manager.create(wide);
        a.setName(name);
        return a;
    }

    @Override
    protected long availableSize() {
        return rows.size();
    }

    @Override
    public void prepare(Progress progress) {
        // rows are prepared by DataPreparer before the dataset exists
    }

    public static final class Builder extends BaseBuilder<Builder> {
        private final SequenceSet rows;

        private Builder(SequenceSet rows, int padTokenId) {
            this.rows = rows;
            optDataBatchifier(new PaddingBatchifier(padTokenId, 0, 0));
            optLabelBatchifier(new PaddingBatchifier(TokenizedExample.IGNORE));
        }

        @Override
        protected Builder self() {
            return this;
        }

        public SftDataset build() {
            return new SftDataset(this);
        }
    }
}
