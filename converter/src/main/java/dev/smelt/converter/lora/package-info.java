/**
 * PEFT LoRA adapters on their way into GGUF, without DJL: reading {@code adapter_config.json} and
 * {@code adapter_model.safetensors} ({@link dev.smelt.converter.lora.PeftAdapter}), finding the base tensor each
 * module adapts ({@link dev.smelt.converter.lora.LoraTarget}), merging {@code W + scaling·B·A} row by row while a
 * model converts ({@link dev.smelt.converter.lora.LoraMerge}), and writing llama.cpp's LoRA adapter GGUF
 * ({@link dev.smelt.converter.lora.LoraGgufExport}).
 */
package dev.smelt.converter.lora;
