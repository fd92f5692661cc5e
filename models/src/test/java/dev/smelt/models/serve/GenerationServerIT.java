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
            if (block.isBlank() || block.startsWith(":")) continue; // SSE comments: the server's liveness probes
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

    static HttpResponse<String> send(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).get("error");
    }

    @Test
    void generateAcceptsMaxNewTokensAndMaxLength() throws Exception {
        long[] ids = lm.encodePrompt("Hello");
        var expected = lm.generate(ids, lm.defaultSampling(5).withTemperature(0), null);
        JsonNode a = JSON.readTree(post("/generate", "{\"prompt\":\"Hello\",\"max_new_tokens\":5,\"temperature\":0}").body());
        assertThat(a.get("completion_tokens").asInt()).isEqualTo(expected.tokenIds().size());
        assertThat(a.get("response").asText()).isEqualTo(expected.text());
        String body = "{\"prompt\":\"Hello\",\"max_length\":" + (ids.length + 5) + ",\"temperature\":0}";
        JsonNode b = JSON.readTree(post("/generate", body).body());
        assertThat(b.get("completion_tokens").asInt()).isEqualTo(expected.tokenIds().size());
        HttpResponse<String> both = post("/generate", "{\"prompt\":\"Hello\",\"max_tokens\":5,\"max_new_tokens\":6}");
        assertThat(both.statusCode()).isEqualTo(400);
        assertThat(error(both).get("param").asText()).isEqualTo("max_new_tokens");
    }

    @Test
    void stopStringsEndGenerationInBothApis() throws Exception {
        var full = lm.generate(lm.encodePrompt("Hello"), lm.defaultSampling(16).withTemperature(0), null).text();
        assertThat(full.length()).isGreaterThan(6);
        String stop = full.substring(4, 6);
        String before = full.substring(0, full.indexOf(stop));
        String stopJson = JSON.writeValueAsString(stop);
        JsonNode g = JSON.readTree(post("/generate",
                "{\"prompt\":\"Hello\",\"max_tokens\":16,\"temperature\":0,\"stop\":[" + stopJson + "]}").body());
        assertThat(g.get("response").asText()).isEqualTo(before);
        assertThat(g.get("finish_reason").asText()).isEqualTo("stop");

        var chatFull = lm.generate(lm.encodeChat(List.of(ChatMessage.user("hi"))), lm.defaultSampling(16).withTemperature(0), null)
                .text();
        String chatStop = chatFull.substring(3, 5);
        String chatBefore = chatFull.substring(0, chatFull.indexOf(chatStop));
        String req = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":16,\"temperature\":0,"
                + "\"stop\":" + JSON.writeValueAsString(chatStop) + ",\"stream\":true}";
        StringBuilder streamed = new StringBuilder();
        String finish = null;
        for (String block : post("/v1/chat/completions", req).body().split("\n\n")) {
            if (block.isBlank() || block.startsWith(":") || block.equals("data: [DONE]")) continue;
            JsonNode choice = JSON.readTree(block.substring(6)).get("choices").get(0);
            if (choice.get("delta").has("content")) streamed.append(choice.get("delta").get("content").asText());
            if (!choice.get("finish_reason").isNull()) finish = choice.get("finish_reason").asText();
        }
        assertThat(streamed.toString()).isEqualTo(chatBefore);
        assertThat(finish).isEqualTo("stop");
        JsonNode plain = JSON.readTree(post("/v1/chat/completions", req.replace("\"stream\":true", "\"stream\":false")).body());
        assertThat(plain.get("choices").get(0).get("message").get("content").asText()).isEqualTo(chatBefore);
    }

    @Test
    void unknownRolesAndUnimplementedFieldsAre400NamingTheField() throws Exception {
        HttpResponse<String> role = post("/v1/chat/completions", "{\"messages\":[{\"role\":\"narrator\",\"content\":\"x\"}]}");
        assertThat(role.statusCode()).isEqualTo(400);
        assertThat(error(role).get("message").asText()).contains("narrator");
        assertThat(error(role).get("param").asText()).isEqualTo("messages");
        String msgs = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        for (String field : List.of("\"tools\":[]", "\"response_format\":{\"type\":\"json_object\"}", "\"logprobs\":true",
                "\"n\":2", "\"frequency_penalty\":0.5")) {
            HttpResponse<String> r = post("/v1/chat/completions", "{" + msgs + "," + field + ",\"max_tokens\":2}");
            assertThat(r.statusCode()).as(field).isEqualTo(400);
            assertThat(error(r).get("type").asText()).isEqualTo("invalid_request_error");
            assertThat(field).startsWith("\"" + error(r).get("param").asText() + "\"");
        }
        assertThat(post("/v1/chat/completions", "{" + msgs + ",\"n\":1,\"logprobs\":false,\"max_tokens\":2}").statusCode())
                .isEqualTo(200);
        HttpResponse<String> gen = post("/generate", "{\"prompt\":\"x\",\"best_of\":3}");
        assertThat(gen.statusCode()).isEqualTo(400);
        assertThat(error(gen).get("param").asText()).isEqualTo("best_of");
    }

    @Test
    void chatTemplateKwargsReachTheTemplate() throws Exception {
        var messages = List.of(ChatMessage.user("hi"));
        int plain = lm.encodeChat(messages).length;
        int noThinking = lm.encodeChat(messages,
                dev.smelt.core.chat.ChatTemplateKwargs.of("enable_thinking", false)).length;
        assertThat(noThinking).isGreaterThan(plain);
        JsonNode r = JSON.readTree(post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"max_tokens\":1,\"chat_template_kwargs\":{\"enable_thinking\":false}}").body());
        assertThat(r.get("usage").get("prompt_tokens").asInt()).isEqualTo(noThinking);
    }

    @Test
    void anotherModelNameIs404AndModelsAnswerForTheServedId() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions",
                "{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(error(r).get("code").asText()).isEqualTo("model_not_found");
        assertThat(post("/generate", "{\"model\":\"other\",\"prompt\":\"x\"}").statusCode()).isEqualTo(404);
        HttpResponse<String> one = send("GET", "/v1/models/tiny");
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(one.body()).get("id").asText()).isEqualTo("tiny");
        assertThat(error(send("GET", "/v1/models/nope")).get("code").asText()).isEqualTo("model_not_found");
    }

    @Test
    void statusCodes() throws Exception {
        HttpResponse<String> over = post("/generate", "{\"prompt\":\"Hello\",\"max_tokens\":500}");
        assertThat(over.statusCode()).isEqualTo(400);
        assertThat(error(over).get("param").asText()).isEqualTo("max_tokens");
        assertThat(error(over).get("message").asText()).contains("context limit of 128");
        for (String path : List.of("/health", "/v1/models", "/v1/models/tiny")) {
            HttpResponse<String> head = send("HEAD", path);
            assertThat(head.statusCode()).as(path).isEqualTo(200);
            assertThat(head.body()).isEmpty();
        }
        HttpResponse<String> big = post("/generate", "{\"prompt\":\"" + "a".repeat(17 << 20) + "\"}");
        assertThat(big.statusCode()).isEqualTo(413);
    }
}
