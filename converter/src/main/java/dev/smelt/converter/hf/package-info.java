/**
 * Hugging Face safetensors directory to llama.cpp-compatible GGUF ({@code smelt convert gguf}): the tensor name
 * mapping, row transforms that stream row by row, hyperparameter and tokenizer metadata, and the model card.
 */
package dev.smelt.converter.hf;
