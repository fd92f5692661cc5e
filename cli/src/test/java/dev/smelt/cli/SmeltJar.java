package dev.smelt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar cli/target/smelt-cli.jar}, the way users run Smelt in containers and IDEs: a clean child JVM
 * that inherits none of the test JVM's system properties, and no DJL or JVM options from the environment.
 * Failsafe runs after {@code package}, so the jar exists.
 */
public final class SmeltJar {
    private SmeltJar() {}

    public static Path jar() {
        Path jar = Path.of("target", "smelt-cli.jar").toAbsolutePath();
        assertThat(jar).as("the CLI jar (failsafe runs after package)").isRegularFile();
        return jar;
    }

    /** {@code java [jvmOptions] -jar smelt-cli.jar args…}. */
    public static List<String> command(List<String> jvmOptions, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** A process builder for {@code command} whose environment holds no setting that would do Smelt's work for it. */
    public static ProcessBuilder process(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        for (String name : List.of("OPT_OUT_TRACKING", "DJL_OFFLINE", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
            env.remove(name);
        }
        return pb;
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }
}
