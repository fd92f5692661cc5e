package dev.smelt.bundle.manifest;

/** One file of a bundle: its path inside the bundle, byte size and SHA-256 (lower-case hex). */
public record FileRecord(String path, long size, String sha256) {}
