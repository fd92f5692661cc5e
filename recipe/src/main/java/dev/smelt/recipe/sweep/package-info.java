/**
 * Sweeps and fleets of one recipe: a grid of {@code --set} values ({@code --grid KEY=V1,V2}, or the recipe's
 * {@code sweep:} section) or a customers file, expanded into trials in a fixed order (trial i is index i, the first
 * grid key varies slowest), each a list of overrides and a short name; {@code smelt recipe run --trial I} runs one.
 */
package dev.smelt.recipe.sweep;
