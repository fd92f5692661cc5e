package dev.smelt.bundle.license;

import dev.smelt.core.SmeltException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Decides the bundle's licence. Without an explicit licence the bundle is Apache-2.0, which the base model's licence
 * must allow: Apache-2.0 itself or a permissive licence whose terms Apache-2.0 can carry (MIT, BSD-2/3-Clause).
 * Anything else, or no licence at all, is refused naming what was found, unless the caller names the bundle's
 * licence (anything but apache-2.0, which is gated like the default), in which case that id is used and the
 * base's own licence text ships as LICENSE.
 */
public final class LicenseGate {
    static final Set<String> APACHE_COMPATIBLE = Set.of("apache-2.0", "mit", "bsd-2-clause", "bsd-3-clause");

    private LicenseGate() {}

    /** The licence a bundle is released under, and the text its LICENSE file holds. */
    public record Decision(String id, String name, String link, byte[] text, LicenseDetector.Found base) {
        public boolean isApache2() {
            return id.equals(LicenseTexts.APACHE_2_0);
        }
    }

    public static Decision decide(Path baseDir, String requested) {
        Optional<LicenseDetector.Found> found = LicenseDetector.detect(baseDir);
        String id = requested == null ? LicenseTexts.APACHE_2_0 : requested.strip().toLowerCase(Locale.ROOT);
        if (!id.equals(LicenseTexts.APACHE_2_0)) {
            Path file = LicenseDetector.licenseFile(baseDir).orElseThrow(() -> new SmeltException("--license " + requested
                    + ": the base model " + baseDir + " has no LICENSE file whose text the bundle could ship"));
            try {
                return new Decision(id, requested.strip(), null, java.nio.file.Files.readAllBytes(file), found.orElse(null));
            } catch (java.io.IOException e) {
                throw new SmeltException(file + ": cannot read (" + e.getMessage() + ")");
            }
        }
        LicenseDetector.Found f = found.orElseThrow(() -> new SmeltException("base model " + baseDir
                + " states no licence (no 'license:' in README.md front matter, no LICENSE file); an Apache-2.0 bundle"
                + " needs an Apache-2.0, MIT or BSD base, or name the bundle's licence with --license ID"));
        if (!APACHE_COMPATIBLE.contains(f.id())) {
            throw new SmeltException("base model licence '" + f.id() + "' (" + f.source() + ") does not allow an Apache-2.0"
                    + " bundle (allowed: apache-2.0, mit, bsd-2-clause, bsd-3-clause); name the bundle's licence with --license ID");
        }
        return apache(f);
    }

    private static Decision apache(LicenseDetector.Found base) {
        return new Decision(LicenseTexts.APACHE_2_0, LicenseTexts.APACHE_2_0_NAME, LicenseTexts.APACHE_2_0_LINK,
                LicenseTexts.apache2(), base);
    }
}
