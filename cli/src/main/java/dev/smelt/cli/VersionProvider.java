package dev.smelt.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** "smelt 0.1.0-SNAPSHOT (git abc1234)" from the properties filtered in at build time. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"smelt " + version()};
    }

    public static String version() {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("/smelt-version.properties")) {
            if (in != null) p.load(in);
        } catch (IOException ignored) {
            // fall through to "unknown"
        }
        String v = p.getProperty("version", "unknown");
        String git = p.getProperty("git", "");
        if (git.isBlank() || git.startsWith("${")) return v;
        return v + " (git " + git + ")";
    }
}
