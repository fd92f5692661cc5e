package dev.smelt.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.smelt.core.SmeltException;
import java.util.List;
import org.junit.jupiter.api.Test;

class DevicesTest {
    @Test
    void oneDeviceOrAListOfGpus() {
        assertThat(Devices.parseOne("cpu")).isEqualTo(Device.cpu());
        assertThat(Devices.parseOne("GPU1")).isEqualTo(Device.gpu(1));
        assertThat(Devices.parseOne("gpu")).isEqualTo(Device.gpu(0));
        assertThat(Devices.parseOne("cuda:2")).isEqualTo(Device.gpu(2));
        assertThat(Devices.parse("cpu")).containsExactly(Device.cpu());
        assertThat(Devices.parse("gpu0, gpu1")).containsExactly(Device.gpu(0), Device.gpu(1));
        assertThat(Devices.names(List.of(Device.gpu(0), Device.gpu(3)))).isEqualTo("gpu0,gpu3");
        assertThat(Devices.parse(Devices.names(List.of(Device.gpu(0), Device.gpu(3))))).containsExactly(Device.gpu(0), Device.gpu(3));
    }

    @Test
    void badListsAreRefusedNamingTheDevice() {
        assertThatThrownBy(() -> Devices.parseOne("gpu0,gpu1")).isInstanceOf(SmeltException.class)
                .hasMessage("devices gpu0,gpu1: one device expected (cpu or gpuN); only training runs on several");
        assertThatThrownBy(() -> Devices.parseOne("tpu0")).hasMessage("devices tpu0: expected cpu or gpuN (e.g. gpu0)");
        assertThatThrownBy(() -> Devices.parseOne("gpu-1")).hasMessage("devices gpu-1: expected cpu or gpuN (e.g. gpu0)");
        assertThatThrownBy(() -> Devices.parse("gpu0,gpu0")).hasMessage("devices names gpu0 twice");
        assertThatThrownBy(() -> Devices.parse("cpu,gpu0")).hasMessageContaining("data parallelism needs GPUs only");
        assertThatThrownBy(() -> Devices.parse(" , ")).hasMessageStartingWith("devices is empty");
    }

    @Test
    void aGpuThatPyTorchDoesNotSeeIsRefused() {
        Devices.requireVisible(Device.cpu());
        assertThatThrownBy(() -> Devices.requireVisible(Device.gpu(64))).isInstanceOf(SmeltException.class)
                .hasMessageStartingWith("devices gpu64: ").hasMessageMatching(".*(no GPU is visible|only \\d+ GPU\\(s\\) are visible).*");
    }
}
