package dev.smelt.datasets.prepare;

/**
 * The result of {@link TrainingData#build}: training and validation rows ready for the trainer,
 * and what happened to the data. Holds temporary token files; close it when training is done.
 *
 * @param validationReport the report of {@code --val-data}, or null when validation was split off
 *     the training data (its rows are then counted in {@code trainReport})
 */
public record PreparedData(SequenceSet train, SequenceSet validation, PreparationReport trainReport,
                           PreparationReport validationReport, DataOptions options, Resources resources)
        implements AutoCloseable {
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
