package dev.smelt.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubSettingsTest {
    @TempDir Path home;

    @Test
    void defaultsMatchHuggingfaceHub() {
        HubSettings s = HubSettings.fromEnvironment(Map.of(), home);
        assertThat(s.endpointUrl()).isEqualTo("https://huggingface.co");
        assertThat(s.hfHome()).isEqualTo(home.resolve(".cache/huggingface"));
        assertThat(s.hubCache()).isEqualTo(home.resolve(".cache/huggingface/hub"));
        assertThat(s.offline()).isFalse();
        assertThat(s.token()).isEmpty();
    }

    @Test
    void environmentOverridesEverything() throws Exception {
        Path hf = home.resolve("hf");
        Files.createDirectories(hf);
        Files.writeString(hf.resolve("token"), "hf_from_file\n");
        HubSettings s = HubSettings.fromEnvironment(Map.of("HF_ENDPOINT", "http://mirror.local:8080/", "HF_HOME", hf.toString(),
                "HF_HUB_OFFLINE", "yes"), home);
        assertThat(s.endpointUrl()).isEqualTo("http://mirror.local:8080");
        assertThat(s.hubCache()).isEqualTo(hf.resolve("hub"));
        assertThat(s.offline()).isTrue();
        assertThat(s.token()).contains("hf_from_file");

        HubSettings t = HubSettings.fromEnvironment(Map.of("HF_HOME", hf.toString(), "HF_TOKEN", "hf_env",
                "HF_HUB_CACHE", "~/elsewhere", "HF_HUB_OFFLINE", "0", "XDG_CACHE_HOME", "/x"), home);
        assertThat(t.token()).contains("hf_env");
        assertThat(t.hubCache()).isEqualTo(home.resolve("elsewhere"));
        assertThat(t.offline()).isFalse();
        assertThat(t.withToken("hf_cli").token()).contains("hf_cli");

        HubSettings x = HubSettings.fromEnvironment(Map.of("XDG_CACHE_HOME", "/xdg"), home);
        assertThat(x.hubCache()).isEqualTo(Path.of("/xdg/huggingface/hub"));
    }

    @Test
    void tokenNeverAppearsInToString() {
        HubSettings s = HubSettings.fromEnvironment(Map.of("HF_TOKEN", "hf_secret_value"), home);
        assertThat(s.toString()).doesNotContain("hf_secret_value").contains("token=<set>");
    }

    @Test
    void badValuesAreNamed() {
        assertThatThrownBy(() -> HubSettings.fromEnvironment(Map.of("HF_ENDPOINT", "ftp://x"), home))
                .hasMessage("HF_ENDPOINT 'ftp://x' is not an http(s) URL");
        assertThatThrownBy(() -> HubSettings.fromEnvironment(Map.of("HF_HUB_DOWNLOAD_TIMEOUT", "soon"), home))
                .hasMessage("HF_HUB_DOWNLOAD_TIMEOUT='soon': expected a positive number of seconds");
    }
}
