package dev.smelt.datasets.source;

/** How plain-text files are cut into rows (as in Hugging Face {@code datasets}' text loader). */
public enum TextSampling {
    /** One row per non-empty line. */
    LINE,
    /** One row per block of lines separated by blank lines. */
    PARAGRAPH,
    /** One row per file. */
    DOCUMENT
}
