package dev.smelt.datasets.length;

/** What happens to an example longer than {@code --seq-len}. */
public enum Truncation {
    /** Leave it out (counted and reported). */
    DROP,
    /** Keep its first {@code seq-len} tokens; left out if no trained token remains. */
    RIGHT
}
