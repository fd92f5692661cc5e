/**
 * {@link AdapterMerger}: folds {@code W + scaling·B·A} into the base weights, streaming tensor by tensor, into a
 * sharded Hugging Face directory.
 */
package dev.smelt.trainer.merge;
