/**
 * Length handling: examples longer than the sequence length are dropped or cut ({@code LengthPolicy},
 * {@code Truncation}), raw text documents joined and cut into sequence-length windows ({@code Chunker}), short
 * rows packed with restarting positions and segment ids ({@code Packer}); a {@link TrainingSequence} is one row
 * the trainer consumes.
 */
package dev.smelt.datasets.length;
