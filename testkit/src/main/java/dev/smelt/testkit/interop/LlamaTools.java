package dev.smelt.testkit.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds llama.cpp's command-line tools built by {@code interop/build-llama-tools.sh}: the directory in
 * {@code -Dsmelt.llama.tools} or {@code $SMELT_LLAMA_TOOLS} (what .ci/run exports), else the newest build in
 * its cache ({@code ${SMELT_TOOLS_CACHE:-~/.cache/smelt}/llama.cpp/*}/bin).
 */
public final class LlamaTools {
    private LlamaTools() {}

    public static Optional<Path> binary(String name) {
        String dir = System.getProperty("smelt.llama.tools", System.getenv("SMELT_LLAMA_TOOLS"));
        if (dir != null && !dir.isBlank()) {
            Path p = Path.of(dir).resolve(name);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String cacheRoot = System.getenv("SMELT_TOOLS_CACHE");
        Path cache = (cacheRoot != null ? Path.of(cacheRoot) : Path.of(System.getProperty("user.home"), ".cache", "smelt"))
                .resolve("llama.cpp");
        if (!Files.isDirectory(cache)) return Optional.empty();
        try (Stream<Path> builds = Files.list(cache)) {
            return builds.map(b -> b.resolve("bin").resolve(name)).filter(Files::isExecutable)
                    .max(Comparator.comparing(p -> p.toFile().lastModified()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether a missing tool is a failure: when the interop tier is required and the tools were meant to be
     * there (a tools directory was given, as .ci/run does once interop/build-llama-tools.sh exists).
     */
    public static boolean required() {
        String dir = System.getProperty("smelt.llama.tools", System.getenv("SMELT_LLAMA_TOOLS"));
        return Boolean.getBoolean(InteropTool.REQUIRED_PROPERTY) && dir != null && !dir.isBlank();
    }

    public static String missing(String name) {
        return name + " not found: run interop/build-llama-tools.sh and pass its output directory as "
                + "-Dsmelt.llama.tools or SMELT_LLAMA_TOOLS";
    }
}
