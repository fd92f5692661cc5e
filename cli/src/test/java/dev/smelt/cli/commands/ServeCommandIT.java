package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.core.model.Architecture;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code smelt serve} as a real process: binds, answers over HTTP, stops cleanly on SIGTERM. */
class ServeCommandIT {
    @TempDir Path tmp;

    @Test
    void servesUntilTerminated() throws Exception {
        Path model = tmp.resolve("m");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN2).seed(3).build(), model);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-Xmx1g", "-Dai.djl.offline=true", "-cp",
                System.getProperty("java.class.path"), "dev.smelt.cli.Smelt", "serve", "--model", model.toString(),
                "--port", "0", "--threads", "1")).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Pattern listening = Pattern.compile("on http://127\\.0\\.0\\.1:(\\d+) ");
            int port = -1;
            StringBuilder log = new StringBuilder();
            for (String line; port < 0 && (line = out.readLine()) != null; ) {
                log.append(line).append('\n');
                Matcher m = listening.matcher(line);
                if (m.find()) port = Integer.parseInt(m.group(1));
            }
            assertThat(port).as(log.toString()).isPositive();
            assertThat(log.toString()).contains("smelt: loaded qwen2");

            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"model\":\"m\"");
            HttpResponse<String> chat = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}],\"max_tokens\":4}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
            assertThat(chat.body()).contains("\"object\":\"chat.completion\"");

            p.destroy(); // SIGTERM: the shutdown hook stops the server and frees the model
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void sigtermAnswersInFlightAndQueuedRequestsThenExits() throws Exception {
        Path model = tmp.resolve("m2");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3).seed(3).maxPositionEmbeddings(65536).build(), model);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-Xmx1g", "-Dai.djl.offline=true", "-cp",
                System.getProperty("java.class.path"), "dev.smelt.cli.Smelt", "serve", "--model", model.toString(),
                "--port", "0", "--threads", "1")).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Pattern listening = Pattern.compile("on http://127\\.0\\.0\\.1:(\\d+) ");
            int port = -1;
            for (String line; port < 0 && (line = out.readLine()) != null; ) {
                Matcher m = listening.matcher(line);
                if (m.find()) port = Integer.parseInt(m.group(1));
            }
            assertThat(port).isPositive();
            Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
            drain.setDaemon(true);
            drain.start();
            HttpClient http = HttpClient.newHttpClient();
            URI generate = URI.create("http://127.0.0.1:" + port + "/generate");
            // far longer than the grace period (2,000 tokens took under 3 s on a quiet machine): the running request is
            // cut, the queued one never starts
            HttpRequest longRun = HttpRequest.newBuilder(generate).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"prompt\":\"hello\",\"max_new_tokens\":60000,\"temperature\":0}")).build();
            URI health = URI.create("http://127.0.0.1:" + port + "/health");
            var running = http.sendAsync(longRun, HttpResponse.BodyHandlers.ofString());
            awaitHealth(http, health, "\"generating\":true");
            var queued = http.sendAsync(longRun, HttpResponse.BodyHandlers.ofString());
            awaitHealth(http, health, "\"queued\":1");
            p.destroy(); // SIGTERM
            HttpResponse<String> first = running.get(60, TimeUnit.SECONDS);
            HttpResponse<String> second = queued.get(60, TimeUnit.SECONDS);
            assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
            assertThat(first.body()).contains("\"finish_reason\":\"cancelled\"");
            assertThat(second.statusCode()).as(second.body()).isEqualTo(503);
            assertThat(second.body()).contains("shutting down");
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
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
