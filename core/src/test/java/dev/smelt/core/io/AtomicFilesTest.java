package dev.smelt.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Temporaries left by writers that died are removed by the next write of the same target; those of writers that
 * may be alive (this JVM, another live process, another host, a locked file) never are.
 */
class AtomicFilesTest {
    @TempDir Path dir;

    private Process sleeper;

    @BeforeEach
    void startSleeper() throws IOException {
        assumeTrue(Files.isExecutable(Path.of("/bin/sleep")), "needs /bin/sleep for a second live process");
        sleeper = new ProcessBuilder("/bin/sleep", "120").start();
    }

    @AfterEach
    void stopSleeper() throws InterruptedException {
        if (sleeper != null) {
            sleeper.destroyForcibly();
            sleeper.waitFor();
        }
    }

    @Test
    void writeRemovesTheTemporariesOfDeadWriters() throws Exception {
        Path target = dir.resolve("out.gguf");
        TempOwner dead = ownerOf(sleeper);
        sleeper.destroyForcibly();
        sleeper.waitFor();
        Path file = Files.writeString(temp(target, dead, "a", OwnedTemps.Kind.TMP), "half a tensor");
        Path building = Files.createDirectory(temp(target, dead, "b", OwnedTemps.Kind.TMPDIR));
        Files.writeString(building.resolve("config.json"), "{");
        Path old = Files.createDirectory(temp(target, dead, "c", OwnedTemps.Kind.OLD));

        AtomicFiles.writeString(target, "done");

        assertThat(names()).containsExactly("out.gguf");
        assertThat(Files.readString(target)).isEqualTo("done");
        assertThat(file).doesNotExist();
        assertThat(building).doesNotExist();
        assertThat(old).doesNotExist();
    }

    @Test
    void writeDirectoryRemovesTheTemporariesOfDeadWriters() throws Exception {
        Path target = dir.resolve("checkpoint-10");
        TempOwner dead = ownerOf(sleeper);
        sleeper.destroyForcibly();
        sleeper.waitFor();
        Files.createDirectory(temp(target, dead, "a", OwnedTemps.Kind.TMPDIR));
        Files.writeString(temp(target, dead, "b", OwnedTemps.Kind.TMP), "x");

        AtomicFiles.writeDirectory(target, tmp -> Files.writeString(tmp.resolve("state.json"), "{}"));

        assertThat(names()).containsExactly("checkpoint-10");
        assertThat(target.resolve("state.json")).hasContent("{}");
    }

    @Test
    void aLiveWritersTemporaryIsLeftAlone() throws Exception {
        Path target = dir.resolve("out.gguf");
        Path live = Files.writeString(temp(target, ownerOf(sleeper), "a", OwnedTemps.Kind.TMP), "being written");

        AtomicFiles.writeString(target, "done");

        assertThat(live).hasContent("being written");
        assertThat(names()).containsExactlyInAnyOrder("out.gguf", live.getFileName().toString());
    }

    @Test
    void aProcessIdReusedByALaterProcessCountsAsDead() throws Exception {
        Path target = dir.resolve("out.gguf");
        TempOwner live = ownerOf(sleeper);
        TempOwner earlier = new TempOwner(live.host(), live.pid(), live.startMillis() - TimeUnit.HOURS.toMillis(1));
        Path stale = Files.writeString(temp(target, earlier, "a", OwnedTemps.Kind.TMP), "old");

        AtomicFiles.writeString(target, "done");

        assertThat(stale).doesNotExist();
        assertThat(names()).containsExactly("out.gguf");
    }

    @Test
    void temporariesFromAnotherHostAreLeftAlone() throws Exception {
        Path target = dir.resolve("out.gguf");
        TempOwner dead = ownerOf(sleeper);
        sleeper.destroyForcibly();
        sleeper.waitFor();
        String otherHost = dead.host().equals("00000000") ? "00000001" : "00000000";
        TempOwner elsewhere = new TempOwner(otherHost, dead.pid(), dead.startMillis());
        Path foreign = Files.writeString(temp(target, elsewhere, "a", OwnedTemps.Kind.TMP), "shared disk");

        AtomicFiles.writeString(target, "done");

        assertThat(foreign).exists();
    }

