package dev.smelt.bundle.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.bundle.archive.ArchiveEntry;
import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EntryHasherTest {
    @TempDir
    Path tmp;

    @Test
    void recordsEveryEntryInOrderWithItsOwnHash() throws Exception {
        List<ArchiveEntry> entries = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        Random rnd = new Random(3);
        for (int i = 0; i < 6; i++) {
            byte[] b = new byte[i * 700_001];
            rnd.nextBytes(b);
            contents.add(b);
            Path f = Files.write(tmp.resolve("f" + i), b);
            entries.add(ArchiveEntry.copyOf("model/f" + i, f));
        }
        List<Future<FileRecord>> futures = new ArrayList<>();
        try (EntryHasher h = new EntryHasher()) {
            for (ArchiveEntry e : entries) futures.add(h.start(e));
            for (int i = 0; i < entries.size(); i++) {
                FileRecord r = EntryHasher.await(futures.get(i));
                assertThat(r.path()).isEqualTo("model/f" + i);
                assertThat(r.size()).isEqualTo(contents.get(i).length);
                assertThat(r.sha256()).isEqualTo(HexFormat.of().formatHex(DigestingOutputStream.sha256().digest(contents.get(i))));
            }
        }
    }

    /** Hashes run on {@code WHILE_WRITING} threads (one core left to the archive) until all threads are allowed. */
    @Test
    void leavesACoreToTheArchiveUntilToldToUseAllThreads() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        List<Future<FileRecord>> futures = new ArrayList<>();
        try (EntryHasher h = new EntryHasher()) {
            for (int i = 0; i < EntryHasher.THREADS + 1; i++) {
                futures.add(h.start(new ArchiveEntry("model/f" + i, 1, out -> {
                    most.accumulateAndGet(running.incrementAndGet(), Math::max);
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                    running.decrementAndGet();
                    out.write(1);
                })));
            }
            waitFor(() -> running.get() == EntryHasher.WHILE_WRITING);
            Thread.sleep(200); // no further thread starts
            assertThat(most.get()).isEqualTo(EntryHasher.WHILE_WRITING);
            h.useAllThreads();
            waitFor(() -> running.get() == EntryHasher.THREADS);
            release.countDown();
            for (Future<FileRecord> f : futures) assertThat(EntryHasher.await(f).size()).isEqualTo(1);
        }
        assertThat(most.get()).isEqualTo(EntryHasher.THREADS);
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition met within 10 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void contentShorterThanDeclaredFailsNamingTheEntry() throws Exception {
        ArchiveEntry e = new ArchiveEntry("gguf/x.gguf", 10, out -> out.write(new byte[7]));
        try (EntryHasher h = new EntryHasher()) {
            Future<FileRecord> f = h.start(e);
            assertThatThrownBy(() -> EntryHasher.await(f)).isInstanceOf(SmeltException.class)
                    .hasMessage("gguf/x.gguf: 7 bytes read, expected 10 (did an input change while bundling?)");
        }
    }

    @Test
    void aReadFailureComesBackAsTheIOException() {
        ArchiveEntry e = new ArchiveEntry("model/gone", 3, out -> {
            throw new IOException("model/gone: no such file");
        });
        try (EntryHasher h = new EntryHasher()) {
            Future<FileRecord> f = h.start(e);
            assertThatThrownBy(() -> EntryHasher.await(f)).isInstanceOf(IOException.class).hasMessage("model/gone: no such file");
        }
    }
}
