/**
 * What a bundle says about itself: {@link Manifest} ({@code MANIFEST.json}: name, version, licence, Smelt version,
 * mtime and every other file with its size and SHA-256) and {@link Checksums} ({@code SHA256SUMS}, the
 * {@code sha256sum -c} format), plus {@link EntryHasher}, which hashes each entry on threads of its own while the
 * archive writes it, and {@link DigestingOutputStream}.
 */
package dev.smelt.bundle.manifest;
