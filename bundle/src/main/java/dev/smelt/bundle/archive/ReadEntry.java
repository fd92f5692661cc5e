package dev.smelt.bundle.archive;

/** An entry as an archive declares it; {@code linkTarget} is set for links only. */
public record ReadEntry(String name, Kind kind, long size, String linkTarget) {
    public enum Kind { FILE, DIRECTORY, SYMLINK, HARDLINK, OTHER }
}
