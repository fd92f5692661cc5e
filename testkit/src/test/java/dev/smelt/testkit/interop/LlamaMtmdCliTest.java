package dev.smelt.testkit.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smelt.core.SmeltException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LlamaMtmdCli} reading what llama-mtmd-cli prints, against a stand-in script that prints it as release v0.4.0
 * does with {@code MTMD_TEST_RESPONSE_MARKER} and {@code --log-verbose}: the answer between the marker frame and the
 * final newlines, the rendered prompt from the debug line, and a rerun when the log queue was lost at exit.
 */
class LlamaMtmdCliTest {
    @TempDir Path tmp;

    private static final String LOG = """
            printf '0.00.241.200 D chat_add_and_format: new_msg.role='"'"'user'"'"'\\n' >&2
            printf '0.00.241.279 D formatted_chat.prompt: <|im_start|>user\\n<__media__>Hi?<|im_end|>\\n<|im_start|>assistant\\n<think>\\n\\n' >&2
            printf '0.00.242.240 D mtmd_group_mergeable_bitmaps: no merging\\n' >&2
            """;

    private Path script(String body) throws Exception {
        Path s = tmp.resolve("llama-mtmd-cli");
        Files.writeString(s, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
        return s;
    }

    @Test
    void readsTheAnswerAndTheRenderedPrompt() throws Exception {
        Path cli = script(LOG + """
                printf '%s\\n\\n' "$MTMD_TEST_RESPONSE_MARKER"
                printf '\\nanswer <b>\\n\\n\\n'
                printf '0.00.254.863 I llama_perf_context_print:       total time =     199.51 ms /   116 tokens\\n' >&2
                """);
        LlamaMtmdCli.Answer a = new LlamaMtmdCli(cli).generate(tmp.resolve("t.gguf"), tmp.resolve("m.gguf"),
                List.of(tmp.resolve("i.png")), "Hi?", 4);
        assertEquals(LlamaMtmdCli.printed("\nanswer <b>", true), a.text());
        assertEquals("<|im_start|>user\n<__media__>Hi?<|im_end|>\n<|im_start|>assistant\n<think>\n", a.renderedPrompt());
    }

    @Test
    void rerunsARunWhoseOutputWasLostAtExit() throws Exception {
        Path count = tmp.resolve("count");
        Path cli = script(LOG + """
                echo x >> '%s'
                if [ "$(wc -l < '%s')" -lt 2 ]; then exit 0; fi
                printf '%%s\\n\\n' "$MTMD_TEST_RESPONSE_MARKER"
                printf 'ok\\n\\n'
                printf '0.00.254.863 I llama_perf_context_print:       total time =     1 ms /   1 tokens\\n' >&2
                """.formatted(count, count));
        LlamaMtmdCli.Answer a = new LlamaMtmdCli(cli).generate(tmp.resolve("t.gguf"), tmp.resolve("m.gguf"), List.of(), "Hi?", 4);
        assertEquals("ok", a.text());
        assertEquals(2, Files.readAllLines(count).size());
    }

    @Test
    void aFailingRunIsAOneLineError() throws Exception {
        Path cli = script("echo 'E failed to load model' >&2; exit 1\n");
        SmeltException e = assertThrows(SmeltException.class, () -> new LlamaMtmdCli(cli)
                .generate(tmp.resolve("t.gguf"), tmp.resolve("m.gguf"), List.of(), "Hi?", 4));
        assertTrue(e.getMessage().contains("llama-mtmd-cli failed (exit 1): E failed to load model"), e.getMessage());
    }
}
