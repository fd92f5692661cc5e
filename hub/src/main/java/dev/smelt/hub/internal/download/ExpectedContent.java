package dev.smelt.hub.internal.download;

/**
 * What a downloaded body must be: its size (-1 if unknown), and if known its sha256 (LFS files) and/or its
 * git blob sha1 (regular files, as listed by the API).
 */
public record ExpectedContent(long size, String sha256, String gitSha1) {}
