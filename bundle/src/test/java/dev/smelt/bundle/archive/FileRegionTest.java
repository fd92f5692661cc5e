package dev.smelt.bundle.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRegionTest {
    @TempDir
    Path tmp;

    @Test
    void copiesTheRangeToAPlainStreamAndIntoARegionSink() throws Exception {
        byte[] data = new byte[3 * FileRegion.CHUNK + 777];
        new Random(5).nextBytes(data);
        Path in = Files.write(tmp.resolve("in"), data);
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        FileRegion.copy(in, 100, data.length - 5, plain);
        assertThat(plain.toByteArray()).isEqualTo(Arrays.copyOfRange(data, 100, data.length - 5));

        Path out = Files.createFile(tmp.resolve("out"));
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
            try (WriteBehindStream w = new WriteBehindStream(ch, out)) {
                FileRegion.copy(in, 100, data.length - 5, w);
            }
            ch.force(true);
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(Arrays.copyOfRange(data, 100, data.length - 5));
    }

    @Test
    void aFileShorterThanTheRangeIsAnErrorNamingIt() throws Exception {
        Path in = Files.write(tmp.resolve("short.safetensors"), new byte[1000]);
        for (boolean sink : new boolean[] {false, true}) {
            Path out = tmp.resolve("out-" + sink);
            try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    WriteBehindStream w = new WriteBehindStream(ch)) {
                assertThatThrownBy(() -> FileRegion.copy(in, 0, 5000, sink ? w : new ByteArrayOutputStream()))
                        .isInstanceOf(IOException.class)
                        .hasMessage(in + ": ended at byte 1000, expected 5000 bytes");
            }
        }
    }
}
