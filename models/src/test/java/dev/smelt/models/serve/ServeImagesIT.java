package dev.smelt.models.serve;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.chat.ChatMessage;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.core.vision.RgbImage;
import dev.smelt.models.generate.LanguageModel;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OpenAI image_url content parts on {@code smelt serve}'s server (Qwen3.5 with its vision tower, and a text-only model). */
class ServeImagesIT {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir static Path tmp;
    static LanguageModel vision;
    static LanguageModel text;
    static GenerationServer visionServer;
    static GenerationServer textServer;
    static HttpClient http = HttpClient.newHttpClient();
    static byte[] png;
    static Path allowed;

    @BeforeAll
    static void start() throws Exception {
        Path v = tmp.resolve("q35v");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).seed(9).vision(true).build(), v);
        Path t = tmp.resolve("q3");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3).seed(9).build(), t);
        vision = LanguageModel.open(ModelDirectory.open(v), Device.cpu(), DataType.FLOAT32);
        text = LanguageModel.open(ModelDirectory.open(t), Device.cpu(), DataType.FLOAT32);
        visionServer = GenerationServer.start(vision, "v", "127.0.0.1", 0, 2);
        textServer = GenerationServer.start(text, "t", "127.0.0.1", 0, 2);
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) img.setRGB(x, y, (x * 4) << 16 | (y * 4) << 8 | ((x + y) & 0xff));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        png = out.toByteArray();
        allowed = Files.createDirectories(tmp.resolve("images"));
        Files.write(allowed.resolve("a.png"), png);
        Files.write(tmp.resolve("outside.png"), png);
    }

    @AfterAll
    static void stop() {
        visionServer.close();
        textServer.close();
        vision.close();
        text.close();
    }

    static HttpResponse<String> chat(GenerationServer s, String url) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("max_tokens", 5).put("temperature", 0);
        ArrayNode content = body.putArray("messages").addObject().put("role", "user").putArray("content");
        content.addObject().put("type", "image_url").putObject("image_url").put("url", url);
        content.addObject().put("type", "text").put("text", "What is this?");
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String dataUrl(byte[] bytes) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(bytes);
    }

    @Test
    void dataAndAllowedFileUrlsAnswerAsTheLibraryDoes() throws Exception {
        var expected = vision.generate(vision.withImages(vision.encodeChat(List.of(vision.userWithImages("What is this?", 1))),
                List.of(RgbImage.decode(png, "a.png"))), vision.defaultSampling(5).withTemperature(0), null);
        HttpResponse<String> r = chat(visionServer, dataUrl(png));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo(expected.text());
        // 64 x 64 is scaled up to 256 x 256: 64 image tokens in the prompt
        assertThat(body.at("/usage/prompt_tokens").asInt()).isEqualTo(expected.promptTokens());
        assertThat(expected.promptTokens()).isGreaterThan(64);

        visionServer.allowLocalImages(null);
        HttpResponse<String> refused = chat(visionServer, allowed.resolve("a.png").toUri().toString());
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("file: image URLs are refused (start smelt serve with --allow-local-images DIR)");
        visionServer.allowLocalImages(allowed);
        HttpResponse<String> file = chat(visionServer, allowed.resolve("a.png").toUri().toString());
        assertThat(file.statusCode()).as(file.body()).isEqualTo(200);
        assertThat(JSON.readTree(file.body()).at("/choices/0/message/content").asText()).isEqualTo(expected.text());
        HttpResponse<String> outside = chat(visionServer, tmp.resolve("outside.png").toUri().toString());
        assertThat(outside.statusCode()).isEqualTo(400);
        assertThat(outside.body()).contains("is outside the allowed image directory");
    }

    @Test
    void badImagesRemoteUrlsAndTextOnlyModelsAre400() throws Exception {
        HttpResponse<String> remote = chat(visionServer, "https://example.com/cat.png");
        assertThat(remote.statusCode()).isEqualTo(400);
        assertThat(remote.body()).contains("the server fetches no remote images");
        HttpResponse<String> garbage = chat(visionServer, dataUrl("not an image".getBytes()));
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(garbage.body()).contains("messages[0].content[0]: not a readable image");
        HttpResponse<String> notBase64 = chat(visionServer, "data:image/png;base64,@@@");
        assertThat(notBase64.statusCode()).isEqualTo(400);
        assertThat(notBase64.body()).contains("not valid base64");
        HttpResponse<String> textOnly = chat(textServer, dataUrl(png));
        assertThat(textOnly.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(textOnly.body()).at("/error/message").asText())
                .isEqualTo("messages[0].content[0]: this model takes no images (it has no vision tower)");
    }
}
