/**
 * {@code smelt bench train}: LoRA training throughput and achieved FLOP/s as a ratio to libtorch's matmul FLOP/s
 * on the same device and precision, measured in a child JVM in the same run, with peak RSS.
 */
package dev.smelt.trainer.bench;
