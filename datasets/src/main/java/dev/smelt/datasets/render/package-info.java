/**
 * Rendering a sample with the model's own chat template, and the spans of the rendered text that are trained
 * ({@code --train-on}, the empty think block of thinking templates).
 */
package dev.smelt.datasets.render;
