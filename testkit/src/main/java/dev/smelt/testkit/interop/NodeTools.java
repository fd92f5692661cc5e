package dev.smelt.testkit.interop;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds node and the repository's pinned node harnesses ({@code interop/}, {@code hub/interop/}): node through
 * {@code SMELT_NODE} or {@code PATH}; a harness folder through the system property {@code smelt.repo.root} (the build
 * sets it for failsafe tests) or by walking up from the working directory.
 */
public final class NodeTools {
    private NodeTools() {}

    /** The node executable, if any. */
    public static Optional<Path> node() {
        String env = System.getenv("SMELT_NODE");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String d : path.split(File.pathSeparator)) {
            if (d.isEmpty()) continue;
            Path c = Path.of(d, "node");
            if (Files.isExecutable(c) && !Files.isDirectory(c)) return Optional.of(c);
        }
        return Optional.empty();
    }

    /** Why {@link #node()} is empty. */
    public static String nodeMissing() {
        return "node is not on PATH (set SMELT_NODE or install Node.js >= 20)";
    }

    /** The folder {@code relative} (e.g. {@code "hub/interop"}) of the repository, recognised by its package.json. */
    public static Optional<Path> harness(String relative) {
        String root = System.getProperty("smelt.repo.root");
        if (root != null && !root.isBlank()) {
            Path d = Path.of(root).resolve(relative);
            if (Files.isRegularFile(d.resolve("package.json"))) return Optional.of(d);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path d = p.resolve(relative);
            if (Files.isRegularFile(d.resolve("package.json"))) return Optional.of(d);
        }
        return Optional.empty();
    }

    /** Why {@link #harness} is empty. */
    public static String harnessMissing(String relative) {
        return "no " + relative + "/package.json found above " + Path.of("").toAbsolutePath() + " (set -Dsmelt.repo.root)";
    }
}
