package dev.smelt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Test code stays out of the library jars: no testkit or fake-Hub class is packaged in core, hub, datasets, models,
 * trainer, converter, quantizer, bundle, recipe or fleet, no class there refers to the testkit, and their poms take the testkit at test
 * scope only (the benchmarks that need it at compile scope live in {@code bench}). Reads the jars the reactor built,
 * so it runs in {@code verify} after every library module's {@code package}.
 */
class LibraryJarsIT {
    static final List<String> LIBRARIES = List.of("core", "hub", "datasets", "models", "trainer", "converter", "quantizer", "bundle", "recipe", "fleet");
    private static final byte[] TESTKIT_REFERENCE = "dev/smelt/testkit/".getBytes(StandardCharsets.UTF_8);

    @Test
    void libraryJarsHoldNoTestCode() throws IOException {
        Path root = repoRoot();
        List<String> offences = new ArrayList<>();
        for (String module : LIBRARIES) offences.addAll(offences(jar(root, module)));
        assertThat(offences).as("test code in library jars").isEmpty();
    }

    @Test
    void librariesTakeTheTestkitAtTestScopeOnly() throws Exception {
        Path root = repoRoot();
        List<String> offences = new ArrayList<>();
        for (String module : LIBRARIES) {
            NodeList deps = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(root.resolve(module).resolve("pom.xml").toFile()).getElementsByTagName("dependency");
            for (int i = 0; i < deps.getLength(); i++) {
                Element d = (Element) deps.item(i);
                String artifact = text(d, "artifactId");
                if (artifact.equals("smelt-bench")) offences.add(module + " depends on smelt-bench");
                if (artifact.equals("smelt-testkit") && !text(d, "scope").equals("test")) {
                    offences.add(module + " takes smelt-testkit at scope '" + text(d, "scope") + "'");
                }
            }
        }
        assertThat(offences).isEmpty();
    }

    @Test
    void aJarWithTestkitOrFakeHubClassesIsCaught(@TempDir Path tmp) throws IOException {
        Path jar = tmp.resolve("smelt-hub-0.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("dev/smelt/hub/HubClient.class"));
            out.write("....dev/smelt/testkit/hub/FakeHub....".getBytes(StandardCharsets.UTF_8));
            out.putNextEntry(new JarEntry("dev/smelt/hub/testserver/FakeRepo.class"));
            out.putNextEntry(new JarEntry("dev/smelt/testkit/cli/CliRunner.class"));
            out.putNextEntry(new JarEntry("dev/smelt/hub/RepoId.class"));
            out.write("dev/smelt/hub/RepoType".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(offences(jar)).containsExactly(
                "smelt-hub-0.jar: dev/smelt/hub/HubClient.class refers to the testkit",
                "smelt-hub-0.jar: dev/smelt/hub/testserver/FakeRepo.class is test code",
                "smelt-hub-0.jar: dev/smelt/testkit/cli/CliRunner.class is test code");
    }

    /** What in {@code jar} is test code or refers to it. */
    static List<String> offences(Path jar) throws IOException {
        List<String> out = new ArrayList<>();
        try (JarFile f = new JarFile(jar.toFile())) {
            for (Enumeration<JarEntry> e = f.entries(); e.hasMoreElements(); ) {
                JarEntry entry = e.nextElement();
                String name = entry.getName();
                if (!name.endsWith(".class")) continue;
                String simple = name.substring(name.lastIndexOf('/') + 1);
                if (name.startsWith("dev/smelt/testkit/") || name.contains("/testserver/") || simple.startsWith("Fake")) {
                    out.add(jar.getFileName() + ": " + name + " is test code");
                    continue;
                }
                try (InputStream in = f.getInputStream(entry)) {
                    if (contains(in.readAllBytes(), TESTKIT_REFERENCE)) out.add(jar.getFileName() + ": " + name + " refers to the testkit");
                }
            }
        }
        return out;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }

    private static Path jar(Path root, String module) throws IOException {
        Path target = root.resolve(module).resolve("target");
        List<Path> jars;
        try (Stream<Path> s = Files.exists(target) ? Files.list(target) : Stream.empty()) {
            jars = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("smelt-" + module + "-") && n.endsWith(".jar") && !n.endsWith("-sources.jar")
                        && !n.endsWith("-tests.jar");
            }).toList();
        }
        assertThat(jars).as("the packaged jar of %s (run mvn -pl cli -am verify)", module).hasSize(1);
        return jars.get(0);
    }

    private static String text(Element e, String tag) {
        NodeList n = e.getElementsByTagName(tag);
        return n.getLength() == 0 ? "" : n.item(0).getTextContent().strip();
    }

    private static Path repoRoot() {
        String prop = System.getProperty("smelt.repo.root");
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        Path p = Path.of("").toAbsolutePath();
        while (!Files.isRegularFile(p.resolve("CONTRIBUTING.md"))) p = p.getParent();
        return p;
    }
}
