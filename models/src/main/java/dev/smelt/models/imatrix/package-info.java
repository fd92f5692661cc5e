/**
 * Importance-matrix statistics from Smelt's own forward pass: {@link SquaredActivations} sums the squares of every
 * projection's inputs per input column over the tokens run through a model, as llama.cpp's llama-imatrix does.
 * Writing them as an imatrix file is the quantizer's job.
 */
package dev.smelt.models.imatrix;
