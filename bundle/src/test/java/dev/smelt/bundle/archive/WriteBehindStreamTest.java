package dev.smelt.bundle.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WriteBehindStreamTest {
    @TempDir
    Path tmp;

    /**
     * With the file's path (full buffers through direct I/O where the file system allows it, the tail through the
     * channel) the file holds exactly the written bytes, as without, and the channel's position ends after them.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 17, WriteBehindStream.BUFFER, 3 * WriteBehindStream.BUFFER, 3 * WriteBehindStream.BUFFER + 4099})
    void theFileHoldsExactlyTheBytesWithOrWithoutDirectWrites(int size) throws Exception {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        for (boolean withPath : new boolean[] {false, true}) {
            Path file = Files.createFile(tmp.resolve("out-" + size + "-" + withPath));
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                try (WriteBehindStream w = new WriteBehindStream(ch, withPath ? file : null)) {
                    int[] pieces = {1, 70_000, 1 << 20, 5};
                    for (int off = 0, i = 0; off < size; i++) {
                        int n = Math.min(pieces[i % pieces.length], size - off);
                        if (n == 1) w.write(data[off]);
                        else w.write(Arrays.copyOfRange(data, off, off + n));
                        off += n;
                    }
                }
                assertThat(ch.position()).isEqualTo(size);
                ch.force(true);
            }
            assertThat(Files.readAllBytes(file)).as("with path: %s", withPath).isEqualTo(data);
        }
    }

    /** After {@code sync} every full buffer written so far is in the file; the rest follows at close, the same bytes. */
    @Test
    void syncPutsTheFullBuffersInTheFileAndKeepsTheRest() throws Exception {
        int size = 2 * WriteBehindStream.BUFFER + 12_345;
        byte[] data = new byte[size + 777];
        new Random(11).nextBytes(data);
        Path file = Files.createFile(tmp.resolve("synced"));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            try (WriteBehindStream w = new WriteBehindStream(ch, file)) {
                w.write(data, 0, size);
                w.sync();
                byte[] synced = Files.readAllBytes(file);
                assertThat(synced).hasSize(2 * WriteBehindStream.BUFFER);
                assertThat(synced).isEqualTo(Arrays.copyOf(data, 2 * WriteBehindStream.BUFFER));
                w.write(data, size, data.length - size);
            }
            ch.force(true);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(data);
    }
}
