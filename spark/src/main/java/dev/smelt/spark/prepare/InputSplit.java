package dev.smelt.spark.prepare;

import dev.smelt.datasets.source.FileKind;
import java.io.Serializable;

/**
 * One Spark partition's input: a whole data file, or a byte range of an uncompressed JSON Lines file (the lines that
 * start in {@code [start, start + length)}, as Hadoop's line reader splits). Splits are made on the driver in source
 * order, one partition each, so the order of the results is the order of the rows, whatever runs where.
 *
 * @param index position in source order (= the partition index)
 * @param file position of the data file in source order
 * @param displayName how errors name the file (as the user wrote it, or its hf:// address)
 * @param path a local path (same on every executor: local mode, a shared mount) or, when {@code hadoop}, a Hadoop
 *     file system URI ({@code s3a://}, {@code gs://}, {@code hdfs://}, {@code file:})
 * @param shipped the file's name among Spark's added files ({@code SparkContext.addFile}) when the driver shipped it
 *     to the executors (an hf:// file in the driver's Hub cache, on a cluster), else null
 * @param whole the whole file, read by the datasets module's reader for its kind
 * @param last the file's last split
 * @param linesBefore lines of the file before this split (set once they are counted)
 */
record InputSplit(int index, int file, String displayName, String path, boolean hadoop, String shipped, FileKind kind,
                  long start, long length, boolean whole, boolean last, long linesBefore) implements Serializable {
    InputSplit withLinesBefore(long lines) {
        return new InputSplit(index, file, displayName, path, hadoop, shipped, kind, start, length, whole, last, lines);
    }
}
