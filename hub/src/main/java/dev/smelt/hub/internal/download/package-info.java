/**
 * Pulls: revision listing, single-file HEAD metadata, resumable verified blob downloads into the cache (or a
 * {@code --local-dir} folder) with a bounded pool of workers.
 */
package dev.smelt.hub.internal.download;
