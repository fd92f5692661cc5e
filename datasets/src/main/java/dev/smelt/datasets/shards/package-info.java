/**
 * Prepared data sets: task data rendered, tokenized, masked and packed once ({@code smelt data prepare}) into Parquet
 * shards written by Smelt's own writer ({@link dev.smelt.datasets.shards.ParquetShardWriter}) and a manifest
 * ({@link dev.smelt.datasets.shards.PreparedManifest}: model identity, settings, reports, shard hashes); {@link
 * dev.smelt.datasets.shards.PreparedShards} opens them for training and refuses another tokenizer or chat template.
 */
package dev.smelt.datasets.shards;
