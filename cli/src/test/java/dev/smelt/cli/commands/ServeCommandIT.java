package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.core.model.Architecture;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code smelt serve} as a real process: binds, answers over HTTP, stops cleanly on SIGTERM. */
class ServeCommandIT {
    @TempDir Path tmp;

    @Test
    void servesUntilTerminated() throws Exception {
        Path model = tmp.resolve("m");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN2).seed(3).build(), model);
        try (ServeProcess serve = ServeProcess.start(model, "1g")) {
            assertThat(serve.startLog).contains("smelt: loaded qwen2");
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(serve.url("/health"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"model\":\"m\"");
            HttpResponse<String> chat = http.send(HttpRequest.newBuilder(URI.create(serve.url("/v1/chat/completions")))
                    .POST(HttpRequest.BodyPublishers.ofString(
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}],\"max_tokens\":4}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
            assertThat(chat.body()).contains("\"object\":\"chat.completion\"");
            // SIGTERM: the shutdown hook stops the server and frees the model
            assertThat(serve.terminate(30)).isTrue();
        }
    }

    @Test
    void sigtermAnswersInFlightAndQueuedRequestsThenExits() throws Exception {
        Path model = tmp.resolve("m2");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3).seed(3).maxPositionEmbeddings(65536).build(), model);
        try (ServeProcess serve = ServeProcess.start(model, "1g")) {
            HttpClient http = HttpClient.newHttpClient();
            // far longer than the grace period (2,000 tokens took under 3 s on a quiet machine): the running request is
            // cut, the queued one never starts
            HttpRequest longRun = HttpRequest.newBuilder(URI.create(serve.url("/generate"))).POST(HttpRequest.BodyPublishers
                    .ofString("{\"prompt\":\"hello\",\"max_new_tokens\":60000,\"temperature\":0}")).build();
            URI health = URI.create(serve.url("/health"));
            var running = http.sendAsync(longRun, HttpResponse.BodyHandlers.ofString());
            awaitHealth(http, health, "\"generating\":true");
            var queued = http.sendAsync(longRun, HttpResponse.BodyHandlers.ofString());
            awaitHealth(http, health, "\"queued\":1");
            serve.process.destroy(); // SIGTERM
            HttpResponse<String> first = running.get(60, TimeUnit.SECONDS);
            HttpResponse<String> second = queued.get(60, TimeUnit.SECONDS);
            assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
            assertThat(first.body()).contains("\"finish_reason\":\"cancelled\"");
            assertThat(second.statusCode()).as(second.body()).isEqualTo(503);
            assertThat(second.body()).contains("shutting down");
            assertThat(serve.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static void awaitHealth(HttpClient http, URI health, String wanted) throws Exception {
        String h = "";
        for (int i = 0; i < 1200 && !h.contains(wanted); i++) {
            h = http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()).body();
            if (!h.contains(wanted)) Thread.sleep(25);
        }
        assertThat(h).contains(wanted);
    }
}
