/**
 * LoRA fine-tuning: the LoRA layer ({@code lora}), the SFT loop ({@code sft}), optimization ({@code optim}), PEFT
 * adapter files ({@code peft}), merging ({@code merge}) and the training benchmark ({@code bench}). It consumes
 * tokenized rows from datasets and models from models; it does not parse data or implement architectures.
 */
package dev.smelt.trainer;
