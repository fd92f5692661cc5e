package dev.smelt.datasets.length;

/** What happens to an example longer than {@code --seq-len}. */
public enum Truncation {
    /** Leave it out (counted and reported). */
    DROP,
    /** Keep its first {@code seq-len} tokens; left out if no trained token remains. */
    RIGHT,
    /**
     * Raw text only: join the documents (each already ending in EOS) into one token stream and cut it into windows
     * of {@code seq-len} tokens ({@link Chunker}); nothing is dropped.
     */
    CHUNK
}
