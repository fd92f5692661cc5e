package dev.smelt.datasets.source;

import java.nio.file.Path;

/** A resolved local data file; {@code displayName} is how errors name it (as the user wrote it, or its hf:// address). */
public record DataFile(Path path, String displayName, FileKind kind) {}
