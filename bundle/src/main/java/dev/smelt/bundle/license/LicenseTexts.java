package dev.smelt.bundle.license;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/** Licence texts Smelt ships. */
public final class LicenseTexts {
    public static final String APACHE_2_0 = "apache-2.0";
    public static final String APACHE_2_0_NAME = "Apache License 2.0";
    public static final String APACHE_2_0_LINK = "https://www.apache.org/licenses/LICENSE-2.0";
    private static final byte[] APACHE = load("apache-2.0.txt");

    private LicenseTexts() {}

    /** The Apache License 2.0, exactly as apache.org serves LICENSE-2.0.txt (11358 bytes). */
    public static byte[] apache2() {
        return APACHE.clone();
    }

    public static boolean isApache2(byte[] text) {
        return Arrays.equals(APACHE, text);
    }

    private static byte[] load(String name) {
        try (InputStream in = LicenseTexts.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
