package dev.smelt.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.core.SmeltException;
import org.junit.jupiter.api.Test;

class PrecisionTest {
    @Test
    void readsEverySpellingOfTheTwoTypesAndAuto() {
        assertThat(Precision.parse("auto")).isEqualTo(Precision.AUTO);
        for (String s : new String[] {"fp32", "FP32", "float32", "f32"}) assertThat(Precision.parse(s)).isEqualTo(Precision.FP32);
        for (String s : new String[] {"fp16", "float16", "f16", "half"}) assertThat(Precision.parse(s)).isEqualTo(Precision.FP16);
    }

    @Test
    void autoIsHalfOnAGpuAndSingleOnTheCpu() {
        assertThat(Precision.AUTO.dataType(Device.cpu())).isEqualTo(DataType.FLOAT32);
        assertThat(Precision.AUTO.dataType(Device.gpu(0))).isEqualTo(DataType.FLOAT16);
        assertThat(Precision.FP16.dataType(Device.cpu())).isEqualTo(DataType.FLOAT16);
        assertThat(Precision.FP32.dataType(Device.gpu(1))).isEqualTo(DataType.FLOAT32);
    }

    @Test
    void namesReadBack() {
        for (Precision p : Precision.values()) assertThat(Precision.parse(p.toString())).isEqualTo(p);
        assertThat(Precision.name(DataType.FLOAT16)).isEqualTo("fp16");
        assertThat(Precision.name(DataType.FLOAT32)).isEqualTo("fp32");
    }

    @Test
    void bf16AndUnknownNamesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> Precision.parse("bf16")).isInstanceOf(SmeltException.class)
                .hasMessageStartingWith("precision bf16 is not available: DJL's PyTorch bridge has no bfloat16");
        assertThatThrownBy(() -> Precision.parse("int8")).isInstanceOf(SmeltException.class)
                .hasMessage("precision int8: expected auto, fp32 or fp16");
    }
}
