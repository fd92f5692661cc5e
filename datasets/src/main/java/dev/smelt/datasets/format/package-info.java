/**
 * Task data formats and their detection: messages, sharegpt, alpaca, prompt-completion and text, each turning a
 * raw row into a conversation or text {@link Sample}; {@code FieldMap} renames columns ({@code --field}).
 */
package dev.smelt.datasets.format;
