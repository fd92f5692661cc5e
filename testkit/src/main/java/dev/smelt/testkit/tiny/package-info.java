/**
 * The one tiny-model fixture tests share, on top of {@code core.tiny}: configs, weights with the caller's
 * initialisation, byte-level tokenizers and create-tiny models.
 */
package dev.smelt.testkit.tiny;
