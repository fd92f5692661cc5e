package dev.smelt.bundle.assemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.SmeltException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputStampsTest {
    @TempDir
    Path tmp;

    @Test
    void aFileRewrittenAfterPlanningIsNamed() throws Exception {
        Path a = Files.writeString(tmp.resolve("a.safetensors"), "abc");
        Path b = Files.writeString(tmp.resolve("b.json"), "{}");
        InputStamps stamps = InputStamps.of(List.of(a, b, a));
        stamps.requireUnchanged();
        assertThat(stamps.stamps()).hasSize(2);

        Files.writeString(b, "{} ");
        assertThatThrownBy(stamps::requireUnchanged).isInstanceOf(SmeltException.class)
                .hasMessage(b + ": changed while it was being bundled; nothing written, run again");
    }

    @Test
    void sameSizeButTouchedCountsAsChanged() throws Exception {
        Path a = Files.writeString(tmp.resolve("a.bin"), "abc");
        InputStamps stamps = InputStamps.of(List.of(a));
        Files.setLastModifiedTime(a, FileTime.fromMillis(Files.getLastModifiedTime(a).toMillis() + 5_000));
        assertThatThrownBy(stamps::requireUnchanged).hasMessageContaining(a + ": changed");
    }

    @Test
    void aDeletedFileIsNamed() throws Exception {
        Path a = Files.writeString(tmp.resolve("a.bin"), "abc");
        InputStamps stamps = InputStamps.of(List.of(a));
        Files.delete(a);
        assertThatThrownBy(stamps::requireUnchanged).hasMessageStartingWith(a + ": cannot be read any more");
    }
}
