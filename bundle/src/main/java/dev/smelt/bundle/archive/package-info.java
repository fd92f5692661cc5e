/**
 * Reproducible archives in the three bundle formats ({@link ArchiveFormat}: {@code .tar.gz}, {@code .tar.zst},
 * {@code .zip}): {@link ArchiveWriter} streams entries in the order given with a fixed mtime, uid/gid 0 and
 * fixed modes, so the same entries always give the same bytes; {@link ArchiveReader} walks any of them entry by
 * entry, reporting links and other non-file entries as what they are.
 */
package dev.smelt.bundle.archive;
