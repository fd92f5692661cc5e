package dev.smelt.core.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** One template shared by several threads (as the datasets pipeline does) renders exactly as sequentially. */
class ChatTemplateConcurrencyTest {
    @Test
    void sharedTemplateRendersIdenticallyAcrossThreads() throws Exception {
        ChatTemplate t = ChatTemplate.of(BuiltinChatTemplates.QWEN3.source(), Map.of("eos_token", "<|im_end|>"));
        List<List<ChatMessage>> chats = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            chats.add(List.of(ChatMessage.system("sys " + i), ChatMessage.user("question " + i),
                    ChatMessage.assistant("answer " + i + " " + "x".repeat(i))));
        }
        List<String> expected = chats.stream().map(c -> t.render(c, i(c))).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                results.add(pool.submit(() -> {
                    List<String> out = new ArrayList<>();
                    for (int rep = 0; rep < 5; rep++) for (List<ChatMessage> c : chats) out.add(t.render(c, i(c)));
                    return out;
                }));
            }
            for (Future<List<String>> f : results) {
                List<String> got = f.get();
                for (int k = 0; k < got.size(); k++) assertThat(got.get(k)).isEqualTo(expected.get(k % chats.size()));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static boolean i(List<ChatMessage> c) {
        return c.get(1).content().hashCode() % 2 == 0;
    }
}
