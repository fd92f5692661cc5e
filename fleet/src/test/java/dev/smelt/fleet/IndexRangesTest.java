package dev.smelt.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class IndexRangesTest {
    @Test
    void parsesAndFormatsTheJobStatusRanges() {
        assertThat(IndexRanges.parse("0-2,4-7")).containsExactly(0, 1, 2, 4, 5, 6, 7);
        assertThat(IndexRanges.parse("3")).containsExactly(3);
        assertThat(IndexRanges.parse(null)).isEmpty();
        assertThat(IndexRanges.parse("")).isEmpty();
        assertThat(IndexRanges.format(List.of(7, 0, 1, 2, 4, 5, 6))).isEqualTo("0-2,4-7");
        assertThat(IndexRanges.format(List.of())).isEmpty();
        assertThatThrownBy(() -> IndexRanges.parse("0-2,5-3")).hasMessage("index ranges \"0-2,5-3\": \"5-3\" is not N or N-M with N <= M");
    }
}
