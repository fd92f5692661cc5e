/**
 * PEFT adapter files, read and written: {@code adapter_config.json} and {@code adapter_model.safetensors} with
 * PEFT's key names, so adapters load in Hugging Face PEFT and back.
 */
package dev.smelt.trainer.peft;
