/**
 * Comparing two versions of a model on the same tokens: {@link LogitComparison} accumulates each one's perplexity,
 * the KL divergence of the second's next-token distribution from the first's and how often their top choices agree
 * (what {@code smelt quant-report} gates a quantized model on).
 */
package dev.smelt.models.eval;
