package dev.smelt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every main package of every module says what it holds in a package-info.java, so IDEs show the module docs. */
class PackageDocsTest {
    @Test
    void everyMainPackageHasPackageInfo() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.isRegularFile(root.resolve("CONTRIBUTING.md"))) root = root.getParent();
        List<String> missing = new ArrayList<>();
        int packages = 0;
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.filter(m -> Files.isDirectory(m.resolve("src/main/java"))).toList()) {
                try (Stream<Path> dirs = Files.walk(module.resolve("src/main/java"))) {
                    for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                        boolean hasClasses;
                        try (Stream<Path> files = Files.list(dir)) {
                            hasClasses = files.anyMatch(f -> f.toString().endsWith(".java") && !f.endsWith("package-info.java"));
                        }
                        if (!hasClasses) continue;
                        packages++;
                        Path info = dir.resolve("package-info.java");
                        if (!Files.isRegularFile(info) || !Files.readString(info).contains("/**")) missing.add(root.relativize(dir).toString());
                    }
                }
            }
        }
        assertThat(packages).isGreaterThan(30);
        assertThat(missing).as("packages without a documented package-info.java").isEmpty();
    }
}
