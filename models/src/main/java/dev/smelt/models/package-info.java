/**
 * Decoder-only language models as DJL blocks on the PyTorch engine. {@link ModelLoader} loads a model directory as
 * a {@link CausalLM}; {@link Precision}, {@link Devices} and {@link TorchThreads} are the engine settings every
 * command that runs a model shares. This module runs models; it does not train them.
 */
package dev.smelt.models;
