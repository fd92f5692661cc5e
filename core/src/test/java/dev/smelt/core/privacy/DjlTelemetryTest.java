package dev.smelt.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DjlTelemetryTest {
    private Properties saved;

    @BeforeEach
    void save() {
        saved = (Properties) System.getProperties().clone();
        System.clearProperty(DjlTelemetry.OFFLINE_PROPERTY);
        System.clearProperty(DjlTelemetry.OPT_OUT_PROPERTY);
    }

    @AfterEach
    void restore() {
        System.setProperties(saved);
    }

    @Test
    void switchesDjlOfflineAndOptsOutOfTracking() {
        DjlTelemetry.disable();
        assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
        assertThat(System.getProperty("OPT_OUT_TRACKING")).isEqualTo("true");
    }

    @Test
    void aValueTheUserSetWins() {
        System.setProperty("ai.djl.offline", "false");
        DjlTelemetry.disable();
        assertThat(System.getProperty("ai.djl.offline")).isEqualTo("false");
        assertThat(System.getProperty("OPT_OUT_TRACKING")).isEqualTo("true");
    }

    @Test
    void childJvmsGetTheSameSettings() {
        System.setProperty("ai.djl.offline", "false");
        assertThat(DjlTelemetry.childJvmOptions()).containsExactly("-Dai.djl.offline=false", "-DOPT_OUT_TRACKING=true");
    }
}
