/**
 * Tokenization with loss masks: {@link DatasetTokenizer} (the model's tokenizer with code-point offsets and its
 * pad/end-of-sequence tokens) and {@link ExampleTokenizer}, which marks the tokens whose first character lies in a
 * trained span.
 */
package dev.smelt.datasets.tokenize;
