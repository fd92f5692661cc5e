/**
 * The one tiny-model fixture tests share, on top of {@code core.tiny}: weights written with the caller's
 * initialisation ({@link dev.smelt.testkit.tiny.TinyModels}) and hand-made byte-level tokenizers with fixed ids
 * ({@link dev.smelt.testkit.tiny.ByteLevelTokenizer}); complete create-tiny models come from
 * {@code core.tiny.TinyModelWriter}.
 */
package dev.smelt.testkit.tiny;
