/**
 * {@code smelt bench generate}: prefill and decode tokens/s of Smelt against llama.cpp on the same model, prompt
 * and threads, in the same run.
 */
package dev.smelt.bench.generate;
