/**
 * Task data to training rows: {@link DataPreparer} streams the sources through rendering and tokenization into a
 * temporary token file and returns {@link PreparedData} (shuffled, split and optionally packed rows, with a report
 * of what was dropped and why). {@link TextChunks} cuts text into fixed-size evaluation chunks as llama.cpp's imatrix
 * and perplexity tools do.
 */
package dev.smelt.datasets.prepare;
