package dev.smelt.core.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * The process that writes a temporary file: its host (CRC-32 of the host name in hex, {@value #UNKNOWN_HOST} when
 * the name cannot be read), process id and process start time (epoch ms, 0 when the platform does not say). A temp
 * file whose owner is gone can be removed; one whose owner may be alive never is.
 */
record TempOwner(String host, long pid, long startMillis) {
    static final String UNKNOWN_HOST = "nohost";

    /** A process that started within this of the recorded time is the same process (clock adjustments move it). */
    private static final long START_TOLERANCE_MILLIS = 5_000;

    private static final TempOwner CURRENT = new TempOwner(localHost(),
            ProcessHandle.current().pid(), startMillis(ProcessHandle.current()));

    static TempOwner current() {
        return CURRENT;
    }

    /**
     * False only when this owner is certainly gone: it ran on this host and its process id is free, or taken by a
     * process that started at another time (the id was reused). A temp from another host (a shared disk), or from a
     * host whose name is unknown, is assumed alive.
     */
    boolean mayBeAlive() {
        if (host.equals(UNKNOWN_HOST) || !host.equals(CURRENT.host)) return true;
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) return false;
        long started = startMillis(process.get());
        return startMillis == 0 || started == 0 || Math.abs(started - startMillis) <= START_TOLERANCE_MILLIS;
    }

    private static long startMillis(ProcessHandle process) {
        return process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    /**
     * The kernel's host name without a name-service lookup ({@code InetAddress.getLocalHost()} may ask DNS), hashed
     * to keep temp names short; {@link #UNKNOWN_HOST} where it cannot be read, which turns stale-temp removal off
     * rather than guess.
     */
    private static String localHost() {
        String name = null;
        try {
            Path kernel = Path.of("/proc/sys/kernel/hostname");
            if (Files.isReadable(kernel)) name = Files.readString(kernel, StandardCharsets.UTF_8).trim();
        } catch (IOException | SecurityException e) {
            name = null;
        }
        if (name == null || name.isEmpty()) name = System.getenv("COMPUTERNAME"); // Windows
        if (name == null || name.isEmpty()) name = System.getenv("HOSTNAME");
        if (name == null || name.isEmpty()) return UNKNOWN_HOST;
        CRC32 crc = new CRC32();
        crc.update(name.getBytes(StandardCharsets.UTF_8));
        return String.format(Locale.ROOT, "%08x", crc.getValue());
    }
}
