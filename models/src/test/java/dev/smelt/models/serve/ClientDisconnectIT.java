package dev.smelt.models.serve;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.models.TestModels;
import dev.smelt.models.generate.LanguageModel;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that hang up: raw sockets send a request and close the connection, and the server (default
 * {@link GenerationServer.Heartbeat}) must drop a queued request without running it (plain or streaming), stop a running generation
 * within {@code 2 × everyTokens} tokens of the close (streaming or not), and serve the next client.
 */
class ClientDisconnectIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int LONG = 4000;
    static final int BOUND = 2 * GenerationServer.Heartbeat.DEFAULT.everyTokens() + 1;
    @TempDir static Path tmp;
    static LanguageModel lm;
    static GenerationServer server;
    static final BlockingQueue<GenerationServer.Finished> finished = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        DenseConfig t = TestModels.textConfig(Architecture.LLAMA);
        DenseConfig c = new DenseConfig(t.architecture(), t.vocabSize(), t.hiddenSize(), t.intermediateSize(), t.numLayers(),
                t.numHeads(), t.numKvHeads(), t.headDim(), t.rmsNormEps(), t.ropeTheta(), null, LONG + 64, true,
                t.qkvBias(), false, false, 256, List.of(257));
        Path dir = TestModels.write(tmp.resolve("m"), c, 21);
        TestModels.writeTokenizer(dir);
        lm = LanguageModel.open(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32);
        server = GenerationServer.start(lm, "tiny", "127.0.0.1", 0, 4);
        server.onFinished(finished::add);
    }

    @AfterAll
    static void stop() {
        server.close();
        lm.close();
    }

    @Test
    void goneClientsAreDroppedFromTheQueueAndCutWhileGenerating() throws Exception {
        finished.clear();
        // A: a long non-streaming generation from a client that will hang up mid-way
        Socket a = send("/generate", "{\"prompt\":\"Hello\",\"max_tokens\":" + LONG + ",\"temperature\":0}");
        awaitUntil(() -> server.generatedSoFar() > 0, "A generating");
        // B: queued behind A, hangs up while waiting
        Socket b = send("/generate", "{\"prompt\":\"queued\",\"max_tokens\":8,\"temperature\":0}");
        awaitUntil(() -> server.queued() == 1, "B queued");
        assertThat(statusLine(b)).isEqualTo("HTTP/1.1 200 OK"); // its headers went out after Heartbeat.after
        b.close();
        GenerationServer.Finished gb = finished.poll(30, TimeUnit.SECONDS);
        assertThat(gb).as("B's request ends while A still runs").isNotNull();
        assertThat(gb.outcome()).isEqualTo(GenerationServer.CLIENT_GONE);
        assertThat(gb.ran()).as("the queued request never reached the model").isFalse();
        assertThat(gb.completionTokens()).isZero();
        assertThat(server.queued()).isZero();
        // S: a stream queued behind A (its headers are out at once), hangs up while waiting
        Socket s = send("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":8,"
                + "\"stream\":true}");
        assertThat(statusLine(s)).isEqualTo("HTTP/1.1 200 OK");
        awaitUntil(() -> server.queued() == 1, "S queued");
        s.close();
        GenerationServer.Finished gs = finished.poll(30, TimeUnit.SECONDS);
        assertThat(gs).isNotNull();
        assertThat(gs.path()).isEqualTo("/v1/chat/completions");
        assertThat(gs.outcome()).isEqualTo(GenerationServer.CLIENT_GONE);
        assertThat(gs.ran()).isFalse();
        assertThat(server.queued()).isZero();
        assertThat(server.generatedSoFar()).as("A is still generating").isPositive();

        assertThat(statusLine(a)).isEqualTo("HTTP/1.1 200 OK");
        int before = server.generatedSoFar();
        a.close();
        GenerationServer.Finished ga = finished.poll(30, TimeUnit.SECONDS);
        assertThat(ga).isNotNull();
        assertThat(ga.outcome()).isEqualTo(GenerationServer.CLIENT_GONE);
        assertThat(ga.ran()).isTrue();
        assertThat(ga.completionTokens() - before).as("tokens after the close (%d at the close)", before)
                .isLessThanOrEqualTo(BOUND);
        assertThat(ga.completionTokens()).isLessThan(LONG);

        // the next client is served at once
        HttpResponse<String> c = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/generate")).POST(HttpRequest.BodyPublishers.ofString(
                "{\"prompt\":\"next\",\"max_tokens\":4,\"temperature\":0}")).timeout(java.time.Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(c.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(c.body()).get("completion_tokens").asInt()).isEqualTo(4);
        assertThat(finished.poll(5, TimeUnit.SECONDS).outcome()).isEqualTo("length");
    }

    @Test
    void aStreamStopsWhenItsClientHangsUp() throws Exception {
        finished.clear();
        Socket s = send("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":" + LONG
                + ",\"temperature\":0,\"stream\":true}");
        assertThat(statusLine(s)).isEqualTo("HTTP/1.1 200 OK");
        awaitUntil(() -> server.generatedSoFar() > 50, "streaming");
        int before = server.generatedSoFar();
        s.close();
        GenerationServer.Finished f = finished.poll(30, TimeUnit.SECONDS);
        assertThat(f).isNotNull();
        assertThat(f.outcome()).isEqualTo(GenerationServer.CLIENT_GONE);
        assertThat(f.completionTokens() - before).as("tokens after the close (%d at the close)", before)
                .isLessThanOrEqualTo(BOUND);
        assertThat(f.completionTokens()).isLessThan(LONG);
    }

    @Test
    void aLongRequestWhoseClientStaysGetsValidJson() throws Exception {
        finished.clear();
        // longer than Heartbeat.after: headers early, whitespace ahead of the body, still one JSON document
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/generate")).POST(HttpRequest.BodyPublishers.ofString(
                "{\"prompt\":\"Hello\",\"max_tokens\":1500,\"temperature\":0}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        GenerationServer.Finished f = finished.poll(5, TimeUnit.SECONDS);
        assertThat(JSON.readTree(r.body()).get("completion_tokens").asInt()).isEqualTo(f.completionTokens());
        assertThat(f.outcome()).isIn("length", "stop");
    }

    /** Sends a request on a raw connection and leaves it open. */
    static Socket send(String path, String body) throws Exception {
        Socket s = new Socket("127.0.0.1", server.port());
        s.setSoTimeout(30_000);
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
        return s;
    }

    static String statusLine(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != -1 && c != '\n'; ) if (c != '\r') line.write(c);
        return line.toString(StandardCharsets.US_ASCII);
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    static void awaitUntil(Condition c, String what) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!c.holds()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(end);
            Thread.sleep(5);
        }
    }
}
