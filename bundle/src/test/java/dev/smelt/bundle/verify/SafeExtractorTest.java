package dev.smelt.bundle.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every path-traversal form, in every archive format: refused, and nothing written inside or outside the target. */
class SafeExtractorTest {
    @TempDir
    Path tmp;

    /** An entry of a hostile archive: a file, a symbolic link or a hard link. */
    record Item(String name, byte type, String link) {
        static Item file(String name) { return new Item(name, TarConstants.LF_NORMAL, null); }
        static Item symlink(String name, String target) { return new Item(name, TarConstants.LF_SYMLINK, target); }
        static Item hardlink(String name, String target) { return new Item(name, TarConstants.LF_LINK, target); }
    }

    static Stream<Arguments> hostile() {
        List<List<Item>> cases = List.of(
                List.of(Item.file("ok.txt"), Item.file("/tmp/smelt-absolute-evil")),
                List.of(Item.file("../evil")),
                List.of(Item.file("a/../../evil")),
                List.of(Item.file("a/./b")),
                List.of(Item.file("C:/evil")),
                List.of(Item.file("a\\..\\..\\evil")),
                List.of(Item.symlink("link", "../outside")),
                List.of(Item.symlink("link", "/etc")),
                List.of(Item.symlink("sub/link", "../../outside")),
                List.of(Item.symlink("link", "."), Item.file("link/evil")),
                List.of(Item.symlink("link", "/tmp"), Item.file("link/evil")),
                List.of(Item.hardlink("h", "../../etc/passwd")),
                List.of(Item.hardlink("h", "/etc/passwd")),
                List.of(Item.hardlink("h", "missing")));
        return Stream.of("tar.gz", "tar.zst", "zip").flatMap(ext -> cases.stream()
                .filter(c -> !ext.equals("zip") || c.stream().noneMatch(i -> i.type() == TarConstants.LF_LINK))
                .map(c -> Arguments.of(ext, c)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("hostile")
    void refusedWithNothingWritten(String ext, List<Item> items) throws IOException {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path archive = tmp.resolve("hostile." + ext);
        write(archive, items);
        Path target = work.resolve("out");
        assertThatThrownBy(() -> SafeExtractor.extract(archive, target))
                .isInstanceOf(SmeltException.class).hasMessageContaining("refused entry");
        try (Stream<Path> left = Files.list(work)) {
            assertThat(left).isEmpty();
        }
        assertThat(tmp.resolve("evil")).doesNotExist();
        assertThat(tmp.resolve("outside")).doesNotExist();
        assertThat(Path.of("/tmp/smelt-absolute-evil")).doesNotExist();
    }

    @Test
    void linksThatStayInsideAreKept() throws IOException {
        Path archive = tmp.resolve("fine.tar.gz");
        write(archive, List.of(Item.file("dir/a.txt"), Item.symlink("dir/b.txt", "a.txt"), Item.hardlink("c.txt", "dir/a.txt")));
        Path target = tmp.resolve("out");
        SafeExtractor.extract(archive, target);
        assertThat(Files.readString(target.resolve("dir/b.txt"))).isEqualTo("dir/a.txt");
        assertThat(Files.isSymbolicLink(target.resolve("dir/b.txt"))).isTrue();
        assertThat(Files.readString(target.resolve("c.txt"))).isEqualTo("dir/a.txt");
    }

    @Test
    void anExistingTargetIsNotOverwritten() throws IOException {
        Path archive = tmp.resolve("fine.zip");
        write(archive, List.of(Item.file("a.txt")));
        Path target = Files.createDirectories(tmp.resolve("taken"));
        assertThatThrownBy(() -> SafeExtractor.extract(archive, target)).hasMessageContaining("already exists");
    }

    /** Writes the items with commons-compress directly, bypassing every check Smelt's writer makes. */
    static void write(Path archive, List<Item> items) throws IOException {
        String name = archive.getFileName().toString();
        if (name.endsWith(".zip")) {
            try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(archive)) {
                for (Item i : items) {
                    ZipArchiveEntry e = new ZipArchiveEntry(i.name());
                    byte[] body = (i.link() != null ? i.link() : i.name()).getBytes(StandardCharsets.UTF_8);
                    if (i.type() == TarConstants.LF_SYMLINK) e.setUnixMode(0120777);
                    zip.putArchiveEntry(e);
                    zip.write(body);
                    zip.closeArchiveEntry();
                }
            }
            return;
        }
        try (OutputStream raw = Files.newOutputStream(archive);
                OutputStream c = name.endsWith(".zst") ? new ZstdOutputStream(raw) : new GzipCompressorOutputStream(raw);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(c)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Item i : items) {
                TarArchiveEntry e = i.type() == TarConstants.LF_NORMAL ? new TarArchiveEntry(i.name(), true)
                        : new TarArchiveEntry(i.name(), i.type(), true);
                byte[] body = i.name().getBytes(StandardCharsets.UTF_8);
                if (i.link() != null) e.setLinkName(i.link());
                else e.setSize(body.length);
                tar.putArchiveEntry(e);
                if (i.link() == null) tar.write(body);
                tar.closeArchiveEntry();
            }
        }
    }
}