    @Test
    void aLockedTemporaryIsLeftAloneEvenWhenItsProcessIdIsFree() throws Exception {
        Path target = dir.resolve("out.gguf");
        TempOwner dead = ownerOf(sleeper);
        sleeper.destroyForcibly();
        sleeper.waitFor();
        Path locked = Files.writeString(temp(target, dead, "a", OwnedTemps.Kind.TMP), "another PID namespace");
        try (FileChannel ch = FileChannel.open(locked, StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
            AtomicFiles.writeString(target, "done");
            assertThat(locked).exists();
        }
        AtomicFiles.writeString(target, "again");
        assertThat(locked).doesNotExist();
    }

    @Test
    void otherTargetsTemporariesAreNotTouched() throws Exception {
        TempOwner dead = ownerOf(sleeper);
        sleeper.destroyForcibly();
        sleeper.waitFor();
        Path longer = Files.writeString(temp(dir.resolve("out.gguf.part"), dead, "a", OwnedTemps.Kind.TMP), "x");
        Path shorter = Files.writeString(temp(dir.resolve("out"), dead, "b", OwnedTemps.Kind.TMP), "x");
        Path legacy = Files.writeString(dir.resolve(".out.gguf.123456789.tmp"), "x"); // createTempFile's names: owner unknown

        AtomicFiles.writeString(dir.resolve("out.gguf"), "done");

        assertThat(List.of(longer, shorter, legacy)).allMatch(Files::exists);
    }

    @Test
    void aWriterInThisProcessKeepsItsTemporaryWhileAnotherWriteOfTheSameTargetRuns() throws Exception {
        Path target = dir.resolve("out.gguf");
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> slow = pool.submit(() -> {
                AtomicFiles.write(target, ch -> {
                    ch.write(java.nio.ByteBuffer.wrap("slow".getBytes()));
                    writing.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                });
                return null;
            });
            assertThat(writing.await(30, TimeUnit.SECONDS)).isTrue();
            List<String> during = names();
            assertThat(during).hasSize(1);

            AtomicFiles.writeString(target, "fast");

            assertThat(names()).contains(during.get(0), "out.gguf");
            release.countDown();
            slow.get(30, TimeUnit.SECONDS);
            assertThat(names()).containsExactly("out.gguf");
            assertThat(target).hasContent("slow");
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void temporaryNamesSayWhoWritesThem() {
        Path target = dir.resolve("model.safetensors");
        String name = OwnedTemps.name(target, TempOwner.current(), "k3j", OwnedTemps.Kind.TMP);
        assertThat(name).startsWith(".model.safetensors.smelt-").endsWith("-k3j.tmp")
                .contains("-" + ProcessHandle.current().pid() + "-");
        assertThat(OwnedTemps.ownerOf(target, name)).contains(TempOwner.current());
        assertThat(OwnedTemps.ownerOf(target, ".model.safetensors.1234.tmp")).isEmpty();
        assertThat(TempOwner.current().mayBeAlive()).isTrue();
        assertThat(new TempOwner(TempOwner.UNKNOWN_HOST, Long.MAX_VALUE, 0).mayBeAlive()).as("host name unknown").isTrue();
        assertThat(new TempOwner(TempOwner.current().host(), Long.MAX_VALUE, 0).mayBeAlive()).as("no such process").isFalse();
    }

    private static TempOwner ownerOf(Process p) {
        long start = p.toHandle().info().startInstant().map(Instant::toEpochMilli).orElseThrow();
        return new TempOwner(TempOwner.current().host(), p.pid(), start);
    }

    private static Path temp(Path target, TempOwner owner, String random, OwnedTemps.Kind kind) {
        return target.resolveSibling(OwnedTemps.name(target, owner, random, kind));
    }

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * What Smelt writes gets the mode of any new file or directory under the umask (0644 / 0755 under umask 022), not
     * the 0600 / 0700 of {@code Files.createTempFile} / {@code createTempDirectory}, which the temporaries must not use.
     */
    @Test
    void outputsHonourTheUmask() throws Exception {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path plainFile = Files.createFile(dir.resolve("reference-file"));
        Path plainDir = Files.createDirectory(dir.resolve("reference-dir"));
        Set<PosixFilePermission> fileMode = Files.getPosixFilePermissions(plainFile);
        Set<PosixFilePermission> dirMode = Files.getPosixFilePermissions(plainDir);
        assumeTrue(fileMode.contains(PosixFilePermission.GROUP_READ) || fileMode.contains(PosixFilePermission.OTHERS_READ),
                "a umask of 077 makes every mode owner-only: nothing to tell apart");

        AtomicFiles.writeString(dir.resolve("out.txt"), "x");
        AtomicFiles.write(dir.resolve("out.bin"), ch -> ch.write(ByteBuffer.wrap(new byte[] {1})));
        AtomicFiles.writeDirectory(dir.resolve("model"), tmp -> AtomicFiles.writeString(tmp.resolve("config.json"), "{}"));
        AtomicFiles.writeDirectory(dir.resolve("model"), tmp -> AtomicFiles.writeString(tmp.resolve("config.json"), "{}")); // replaced
        assertThat(Files.getPosixFilePermissions(dir.resolve("out.txt"))).isEqualTo(fileMode);
        assertThat(Files.getPosixFilePermissions(dir.resolve("out.bin"))).isEqualTo(fileMode);
        assertThat(Files.getPosixFilePermissions(dir.resolve("model"))).isEqualTo(dirMode);
        assertThat(Files.getPosixFilePermissions(dir.resolve("model/config.json"))).isEqualTo(fileMode);
    }
}
