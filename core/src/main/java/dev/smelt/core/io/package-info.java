/**
 * File helpers every module uses: {@link AtomicFiles} (temp file, fsync, rename, so nothing is ever half-written)
 * and {@link ByteSizes} (human-readable sizes).
 */
package dev.smelt.core.io;
