package dev.smelt.testkit.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** {@link InteropTool#require()}: the extension's skip-or-fail, called in the middle of a test. */
class InteropToolTest {
    static InteropTool<String> missing() {
        return InteropTool.of("frob", () -> {
            throw new InteropTool.Missing("frob is not installed");
        });
    }

    @Test
    void requireReturnsAToolThatIsThere() throws Exception {
        assertEquals("tool", InteropTool.of("frob", () -> "tool").require());
    }

    @Test
    void aMissingToolSkipsWithTheReason() {
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> missing().requiredWhen(() -> false).require());
        assertTrue(e.getMessage().contains("frob is not installed"), e.getMessage());
    }

    @Test
    void aMissingToolFailsWhenTheTierIsRequired() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> missing().requiredWhen(() -> true).require());
        assertTrue(e.getMessage().contains("interop required but frob is missing: frob is not installed"), e.getMessage());
    }
}
