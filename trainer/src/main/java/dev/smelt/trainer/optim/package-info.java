/**
 * Optimization: AdamW with decoupled weight decay, global-norm gradient clipping, the learning-rate schedules
 * (warm-up, then cosine, linear or constant) and the dynamic loss scaler for fp16.
 */
package dev.smelt.trainer.optim;
