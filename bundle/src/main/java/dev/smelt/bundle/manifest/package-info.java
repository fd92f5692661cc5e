/**
 * What a bundle says about itself: {@link Manifest} ({@code MANIFEST.json}: name, version, licence, Smelt version,
 * mtime and every other file with its size and SHA-256) and {@link Checksums} ({@code SHA256SUMS}, the
 * {@code sha256sum -c} format), plus {@link DigestingOutputStream}, which hashes an entry while it is written.
 */
package dev.smelt.bundle.manifest;
