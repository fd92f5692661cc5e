package dev.smelt.models.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatMessage;
import dev.smelt.models.generate.GenerationResult;
import dev.smelt.models.generate.LanguageModel;
import dev.smelt.models.generate.SamplingOverrides;
import dev.smelt.models.generate.SamplingParams;
import dev.smelt.models.generate.TokenStreamer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * HTTP front end of a {@link LanguageModel} (JDK HTTP server, no extra dependencies):
 * <ul>
 *   <li>{@code POST /generate} {@code {"prompt", "max_tokens"?, "temperature"?, "top_p"?, "top_k"?, "seed"?}}
 *       → {@code {"response", "tokens", "finish_reason"}};</li>
 *   <li>{@code POST /v1/chat/completions}, OpenAI-compatible, with {@code "stream": true} as server-sent events;</li>
 *   <li>{@code GET /health} → {@code {"status": "ok", ...}}.</li>
 * </ul>
 * Requests are handled on a small thread pool and run on the model one at a time in arrival order (a fair
 * lock), so concurrent clients queue. Bad JSON, bad fields and prompts over the context limit get 400.
 */
public final class GenerationServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_BYTES = 16 << 20;

    private final LanguageModel lm;
    private final String modelName;
    private final HttpServer server;
    private final ExecutorService pool;
    private final ReentrantLock modelLock = new ReentrantLock(true);
    private final AtomicInteger waiting = new AtomicInteger();

    private GenerationServer(LanguageModel lm, String modelName, HttpServer server, ExecutorService pool) {
        this.lm = lm;
        this.modelName = modelName;
        this.server = server;
        this.pool = pool;
    }

    /** Binds {@code host:port} (port 0 picks a free one) and starts serving. */
    public static GenerationServer start(LanguageModel lm, String modelName, String host, int port, int handlerThreads)
            throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 64);
        } catch (BindException e) {
            throw new SmeltException(host + ":" + port + ": cannot listen (" + e.getMessage() + ")");
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, handlerThreads), r -> {
            Thread t = new Thread(r, "smelt-serve");
            t.setDaemon(true);
            return t;
        });
        GenerationServer s = new GenerationServer(lm, modelName, server, pool);
        server.setExecutor(pool);
        server.createContext("/", s::handle);
        server.start();
        return s;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Requests waiting for the model right now. */
    public int queued() {
        return waiting.get();
    }

    private void handle(HttpExchange ex) {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            try {
                switch (path) {
                    case "/health" -> {
                        requireMethod(method, "GET");
                        ObjectNode o = JSON.createObjectNode().put("status", "ok").put("model", modelName)
                                .put("context_length", lm.generator().contextLimit()).put("queued", waiting.get());
                        sendJson(ex, 200, o);
                    }
                    case "/generate" -> {
                        requireMethod(method, "POST");
                        generate(ex, readJson(ex));
                    }
                    case "/v1/chat/completions" -> {
                        requireMethod(method, "POST");
                        chat(ex, readJson(ex));
                    }
                    case "/v1/models" -> {
                        requireMethod(method, "GET");
                        ObjectNode o = JSON.createObjectNode().put("object", "list");
                        o.putArray("data").addObject().put("id", modelName).put("object", "model").put("owned_by", "smelt");
                        sendJson(ex, 200, o);
                    }
                    default -> sendError(ex, 404, "no such endpoint: " + path
                            + " (endpoints: POST /generate, POST /v1/chat/completions, GET /health)", "not_found_error");
                }
            } catch (BadRequest e) {
                sendError(ex, 400, e.getMessage(), "invalid_request_error");
            } catch (MethodNotAllowed e) {
                ex.getResponseHeaders().set("Allow", e.getMessage());
                sendError(ex, 405, method + " is not allowed on " + path + " (use " + e.getMessage() + ")", "invalid_request_error");
            } catch (UncheckedIOException e) {
                // the client went away mid-stream; nothing left to tell it
            } catch (RuntimeException e) {
                if (ex.getResponseCode() == -1) sendError(ex, 500, String.valueOf(e.getMessage()), "server_error");
            }
        } catch (IOException ignored) {
            // the client closed the connection
        }
    }

    private void generate(HttpExchange ex, JsonNode body) throws IOException {
        String prompt = requireString(body, "prompt");
        SamplingParams params = sampling(body, "max_tokens");
        long[] ids = lm.encodePrompt(prompt);
        checkPrompt(ids.length);
        GenerationResult r = runExclusive(() -> lm.generate(ids, params, null));
        ObjectNode o = JSON.createObjectNode().put("response", r.text()).put("finish_reason", r.stopReason().openAiName())
                .put("prompt_tokens", r.promptTokens()).put("completion_tokens", r.tokenIds().size());
        sendJson(ex, 200, o);
    }

    private void chat(HttpExchange ex, JsonNode body) throws IOException {
        List<ChatMessage> messages = messages(body);
        Integer choices = optInt(body, "n");
        if (choices != null && choices != 1) throw new BadRequest("\"n\": only 1 choice per request is supported");
        SamplingParams params = sampling(body, body.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens");
        boolean stream = body.has("stream") && body.get("stream").asBoolean(false);
        long[] ids;
        try {
            ids = lm.encodeChat(messages);
        } catch (SmeltException e) {
            throw new BadRequest(e.getMessage());
        }
        checkPrompt(ids.length);
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        if (!stream) {
            GenerationResult r = runExclusive(() -> lm.generate(ids, params, null));
            ObjectNode o = JSON.createObjectNode().put("id", id).put("object", "chat.completion").put("created", created)
                    .put("model", modelName);
            ObjectNode choice = o.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", r.text());
            choice.put("finish_reason", r.stopReason().openAiName());
            usage(o, r);
            sendJson(ex, 200, o);
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        sendEvent(out, chunk(id, created, JSON.createObjectNode().put("role", "assistant").put("content", ""), null));
        TokenStreamer streamer = (token, text) -> {
            if (text.isEmpty()) return;
            try {
                sendEvent(out, chunk(id, created, JSON.createObjectNode().put("content", text), null));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        GenerationResult r = runExclusive(() -> lm.generate(ids, params, streamer));
        ObjectNode last = chunk(id, created, JSON.createObjectNode(), r.stopReason().openAiName());
        usage(last, r);
        sendEvent(out, last);
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private GenerationResult runExclusive(Supplier<GenerationResult> work) {
        waiting.incrementAndGet();
        modelLock.lock();
        try {
            waiting.decrementAndGet();
            return work.get();
        } finally {
            modelLock.unlock();
        }
    }

    private ObjectNode chunk(String id, long created, ObjectNode delta, String finishReason) {
        ObjectNode o = JSON.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created)
                .put("model", modelName);
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        if (finishReason == null) choice.putNull("finish_reason");
        else choice.put("finish_reason", finishReason);
        return o;
    }

    private static void usage(ObjectNode o, GenerationResult r) {
        o.putObject("usage").put("prompt_tokens", r.promptTokens()).put("completion_tokens", r.tokenIds().size())
                .put("total_tokens", r.promptTokens() + r.tokenIds().size());
    }

    private static void sendEvent(OutputStream out, ObjectNode o) throws IOException {
        out.write(("data: " + JSON.writeValueAsString(o) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void checkPrompt(int tokens) {
        try {
            lm.generator().checkPromptLength(tokens);
        } catch (SmeltException e) {
            throw new BadRequest(e.getMessage());
        }
    }

    private SamplingParams sampling(JsonNode body, String maxField) {
        Integer seed = optInt(body, "seed");
        SamplingOverrides o = new SamplingOverrides(optInt(body, maxField), optDouble(body, "temperature"),
                optDouble(body, "top_p"), optInt(body, "top_k"), optDouble(body, "repetition_penalty"),
                seed == null ? null : seed.longValue());
        try {
            return o.applyTo(lm.defaultSampling(null));
        } catch (SmeltException e) {
            throw new BadRequest(e.getMessage());
        }
    }

    private static List<ChatMessage> messages(JsonNode body) {
        JsonNode arr = body.get("messages");
        if (arr == null || !arr.isArray() || arr.isEmpty()) throw new BadRequest("\"messages\" must be a non-empty array");
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            JsonNode m = arr.get(i);
            if (!m.isObject()) throw new BadRequest("messages[" + i + "] must be an object");
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual()) throw new BadRequest("messages[" + i + "].role must be a string");
            JsonNode content = m.get("content");
            String text;
            if (content == null || content.isNull()) {
                text = null;
            } else if (content.isTextual()) {
                text = content.asText();
            } else if (content.isArray()) {
                StringBuilder sb = new StringBuilder();
                for (JsonNode part : content) {
                    if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                        throw new BadRequest("messages[" + i + "].content: only {\"type\": \"text\"} parts are supported");
                    }
                    sb.append(part.get("text").asText());
                }
                text = sb.toString();
            } else {
                throw new BadRequest("messages[" + i + "].content must be a string or an array of text parts");
            }
            Map<String, Object> extra = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = m.fields();
            while (it.hasNext()) {
                var e = it.next();
                if (e.getKey().equals("role") || e.getKey().equals("content")) continue;
                extra.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class));
            }
            out.add(new ChatMessage(role.asText(), text, extra));
        }
        return out;
    }

    private static JsonNode readJson(HttpExchange ex) throws IOException {
        byte[] bytes = ex.getRequestBody().readNBytes(MAX_BODY_BYTES + 1);
        if (bytes.length > MAX_BODY_BYTES) throw new BadRequest("request body is larger than " + MAX_BODY_BYTES + " bytes");
        JsonNode n;
        try {
            n = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new BadRequest("malformed JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) throw new BadRequest("the request body must be a JSON object");
        return n;
    }

    private static String requireString(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual()) throw new BadRequest("\"" + field + "\" must be a string");
        return v.asText();
    }

    private static Integer optInt(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new BadRequest("\"" + field + "\" must be an integer, got " + v);
        return v.asInt();
    }

    private static Double optDouble(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber()) throw new BadRequest("\"" + field + "\" must be a number, got " + v);
        return v.asDouble();
    }

    private static void requireMethod(String method, String expected) {
        if (!method.equalsIgnoreCase(expected)) throw new MethodNotAllowed(expected);
    }

    private static void sendJson(HttpExchange ex, int status, ObjectNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static void sendError(HttpExchange ex, int status, String message, String type) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.putObject("error").put("message", message).put("type", type).put("code", status);
        sendJson(ex, status, o);
    }

    /** Stops accepting requests, lets running ones finish for up to {@code graceSeconds}. */
    public void stop(int graceSeconds) {
        server.stop(graceSeconds);
        pool.shutdown();
        try {
            pool.awaitTermination(graceSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(1);
    }

    private static final class MethodNotAllowed extends RuntimeException {
        MethodNotAllowed(String allowed) {
            super(allowed);
        }
    }

}
