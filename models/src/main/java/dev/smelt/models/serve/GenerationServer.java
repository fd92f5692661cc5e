package dev.smelt.models.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatMessage;
import dev.smelt.core.chat.ChatTemplateKwargs;
import dev.smelt.core.vision.RgbImage;
import dev.smelt.models.generate.GenerationResult;
import dev.smelt.models.generate.ImagePrompt;
import dev.smelt.models.generate.LanguageModel;
import dev.smelt.models.generate.SamplingOverrides;
import dev.smelt.models.generate.SamplingParams;
import dev.smelt.models.generate.StopStrings;
import dev.smelt.models.generate.TokenStreamer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
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
import java.util.function.Consumer;

/**
 * HTTP front end of a {@link LanguageModel} (JDK HTTP server, no extra dependencies):
 * <ul>
 *   <li>{@code POST /generate} {@code {"prompt", "max_tokens" | "max_new_tokens" | "max_length"?, "temperature"?,
 *       "top_p"?, "top_k"?, "seed"?, "repetition_penalty"?, "stop"?}} → {@code {"response", "finish_reason",
 *       "prompt_tokens", "completion_tokens"}} ({@code max_length} counts the prompt, as in transformers);</li>
 *   <li>{@code POST /v1/chat/completions}, OpenAI-compatible, with {@code "stream": true} as server-sent events,
 *       {@code stop} (text-level: a stop string is never streamed, not even in part) and
 *       {@code chat_template_kwargs} (extra chat template variables, e.g. {@code enable_thinking});</li>
 *   <li>{@code GET /v1/models}, {@code GET /v1/models/{id}}, {@code GET /health}; {@code HEAD} wherever GET works.</li>
 * </ul>
 * Requests are handled on a small thread pool and run on the model one at a time in arrival order (a fair
 * lock), so concurrent clients queue. Errors use OpenAI's body ({@code error.message/type/param/code}): bad JSON,
 * bad or unimplemented fields ({@link RequestFields}), unknown message roles, prompts or {@code max_tokens} over the
 * context limit get 400 naming the field; another model name 404 {@code model_not_found}; a body over 16 MiB 413.
 * <p>
 * A client that goes away is noticed ({@link Heartbeat}): its request leaves the queue without running, or its
 * generation stops within {@code 2 × everyTokens} tokens. A request that waits or generates for longer than
 * {@link Heartbeat#after()} gets its headers (200, chunked) then and insignificant bytes from then on (whitespace
 * ahead of the JSON body, SSE comment lines in a stream); an error after that point (shutdown, a server error)
 * comes as the OpenAI error object in that body.
 */
