package dev.smelt.bundle.license;

import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds the licence of a model or data set directory: the {@code license:} of its README.md front matter (as the Hub
 * records it; {@code other} defers to {@code license_name}), else the text of its LICENSE file recognised as
 * Apache-2.0, MIT or BSD-2/3-Clause.
 */
public final class LicenseDetector {
    static final List<String> LICENSE_FILES = List.of("LICENSE", "LICENSE.txt", "LICENSE.md", "LICENCE", "COPYING");

    private LicenseDetector() {}

    /** The licence found, with where it was found, or empty when the directory states none. */
    public static Optional<Found> detect(Path dir) {
        Path readme = dir.resolve("README.md");
        FrontMatter card = FrontMatter.read(readme);
        String id = card.string("license");
        if (id != null) {
            if (id.equalsIgnoreCase("other") && card.string("license_name") != null) id = card.string("license_name");
            return Optional.of(new Found(id.toLowerCase(Locale.ROOT), readme + " front matter"));
        }
        Optional<Path> file = licenseFile(dir);
        if (file.isPresent()) {
            String text;
            try {
                text = Files.readString(file.get());
            } catch (IOException e) {
                throw new SmeltException(file.get() + ": cannot read (" + e.getMessage() + ")");
            }
            return Optional.of(new Found(recognise(text), file.get().toString()));
        }
        return Optional.empty();
    }

    public static Optional<Path> licenseFile(Path dir) {
        return LICENSE_FILES.stream().map(dir::resolve).filter(Files::isRegularFile).findFirst();
    }

    /** An SPDX-style id for a licence text, or {@code unrecognised} when it is none of the ones Smelt knows. */
    static String recognise(String text) {
        String t = text.replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
        if (t.contains("apache license") && t.contains("version 2.0")) return "apache-2.0";
        if (t.contains("permission is hereby granted, free of charge")) return "mit";
        if (t.contains("redistribution and use in source and binary forms")) {
            return t.contains("neither the name") ? "bsd-3-clause" : "bsd-2-clause";
        }
        return "unrecognised";
    }

    /** A licence id and the file it came from. */
    public record Found(String id, String source) {}
}
