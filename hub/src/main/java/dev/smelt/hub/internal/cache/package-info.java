/**
 * The huggingface_hub cache layout of one repository (blobs, refs, snapshots, {@code .no_exist}, {@code .locks})
 * and the fcntl + in-process locks held while a blob downloads.
 */
package dev.smelt.hub.internal.cache;
