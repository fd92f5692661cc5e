/**
 * Supervised fine-tuning: {@link SftTrainer} runs a {@link TrainConfig} over {@link TrainingRows} (data-parallel
 * over GPUs, fp16 with loss scaling), with checkpoints and bit-exact resume; metrics.jsonl, the progress line and
 * the loss chart are {@link TrainingListener}s, as a caller's own listeners are.
 */
package dev.smelt.trainer.sft;
