package dev.smelt.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PathFilterTest {
    @Test
    void fnmatchSemantics() {
        assertThat(PathFilter.matches("*.json", "sub/config.json")).isTrue(); // '*' crosses '/' as in fnmatch
        assertThat(PathFilter.matches("model-?????-of-*.safetensors", "model-00001-of-00002.safetensors")).isTrue();
        assertThat(PathFilter.matches("[!a]*", "abc")).isFalse();
        assertThat(PathFilter.matches("[ab]x", "bx")).isTrue();
        assertThat(PathFilter.matches("onnx/", "onnx/model.onnx")).isTrue();
        assertThat(PathFilter.matches("*.JSON", "a.json")).isFalse();
        assertThat(PathFilter.matches("a.b", "axb")).isFalse();
    }

    @Test
    void includeThenExclude() {
        PathFilter f = new PathFilter(List.of("*.safetensors", "*.json"), List.of("original/*"));
        assertThat(f.accepts("model.safetensors")).isTrue();
        assertThat(f.accepts("original/model.safetensors")).isFalse();
        assertThat(f.accepts("README.md")).isFalse();
        assertThat(PathFilter.ALL.accepts("anything")).isTrue();
    }
}
