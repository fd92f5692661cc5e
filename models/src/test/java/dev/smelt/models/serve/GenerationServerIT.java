package dev.smelt.models.serve;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.chat.ChatMessage;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.models.TestModels;
import dev.smelt.models.generate.LanguageModel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code smelt serve}'s server over real HTTP on loopback. */
class GenerationServerIT {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir static Path tmp;
    static LanguageModel lm;
    static GenerationServer server;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        Path dir = TestModels.write(tmp.resolve("m"), TestModels.textConfig(Architecture.LLAMA), 21);
        TestModels.writeTokenizer(dir);
        lm = LanguageModel.open(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32);
        server = GenerationServer.start(lm, "tiny", "127.0.0.1", 0, 4);
        http = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stop() {
        server.close();
        lm.close();
    }

    static HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void health() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).get("status").asText()).isEqualTo("ok");
    }

    @Test
    void generateReturnsTheGreedyContinuation() throws Exception {
        HttpResponse<String> r = post("/generate", "{\"prompt\":\"Hello\",\"max_tokens\":8,\"temperature\":0}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        var expected = lm.generate(lm.encodePrompt("Hello"), lm.defaultSampling(8).withTemperature(0), null);
        assertThat(body.get("response").asText()).isEqualTo(expected.text());
        assertThat(body.get("completion_tokens").asInt()).isEqualTo(expected.tokenIds().size());
    }

    @Test
    void chatCompletionNonStreaming() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions",
                "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":6,\"temperature\":0}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("message").get("role").asText()).isEqualTo("assistant");
        assertThat(choice.get("finish_reason").asText()).isIn("stop", "length");
        var expected = lm.generate(lm.encodeChat(List.of(ChatMessage.user("hi"))),
                lm.defaultSampling(6).withTemperature(0), null);
        assertThat(choice.get("message").get("content").asText()).isEqualTo(expected.text());
        assertThat(body.get("usage").get("completion_tokens").asInt()).isEqualTo(expected.tokenIds().size());
    }

    @Test
    void chatCompletionStreamsServerSentEvents() throws Exception {
        String req = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":10,\"temperature\":0,\"stream\":true}";
        HttpResponse<String> r = post("/v1/chat/completions", req);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String> events = new ArrayList<>();
        for (String block : r.body().split("\n\n")) {
            if (block.isBlank()) continue;
            assertThat(block).startsWith("data: ");
            events.add(block.substring(6));
        }
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode chunk = JSON.readTree(e);
            assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
            JsonNode choice = chunk.get("choices").get(0);
            if (choice.get("delta").has("content")) text.append(choice.get("delta").get("content").asText());
            if (!choice.get("finish_reason").isNull()) finish = choice.get("finish_reason").asText();
        }
        assertThat(finish).isIn("stop", "length");
        HttpResponse<String> plain = post("/v1/chat/completions", req.replace("\"stream\":true", "\"stream\":false"));
        assertThat(text.toString()).isEqualTo(JSON.readTree(plain.body()).get("choices").get(0).get("message").get("content").asText());
    }

    @Test
    void malformedJsonGets400WithAMessage() throws Exception {
        HttpResponse<String> r = post("/generate", "{\"prompt\": \"unterminated");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("error").get("message").asText()).contains("malformed JSON");
        HttpResponse<String> missing = post("/v1/chat/completions", "{\"messages\": 3}");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(missing.body()).get("error").get("message").asText()).contains("messages");
        HttpResponse<String> badType = post("/generate", "{\"prompt\": \"x\", \"temperature\": \"hot\"}");
        assertThat(badType.statusCode()).isEqualTo(400);
        assertThat(badType.body()).contains("temperature");
    }

    @Test
    void oversizedPromptGets400NamingTheContextLimit() throws Exception {
        String prompt = "a".repeat(400);
        HttpResponse<String> r = post("/generate", "{\"prompt\":\"" + prompt + "\",\"max_tokens\":4}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("error").get("message").asText()).contains("context limit is 128");
    }

    @Test
    void unknownPathAndWrongMethod() throws Exception {
        assertThat(post("/nope", "{}").statusCode()).isEqualTo(404);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/generate"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(405);
    }

    @Test
    void concurrentRequestsAreQueuedAndAllAnswered() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String body = i % 2 == 0
                    ? "{\"prompt\":\"req " + i + "\",\"max_tokens\":12,\"temperature\":0}"
                    : "{\"messages\":[{\"role\":\"user\",\"content\":\"req " + i + "\"}],\"max_tokens\":12,\"temperature\":0,\"stream\":true}";
            String path = i % 2 == 0 ? "/generate" : "/v1/chat/completions";
            futures.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < futures.size(); i++) {
            HttpResponse<String> r = futures.get(i).get();
            assertThat(r.statusCode()).as("request " + i).isEqualTo(200);
            if (i % 2 == 0) {
                var expected = lm.generate(lm.encodePrompt("req " + i), lm.defaultSampling(12).withTemperature(0), null);
                assertThat(JSON.readTree(r.body()).get("response").asText()).isEqualTo(expected.text());
            } else {
                assertThat(r.body()).endsWith("data: [DONE]\n\n");
            }
        }
    }
}
