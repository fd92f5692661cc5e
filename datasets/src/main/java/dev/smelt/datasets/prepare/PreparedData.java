package dev.smelt.datasets.prepare;

import dev.smelt.core.chat.ChatTemplateKwargs;
import dev.smelt.datasets.djl.SftDataset;

/**
 * The result of {@link DataPreparer#build}: training and validation rows ready for the trainer,
 * and what happened to the data. Holds temporary token files; close it when training is done.
 *
 * @param padTokenId the id to pad batches with: the tokenizer's pad token, else its end-of-sequence token, else 0
 * @param validationReport the report of {@code --val-data}, or null when validation was split off
 *     the training data (its rows are then counted in {@code trainReport})
 * @param chatTemplateKwargs the template variables the rows were rendered with, decided from the data ({@link
 *     dev.smelt.datasets.render.TrainedRendering}): the model must be prompted with them too
 */
public record PreparedData(SequenceSet train, SequenceSet validation, PreparationReport trainReport,
                           PreparationReport validationReport, DataOptions options, int padTokenId,
                           ChatTemplateKwargs chatTemplateKwargs, Resources resources)
        implements AutoCloseable {
    /** Training rows as a DJL dataset in their seeded order (sequential sampling), {@code batchSize} rows a batch. */
    public SftDataset trainDataset(int batchSize) {
        return SftDataset.builder(train, padTokenId).setSampling(batchSize, false).build();
    }

    public SftDataset validationDataset(int batchSize) {
        return SftDataset.builder(validation, padTokenId).setSampling(batchSize, false).build();
    }

    /** Temporary files behind the rows; closing deletes them. */
    @FunctionalInterface
    public interface Resources extends AutoCloseable {
        @Override
        void close();
    }

    @Override
    public void close() {
        resources.close();
    }
}
