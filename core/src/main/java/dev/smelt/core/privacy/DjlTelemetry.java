package dev.smelt.core.privacy;

import java.util.List;

/**
 * Keeps DJL off the network. DJL 0.36 "calls home" ({@code ai.djl.util.Ec2Utils.callHome}) when its engine starts
 * and every time a {@code HuggingFaceTokenizer} is created: it requests the EC2 metadata address 169.254.169.254 and,
 * on EC2, its telemetry endpoint on S3. It skips this when offline mode is on ({@code DJL_OFFLINE} in the
 * environment, else the system property {@code ai.djl.offline}) or when {@code OPT_OUT_TRACKING} is true (environment
 * first, then system property); both are read at that moment, not when DJL's classes load. Offline mode also keeps
 * DJL from downloading native libraries, which Smelt bundles.
 *
 * <p>Smelt's entry points and the classes of {@code datasets}, {@code models} and {@code trainer} that create DJL
 * engines, managers or tokenizers call {@link #disable()} before doing so. A library user who creates DJL objects
 * directly, before any Smelt class does, calls it first. This class only sets system properties; it does not link
 * to DJL.
 */
public final class DjlTelemetry {
    public static final String OFFLINE_PROPERTY = "ai.djl.offline";
    public static final String OPT_OUT_PROPERTY = "OPT_OUT_TRACKING";

    private DjlTelemetry() {}

    /**
     * Switches DJL's telemetry (and its downloads) off for this JVM. A value the user set explicitly, as a system
     * property or in the environment, wins. Cheap and idempotent.
     */
    public static void disable() {
        System.getProperties().putIfAbsent(OFFLINE_PROPERTY, "true");
        System.getProperties().putIfAbsent(OPT_OUT_PROPERTY, "true");
    }

    /** The {@code -D} options that give a child JVM this JVM's settings. */
    public static List<String> childJvmOptions() {
        disable();
        return List.of("-D" + OFFLINE_PROPERTY + "=" + System.getProperty(OFFLINE_PROPERTY),
                "-D" + OPT_OUT_PROPERTY + "=" + System.getProperty(OPT_OUT_PROPERTY));
    }
}
