/**
 * The human-facing files of a bundle, rendered from {@link BundleFacts}: {@link ModelCardWriter} (README.md with
 * Hugging Face YAML front matter and the intended use, training, evaluation, edge-tier, how-to-run and limitations
 * sections) and {@link NoticeWriter} (NOTICE: base model, its licence and revision, data sets and their licences,
 * Smelt's version). {@link EdgeTier} sizes a GGUF file for a device class.
 */
package dev.smelt.bundle.card;
