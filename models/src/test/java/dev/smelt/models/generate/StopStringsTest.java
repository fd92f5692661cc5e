package dev.smelt.models.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringsTest {
    @Test
    void holdsBackAPossibleStopStringAndCutsAtTheMatch() {
        StopStrings s = new StopStrings(List.of("END", "\n\n"));
        List<String> out = new ArrayList<>();
        for (String piece : List.of("Hel", "lo E", "N", "D more")) out.add(s.accept(piece));
        assertThat(out).containsExactly("Hel", "lo ", "", "");
        assertThat(s.matched()).isTrue();
        assertThat(s.text()).isEqualTo("Hello ");
        assertThat(s.finish()).isEmpty();
    }

    @Test
    void releasesAHeldTailThatDidNotBecomeAStopString() {
        StopStrings s = new StopStrings(List.of("END"));
        assertThat(s.accept("abcE")).isEqualTo("abc");
        assertThat(s.accept("N")).isEmpty();
        assertThat(s.accept("x")).isEqualTo("ENx");
        assertThat(s.accept("E")).isEmpty();
        assertThat(s.finish()).isEqualTo("E");
        assertThat(s.matched()).isFalse();
        assertThat(s.text()).isEqualTo("abcENxE");
    }

    @Test
    void theEarliestOfSeveralStopStringsWins() {
        StopStrings s = new StopStrings(List.of("c", "ab"));
        assertThat(s.accept("xabc")).isEqualTo("x");
        assertThat(s.text()).isEqualTo("x");
    }
}
