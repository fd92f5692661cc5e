/**
 * The LoRA layer: {@link LoraBlock} ({@code scaling · B·A·dropout(x)}), attached to a model's {@code nn.Linear}
 * modules chosen by {@link LoraSettings} targets ({@code all-linear} or module names).
 */
package dev.smelt.trainer.lora;