public final class GenerationServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_BYTES = 16 << 20;
    private static final List<String> ROLES = List.of("system", "user", "assistant", "tool");

    private final LanguageModel lm;
    private final String modelName;
    private final HttpServer server;
    private final ExecutorService pool;
    private final ReentrantLock modelLock = new ReentrantLock(true);
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private volatile boolean draining;
    private final Heartbeat heartbeat;
    private volatile Thread running; // the thread generating right now, cut at the end of a shutdown's grace period
    private volatile int progress; // tokens the running generation has produced so far
    private volatile Consumer<Finished> listener = f -> { };
    private volatile Path localImages; // file: image URLs are read only under this directory (null: refused)

    /**
     * How a request finds out that its client has gone (see {@link ClientLink}): after waiting or generating for
     * {@code after} the response headers go out, then a probe write at least every {@code every} while it waits and
     * every {@code everyTokens} tokens (or {@code every}, whichever comes first) while it generates. The second write
     * after the client closed fails, so a gone client's generation stops within {@code 2 × everyTokens} tokens of
     * the close (once its headers are out) and a queued one leaves within about {@code 2 × every}.
     */
    public record Heartbeat(Duration after, Duration every, int everyTokens) {
        /** Headers after 1 s, then a probe every 250 ms or 16 tokens. */
        public static final Heartbeat DEFAULT = new Heartbeat(Duration.ofSeconds(1), Duration.ofMillis(250), 16);

        public Heartbeat {
            if (after.isNegative() || every.isNegative() || every.isZero() || everyTokens < 1) {
                throw new IllegalArgumentException("heartbeat: after >= 0, every > 0, everyTokens >= 1; got " + after
                        + ", " + every + ", " + everyTokens);
            }
        }
    }

    /**
     * A generation request that reached its end. {@code outcome} is the {@code finish_reason} answered, or
     * {@code "client_gone"} when the client went away first; {@code ran} says whether it reached the model.
     */
    public record Finished(String path, String outcome, boolean ran, int promptTokens, int completionTokens) {}

    /** Outcome of a request whose client went away before it was answered. */
    public static final String CLIENT_GONE = "client_gone";

    private GenerationServer(LanguageModel lm, String modelName, HttpServer server, ExecutorService pool, Heartbeat heartbeat) {
        this.lm = lm;
        this.modelName = modelName;
        this.server = server;
        this.pool = pool;
        this.heartbeat = heartbeat;
    }

    /** Binds {@code host:port} (port 0 picks a free one) and starts serving, with {@link Heartbeat#DEFAULT}. */
    public static GenerationServer start(LanguageModel lm, String modelName, String host, int port, int handlerThreads)
            throws IOException {
        return start(lm, modelName, host, port, handlerThreads, Heartbeat.DEFAULT);
    }

    /** Binds {@code host:port} (port 0 picks a free one) and starts serving. */
    public static GenerationServer start(LanguageModel lm, String modelName, String host, int port, int handlerThreads,
            Heartbeat heartbeat) throws IOException {
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
        GenerationServer s = new GenerationServer(lm, modelName, server, pool, heartbeat);
        server.setExecutor(pool);
        server.createContext("/", s::handle);
        server.start();
        return s;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Called on the handler thread for every generation request that ends (answered, or its client gone). */
    public void onFinished(Consumer<Finished> listener) {
        this.listener = listener == null ? f -> { } : listener;
    }

    /** Tokens the generation running now has produced (0 when none runs). */
    int generatedSoFar() {
        return running == null ? 0 : progress;
    }

    /** Requests waiting for the model right now. */
    public int queued() {
        return waiting.get();
    }

    private void handle(HttpExchange ex) {
        active.incrementAndGet();
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            try {
                if (draining) throw shuttingDown();
                if (path.startsWith("/v1/models/")) {
                    requireMethod(method, "GET");
                    String id = path.substring("/v1/models/".length());
                    if (!id.equals(modelName)) throw modelNotFound(id);
                    sendJson(ex, 200, modelObject());
                    return;
                }
                switch (path) {
                    case "/health" -> {
                        requireMethod(method, "GET");
                        ObjectNode o = JSON.createObjectNode().put("status", "ok").put("model", modelName)
                                .put("context_length", lm.generator().contextLimit()).put("generating", running != null)
                                .put("queued", waiting.get());
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
                        o.putArray("data").add(modelObject());
                        sendJson(ex, 200, o);
                    }
                    default -> sendError(ex, 404, "no such endpoint: " + path
                            + " (endpoints: POST /generate, POST /v1/chat/completions, GET /v1/models, GET /health)",
                            "not_found_error", null, null);
                }
            } catch (BadRequest e) {
                sendError(ex, e.status, e.getMessage(), e.status >= 500 ? "server_error" : "invalid_request_error", e.param,
                        e.code);
            } catch (MethodNotAllowed e) {
                ex.getResponseHeaders().set("Allow", e.getMessage());
                sendError(ex, 405, method + " is not allowed on " + path + " (use " + e.getMessage() + ")", "invalid_request_error",
                        null, null);
            } catch (ClientGone | UncheckedIOException e) {
                // the client went away; nothing left to tell it
            } catch (RuntimeException e) {
                sendError(ex, 500, String.valueOf(e.getMessage()), "server_error", null, null);
            }
        } catch (IOException ignored) {
            // the client closed the connection
        } finally {
            active.decrementAndGet();
        }
    }

    private void generate(HttpExchange ex, JsonNode body) throws IOException {
        RequestFields.check(body, RequestFields.GENERATE);
        checkModel(body);
        String prompt = requireString(body, "prompt");
        long[] ids = lm.encodePrompt(prompt);
        checkPrompt(ids.length);
        SamplingParams params = sampling(body, generateLimit(body, ids.length), ids.length);
        StopStrings stops = stops(body);
        GenerationResult r = runExclusive("/generate", new ClientLink(ex, heartbeat, false), new ImagePrompt(ids, List.of()),
                params, collector(stops));
        ObjectNode o = JSON.createObjectNode().put("response", text(r, stops)).put("finish_reason", r.stopReason().openAiName())
                .put("prompt_tokens", r.promptTokens()).put("completion_tokens", r.tokenIds().size());
        sendJson(ex, 200, o);
    }

    private void chat(HttpExchange ex, JsonNode body) throws IOException {
        RequestFields.check(body, RequestFields.CHAT);
        checkModel(body);
        List<RgbImage> images = new ArrayList<>();
        List<ChatMessage> messages = messages(body, images);
        boolean stream = body.has("stream") && body.get("stream").asBoolean(false);
        ChatTemplateKwargs kwargs = templateKwargs(body);
        ImagePrompt prompt;
        try {
            prompt = lm.withImages(lm.encodeChat(messages, kwargs), images);
        } catch (SmeltException e) {
            throw new BadRequest(e.getMessage(), "messages");
        }
        long[] ids = prompt.ids();
        checkPrompt(ids.length);
        String maxField = body.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        SamplingParams params = sampling(body, limitField(body, maxField), ids.length);
        StopStrings stops = stops(body);
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        if (!stream) {
            GenerationResult r = runExclusive("/v1/chat/completions", new ClientLink(ex, heartbeat, false), prompt, params,
                    collector(stops));
            ObjectNode o = JSON.createObjectNode().put("id", id).put("object", "chat.completion").put("created", created)
                    .put("model", modelName);
            ObjectNode choice = o.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", text(r, stops));
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
        ClientLink link = new ClientLink(ex, heartbeat, true);
        TokenStreamer streamer = new TokenStreamer() {
            @Override
            public void onToken(int token, String piece) {
                send(stops.accept(piece));
            }

            @Override
            public boolean stopRequested() {
                return stops.matched();
            }

            private void send(String text) {
                if (text.isEmpty() || link.gone()) return;
                try {
                    sendEvent(out, chunk(id, created, JSON.createObjectNode().put("content", text), null));
                    link.wrote();
                } catch (IOException e) {
                    link.lost();
                }
            }
        };
        GenerationResult r = runExclusive("/v1/chat/completions", link, prompt, params, streamer);
        String tail = stops.finish();
        if (!tail.isEmpty()) sendEvent(out, chunk(id, created, JSON.createObjectNode().put("content", tail), null));
        ObjectNode last = chunk(id, created, JSON.createObjectNode(), r.stopReason().openAiName());
        usage(last, r);
        sendEvent(out, last);
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /**
     * Runs one generation on the model once it is this request's turn (a fair lock: arrival order), probing the
     * client meanwhile: a gone client's request leaves the queue ({@link ClientGone}) or its generation stops at the
     * next token.
     */
    private GenerationResult runExclusive(String path, ClientLink link, ImagePrompt prompt, SamplingParams params,
            TokenStreamer inner) {
        long[] ids = prompt.ids();
        long pollMillis = Math.max(1, Math.min(50, heartbeat.every().toMillis()));
        waiting.incrementAndGet();
        try {
            while (!modelLock.tryLock(pollMillis, TimeUnit.MILLISECONDS)) {
                if (draining) throw shuttingDown();
                link.waiting();
                if (link.gone()) break;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw shuttingDown();
        } finally {
            waiting.decrementAndGet();
        }
        if (link.gone() && !modelLock.isHeldByCurrentThread()) { // left the queue without the lock
            listener.accept(new Finished(path, CLIENT_GONE, false, ids.length, 0));
            throw new ClientGone();
        }
        try {
            if (draining) throw shuttingDown();
            if (link.gone()) {
                listener.accept(new Finished(path, CLIENT_GONE, false, ids.length, 0));
                throw new ClientGone();
            }
            progress = 0;
            running = Thread.currentThread();
            TokenStreamer watched = new TokenStreamer() {
                @Override
                public void onToken(int token, String piece) {
                    inner.onToken(token, piece);
                    if (token < 0) return;
                    progress++;
                    link.token();
                }

                @Override
                public boolean stopRequested() {
                    return link.gone() || inner.stopRequested();
                }
            };
            GenerationResult r = lm.generate(prompt, params, watched);
            boolean gone = link.gone();
            listener.accept(new Finished(path, gone ? CLIENT_GONE : r.stopReason().openAiName(), true, r.promptTokens(),
                    r.tokenIds().size()));
            if (gone) throw new ClientGone();
            return r;
        } finally {
            running = null;
            Thread.interrupted(); // a cut generation leaves the flag set on a pooled thread
            modelLock.unlock();
        }
    }

    private static BadRequest shuttingDown() {
        return new BadRequest(503, "the server is shutting down; retry elsewhere or later", null, null);
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

    /** The output-length field a /generate request uses: one of max_tokens, max_new_tokens, max_length. */
    private static Limit generateLimit(JsonNode body, int promptTokens) {
        List<String> given = new ArrayList<>();
        for (String f : List.of("max_tokens", "max_new_tokens", "max_length")) if (body.hasNonNull(f)) given.add(f);
        if (given.size() > 1) {
            throw new BadRequest("give one of " + String.join(", ", given) + ", not several", given.get(1));
        }
        if (given.isEmpty()) return new Limit("max_tokens", null);
        Limit l = limitField(body, given.get(0));
        if (!l.field().equals("max_length") || l.value() == null) return l;
        // max_length counts the prompt too (transformers' meaning)
        int fresh = l.value() - promptTokens;
        if (fresh < 1) {
            throw new BadRequest("\"max_length\" is " + l.value() + " but the prompt alone is " + promptTokens
                    + " tokens", "max_length");
        }
        return new Limit("max_length", fresh);
    }

    private record Limit(String field, Integer value) {}

    private static Limit limitField(JsonNode body, String field) {
        Integer v = optInt(body, field);
        if (v != null && v < 1) throw new BadRequest("\"" + field + "\" must be at least 1, got " + v, field);
        return new Limit(field, v);
    }

    private SamplingParams sampling(JsonNode body, Limit limit, int promptTokens) {
        if (limit.value() != null && promptTokens + limit.value() > lm.generator().contextLimit()) {
            throw new BadRequest("\"" + limit.field() + "\": the prompt (" + promptTokens + " tokens) plus "
                    + limit.value() + " new tokens exceeds the model's context limit of " + lm.generator().contextLimit()
                    + " tokens", limit.field());
        }
        Integer seed = optInt(body, "seed");
        SamplingOverrides o = new SamplingOverrides(limit.value(), optDouble(body, "temperature"),
                optDouble(body, "top_p"), optInt(body, "top_k"), optDouble(body, "repetition_penalty"),
                seed == null ? null : seed.longValue());
        try {
            return o.applyTo(lm.defaultSampling(null));
        } catch (SmeltException e) {
            throw new BadRequest(e.getMessage());
        }
    }

    private void checkModel(JsonNode body) {
        JsonNode m = body.get("model");
        if (m == null || m.isNull()) return;
        if (!m.isTextual()) throw new BadRequest("\"model\" must be a string", "model");
        if (!m.asText().equals(modelName)) throw modelNotFound(m.asText());
    }

    private BadRequest modelNotFound(String id) {
        return new BadRequest(404, "The model '" + id + "' does not exist; this server serves '" + modelName + "'",
                "model", "model_not_found");
    }

    private ObjectNode modelObject() {
        return JSON.createObjectNode().put("id", modelName).put("object", "model").put("created", 0).put("owned_by", "smelt");
    }

    private static StopStrings stops(JsonNode body) {
        JsonNode v = body.get("stop");
        List<String> list = new ArrayList<>();
        if (v == null || v.isNull()) return new StopStrings(list);
        if (v.isTextual()) {
            list.add(v.asText());
        } else if (v.isArray()) {
            for (JsonNode s : v) {
                if (!s.isTextual()) throw new BadRequest("\"stop\" must be a string or an array of strings", "stop");
                list.add(s.asText());
            }
        } else {
            throw new BadRequest("\"stop\" must be a string or an array of strings", "stop");
        }
        if (list.contains("")) throw new BadRequest("\"stop\": stop strings must not be empty", "stop");
        return new StopStrings(list);
    }

    /** A streamer that only runs the stop strings (non-streaming requests). */
    private static TokenStreamer collector(StopStrings stops) {
        return new TokenStreamer() {
            @Override
            public void onToken(int token, String piece) {
                stops.accept(piece);
            }

            @Override
            public boolean stopRequested() {
                return stops.matched();
            }
        };
    }

    private static String text(GenerationResult r, StopStrings stops) {
        stops.finish();
        return stops.text();
    }

    private static ChatTemplateKwargs templateKwargs(JsonNode body) {
        JsonNode v = body.get("chat_template_kwargs");
        if (v == null || v.isNull()) return ChatTemplateKwargs.NONE;
        if (!v.isObject()) throw new BadRequest("\"chat_template_kwargs\" must be an object", "chat_template_kwargs");
        Map<String, Object> values = new LinkedHashMap<>();
        v.fields().forEachRemaining(e -> values.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class)));
        return new ChatTemplateKwargs(values);
    }

    /**
     * Lets {@code file:} image URLs read images under {@code dir} (and nowhere else); without it they are refused.
     * {@code data:} URLs are always accepted; remote URLs never are (the server fetches nothing).
     */
    public void allowLocalImages(Path dir) {
        try {
            localImages = dir == null ? null : dir.toRealPath();
        } catch (IOException e) {
            throw new SmeltException(dir + ": cannot use as the local image directory: " + e.getMessage());
        }
    }

    private RgbImage image(int i, int j, JsonNode part) {
        String where = "messages[" + i + "].content[" + j + "]";
        JsonNode u = part.get("image_url");
        String url = u == null ? null : u.isTextual() ? u.asText() : u.path("url").isTextual() ? u.get("url").asText() : null;
        if (url == null) throw new BadRequest(where + ".image_url.url must be a string", "messages");
        if (!lm.acceptsImages()) {
            throw new BadRequest(where + ": this model takes no images (it has no vision tower)", "messages");
        }
        if (url.startsWith("data:")) {
            int comma = url.indexOf(',');
            String meta = comma < 0 ? "" : url.substring(5, comma);
            if (comma < 0 || !meta.endsWith(";base64")) {
                throw new BadRequest(where + ": data URLs must be base64 (data:image/png;base64,...)", "messages");
            }
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(url.substring(comma + 1).replaceAll("\\s", ""));
            } catch (IllegalArgumentException e) {
                throw new BadRequest(where + ": the data URL is not valid base64", "messages");
            }
            return decodeImage(bytes, where);
        }
        if (url.startsWith("file:")) {
            Path root = localImages;
            if (root == null) {
                throw new BadRequest(where + ": file: image URLs are refused (start smelt serve with --allow-local-images DIR)",
                        "messages");
            }
            Path file;
            try {
                file = Path.of(URI.create(url)).toRealPath();
            } catch (IOException | IllegalArgumentException | FileSystemNotFoundException e) {
                throw new BadRequest(where + ": cannot read image " + url, "messages");
            }
            if (!file.startsWith(root)) {
                throw new BadRequest(where + ": " + url + " is outside the allowed image directory", "messages");
            }
            try {
                return decodeImage(Files.readAllBytes(file), where);
            } catch (IOException e) {
                throw new BadRequest(where + ": cannot read image " + url, "messages");
            }
        }
        throw new BadRequest(where + ": only data: URLs (and file: URLs with --allow-local-images) are accepted; "
                + "the server fetches no remote images", "messages");
    }

    private static RgbImage decodeImage(byte[] bytes, String where) {
        try {
            return RgbImage.decode(bytes, where);
        } catch (SmeltException e) {
            throw new BadRequest(e.getMessage(), "messages");
        }
    }

    private List<ChatMessage> messages(JsonNode body, List<RgbImage> images) {
        JsonNode arr = body.get("messages");
        if (arr == null || !arr.isArray() || arr.isEmpty()) throw new BadRequest("\"messages\" must be a non-empty array");
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            JsonNode m = arr.get(i);
            if (!m.isObject()) throw new BadRequest("messages[" + i + "] must be an object");
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual()) throw new BadRequest("messages[" + i + "].role must be a string", "messages");
            if (!ROLES.contains(role.asText())) {
                throw new BadRequest("messages[" + i + "].role: unknown role \"" + role.asText() + "\" (expected one of "
                        + String.join(", ", ROLES) + ")", "messages");
            }
            JsonNode content = m.get("content");
            String text;
            if (content == null || content.isNull()) {
                text = null;
            } else if (content.isTextual()) {
                text = content.asText();
            } else if (content.isArray()) {
                StringBuilder sb = new StringBuilder();
                int j = 0;
                for (JsonNode part : content) {
                    String type = part.path("type").asText();
                    if (type.equals("image_url")) {
                        images.add(image(i, j, part));
                        sb.append(lm.imagePlaceholder());
                    } else if (type.equals("text") && part.path("text").isTextual()) {
                        sb.append(part.get("text").asText());
                    } else {
                        throw new BadRequest("messages[" + i + "].content[" + j + "]: only {\"type\": \"text\"} and "
                                + "{\"type\": \"image_url\"} parts are supported");
                    }
                    j++;
                }
                text = sb.toString();
            } else {
                throw new BadRequest("messages[" + i + "].content must be a string or an array of text / image_url parts");
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
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null && declared.matches("\\d{1,18}") && Long.parseLong(declared) > MAX_BODY_BYTES) {
            discardBody(ex);
            throw new BadRequest(413, "request body is " + declared + " bytes, more than " + MAX_BODY_BYTES, null, null);
        }
        byte[] bytes = ex.getRequestBody().readNBytes(MAX_BODY_BYTES + 1);
        if (bytes.length > MAX_BODY_BYTES) {
            discardBody(ex);
            throw new BadRequest(413, "request body is larger than " + MAX_BODY_BYTES + " bytes", null, null);
        }
        JsonNode n;
        try {
            n = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new BadRequest("malformed JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) throw new BadRequest("the request body must be a JSON object");
        return n;
    }

    /**
     * Reads what is left of an oversize body (up to a bound) before answering 413: a server that answers while the
     * client is still sending resets the connection, and the client sees that instead of the status.
     */
    private static void discardBody(HttpExchange ex) throws IOException {
        var in = ex.getRequestBody();
        long left = 8L * MAX_BODY_BYTES;
        byte[] buf = new byte[1 << 16];
        for (int n; left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0; ) left -= n;
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
        if (method.equalsIgnoreCase(expected)) return;
        if (expected.equals("GET") && method.equalsIgnoreCase("HEAD")) return;
        throw new MethodNotAllowed(expected.equals("GET") ? "GET, HEAD" : expected);
    }

    /** Answers {@code body}; when the headers are already out (a long request, see {@link ClientLink}) it is the body. */
    private static void sendJson(HttpExchange ex, int status, ObjectNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        if (ex.getResponseCode() != -1) {
            boolean stream = String.valueOf(ex.getResponseHeaders().getFirst("Content-Type")).startsWith("text/event-stream");
            if (stream) bytes = ("data: " + new String(bytes, StandardCharsets.UTF_8) + "\n\n").getBytes(StandardCharsets.UTF_8);
            ex.getResponseBody().write(bytes);
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "application/json");
        if (ex.getRequestMethod().equalsIgnoreCase("HEAD")) {
            ex.getResponseHeaders().set("Content-Length", String.valueOf(bytes.length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static void sendError(HttpExchange ex, int status, String message, String type, String param, String code)
            throws IOException {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode e = o.putObject("error").put("message", message).put("type", type);
        if (param == null) e.putNull("param");
        else e.put("param", param);
        if (code == null) e.putNull("code");
        else e.put("code", code);
        sendJson(ex, status, o);
    }

    /**
     * Stops taking requests (new ones are answered 503 until the listener closes); requests still waiting for the model are answered 503, the one generating may
     * finish for up to {@code graceSeconds} and is then cut (it answers with what it has, {@code finish_reason}
     * {@code "cancelled"}). Returns once every exchange has been answered, or a few seconds after the grace period.
     */
    public void stop(int graceSeconds) {
        draining = true;
        Thread cutter = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.SECONDS.toMillis(graceSeconds));
            } catch (InterruptedException e) {
                return;
            }
            Thread r = running;
            if (r != null) r.interrupt();
        }, "smelt-serve-grace");
        cutter.setDaemon(true);
        cutter.start();
        long latest = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds + 3L);
        try {
            while (active.get() > 0 && System.nanoTime() < latest) Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cutter.interrupt();
        server.stop(0);
        pool.shutdown();
        try {
            pool.awaitTermination(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(1);
    }

    /** The client went away before its answer; nothing is sent. */
    private static final class ClientGone extends RuntimeException {
        ClientGone() {
            super("client gone", null, false, false);
        }
    }

    private static final class MethodNotAllowed extends RuntimeException {
        MethodNotAllowed(String allowed) {
            super(allowed);
        }
    }

}
