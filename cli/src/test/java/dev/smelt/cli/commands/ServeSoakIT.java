package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many long generations against one {@code smelt serve} process: its resident memory must level off, not grow with
 * every request. Before decoding freed its per-token arrays, each 1,200-token request on this 0.2M-parameter model
 * added hundreds of MB (six 2,000-token requests took the server from 198 MB to 3.3 GB).
 */
class ServeSoakIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int REQUESTS = 6;
    static final int TOKENS = 1200;
    @TempDir Path tmp;

    @Test
    void residentMemoryStaysFlatAcrossLongRequests() throws Exception {
        Path model = tmp.resolve("m");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3).seed(3).build(), model);
        try (ServeProcess serve = ServeProcess.start(model, "128m")) {
            HttpClient http = HttpClient.newHttpClient();
            List<Long> rss = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(serve.url("/generate")))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"hello\",\"max_new_tokens\":" + TOKENS
                                + ",\"temperature\":0}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                JsonNode body = JSON.readTree(r.body());
                assertThat(body.get("completion_tokens").asInt()).as("greedy output runs to the limit").isEqualTo(TOKENS);
                rss.add(rssKib(serve.process.pid()));
            }
            // the first requests warm up the JVM heap (capped at 128 MiB) and native allocator pools
            long growth = rss.get(REQUESTS - 1) - rss.get(1);
            assertThat(growth).as("RSS (KiB) after each request: " + rss).isLessThan(64 * 1024);
            assertThat(rss.get(REQUESTS - 1)).as("RSS (KiB) after each request: " + rss).isLessThan(640 * 1024);
            assertThat(serve.terminate(30)).isTrue();
        }
    }

    private static long rssKib(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }
}
