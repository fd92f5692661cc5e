/**
 * Prepared rows as a DJL dataset: {@link SftDataset} records of input ids, position ids, segment ids and labels,
 * right-padded per batch by {@code PaddingBatchifier}.
 */
package dev.smelt.datasets.djl;
