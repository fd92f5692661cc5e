package dev.smelt.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.SmeltException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TorchThreadsTest {
    private String intraOp;
    private String interOp;

    @BeforeEach
    void clear() {
        intraOp = System.clearProperty(TorchThreads.INTRA_OP);
        interOp = System.clearProperty(TorchThreads.INTER_OP);
    }

    @AfterEach
    void restore() {
        restore(TorchThreads.INTRA_OP, intraOp);
        restore(TorchThreads.INTER_OP, interOp);
    }

    private static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }

    @Test
    void anExplicitCountWinsOverMinusD() {
        System.setProperty(TorchThreads.INTRA_OP, "7");
        TorchThreads.configure(3, TorchThreads.Default.HALF_PROCESSORS);
        assertThat(TorchThreads.intraOp()).isEqualTo(3);
        assertThat(System.getProperty(TorchThreads.INTER_OP)).isEqualTo("1");
    }

    @Test
    void withoutACountMinusDIsKeptElseTheDefaultApplies() {
        System.setProperty(TorchThreads.INTRA_OP, "7");
        System.setProperty(TorchThreads.INTER_OP, "2");
        TorchThreads.configure(null, TorchThreads.Default.HALF_PROCESSORS);
        assertThat(TorchThreads.intraOp()).isEqualTo(7);
        assertThat(System.getProperty(TorchThreads.INTER_OP)).isEqualTo("2");

        clear();
        TorchThreads.configure(null, TorchThreads.Default.HALF_PROCESSORS);
        assertThat(TorchThreads.intraOp()).isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));

        clear();
        TorchThreads.configure(null, TorchThreads.Default.LIBTORCH);
        assertThat(TorchThreads.intraOp()).isNull();
        assertThat(System.getProperty(TorchThreads.INTER_OP)).isEqualTo("1");
    }

    @Test
    void fewerThanOneThreadIsRefused() {
        assertThatThrownBy(() -> TorchThreads.configure(0, TorchThreads.Default.LIBTORCH)).isInstanceOf(SmeltException.class)
                .hasMessage("threads must be >= 1, got 0");
        assertThat(TorchThreads.intraOp()).isNull();
    }
}
