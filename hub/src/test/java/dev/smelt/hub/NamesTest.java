package dev.smelt.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.hub.internal.RepoPaths;
import dev.smelt.hub.internal.cache.RepoCache;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Repo ids, refs, repository paths and URL encoding. */
class NamesTest {
    @Test
    void repoIdsAndCacheFolderNames() {
        assertThat(new RepoId("Qwen/Qwen2.5-0.5B").cacheFolderName(RepoType.MODEL)).isEqualTo("models--Qwen--Qwen2.5-0.5B");
        assertThat(new RepoId("gpt2").cacheFolderName(RepoType.DATASET)).isEqualTo("datasets--gpt2");
        for (String bad : List.of("a/b/c", "../x", "a--b", "x.git", "", "a/ b")) {
            assertThatThrownBy(() -> new RepoId(bad)).hasMessageStartingWith("invalid repository id");
        }
        assertThat(RepoRef.parse("org/m@v1.0")).isEqualTo(new RepoRef(new RepoId("org/m"), "v1.0"));
        assertThat(RepoRef.parse("org/m").revision()).isEqualTo("main");
    }

    @Test
    void unsafePathsAreRefused() {
        for (String ok : List.of("a.json", "sub/dir/x.bin", "weird name (1).txt", "..hidden", "a..b")) {
            assertThat(RepoPaths.isSafe(ok)).as(ok).isTrue();
        }
        for (String bad : List.of("../x", "a/../../x", "/abs", "a\\b", "C:evil", "a//b", "./a", "a/\u0000b", "")) {
            assertThat(RepoPaths.isSafe(bad)).as(bad).isFalse();
        }
        assertThatThrownBy(() -> RepoPaths.requireSafe("../x", "the server"))
                .hasMessage("refusing file name '../x' from the server: contains '..'");
    }

    @Test
    void urlEncodingMatchesPythonQuote() {
        assertThat(RepoPaths.encodePath("sub dir/a+b~c.json")).isEqualTo("sub%20dir/a%2Bb~c.json");
        assertThat(RepoPaths.encodeSegment("refs/pr/1")).isEqualTo("refs%2Fpr%2F1");
    }

    @Test
    void etagsAreNormalizedLikeHuggingfaceHub() {
        assertThat(RepoCache.normalizeEtag("W/\"abc\"")).isEqualTo("abc");
        assertThat(RepoCache.normalizeEtag("\"abc\"")).isEqualTo("abc");
        assertThat(RepoCache.normalizeEtag("abc")).isEqualTo("abc");
    }
}
