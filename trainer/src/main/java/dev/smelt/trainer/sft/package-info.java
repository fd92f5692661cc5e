/**
 * Supervised fine-tuning: {@link SftTrainer} runs a {@link TrainConfig} over {@link TrainingRows} (data-parallel
 * over GPUs, fp16 with loss scaling), with checkpoints and bit-exact resume, metrics.jsonl and the loss chart.
 */
package dev.smelt.trainer.sft;
