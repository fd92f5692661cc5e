/**
 * Seeded train/validation splits: examples shuffled with {@code SplittableRandom(seed)}, bit-exact across JVMs,
 * the first share to validation ({@link Split}).
 */
package dev.smelt.datasets.split;
