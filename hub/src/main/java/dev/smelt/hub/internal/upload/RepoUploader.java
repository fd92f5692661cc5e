package dev.smelt.hub.internal.upload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.SmeltException;
import dev.smelt.hub.CommitResult;
import dev.smelt.hub.HubHttpException;
import dev.smelt.hub.PushRequest;
import dev.smelt.hub.RepoType;
import dev.smelt.hub.TransferProgress;
import dev.smelt.hub.internal.RepoPaths;
import dev.smelt.hub.internal.http.HubHttp;
import dev.smelt.hub.internal.http.RequestTarget;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Pushes a folder the way huggingface_hub's {@code upload_folder} / {@code create_commit} does:
 * {@code POST /api/repos/create} (optional), {@code POST /api/{type}s/{repo}/preupload/{rev}} to learn which
 * files go through LFS and which are unchanged, the LFS batch API ({@code {repo}.git/info/lfs/objects/batch},
 * then PUT — single or multipart — and verify) for objects the Hub does not have yet, and finally one NDJSON
 * commit ({@code POST /api/{type}s/{repo}/commit/{rev}}) with small files inline (base64) and LFS pointers.
 */
public final class RepoUploader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 256;
    private static final String LFS_JSON = "application/vnd.git-lfs+json";

    private final HubHttp http;
    private final TransferProgress progress;
    private final int workers;

    public RepoUploader(HubHttp http, TransferProgress progress, int workers) {
        this.http = http;
        this.progress = progress;
        this.workers = Math.max(1, workers);
    }

    public CommitResult push(PushRequest req) throws IOException {
        http.ensureOnline(http.settings().endpoint());
        RequestTarget target = RequestTarget.repo(req.type(), req.repo()).at(req.revision());
        List<Path> paths = LocalFile.scan(req.folder());
        if (paths.isEmpty()) throw new SmeltException("nothing to push: " + req.folder() + " contains no files");
        if (req.create()) createRepo(req, target);
        List<LocalFile> files = parallel(paths, p -> LocalFile.hash(req.folder(), p));

        Map<String, Preupload> modes = preupload(req, files, target);
        List<LocalFile> changed = new ArrayList<>();
        int unchanged = 0;
        for (LocalFile f : files) {
            Preupload p = modes.get(f.pathInRepo());
            if (p == null) throw new SmeltException("the Hub's preupload answer lacks '" + f.pathInRepo() + "'");
            if (p.shouldIgnore) continue;
            String localOid = p.lfs ? f.sha256() : f.gitSha1();
            if (localOid.equals(p.remoteOid)) {
                unchanged++;
            } else {
                changed.add(f);
            }
        }
        if (changed.isEmpty()) return new CommitResult(null, null, 0, 0, 0, unchanged);

        List<LocalFile> lfs = changed.stream().filter(f -> modes.get(f.pathInRepo()).lfs).toList();
        int[] counts = uploadLfs(req, lfs, target);
        int inline = changed.size() - lfs.size();
        JsonNode commit = commit(req, changed, modes, target);
        return new CommitResult(commit.path("commitOid").asText(null), commit.path("commitUrl").asText(null),
                inline, counts[0], counts[1], unchanged);
    }

    private void createRepo(PushRequest req, RequestTarget target) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("name", req.repo().name());
        if (req.repo().namespace() != null) body.put("organization", req.repo().namespace());
        else body.putNull("organization");
        if (req.makePrivate()) body.put("private", true);
        if (req.type() != RepoType.MODEL) body.put("type", req.type().id());
        try {
            postJson(URI.create(http.settings().endpointUrl() + "/api/repos/create"), body, Map.of(), target, false);
        } catch (HubHttpException e) {
            if (e.status() != 409) throw e; // 409: it exists already, which is fine
        }
    }

    private record Preupload(boolean lfs, boolean shouldIgnore, String remoteOid) {}

    private Map<String, Preupload> preupload(PushRequest req, List<LocalFile> files, RequestTarget target) throws IOException {
        URI uri = URI.create(api(req) + "/preupload/" + RepoPaths.encodeSegment(req.revision()));
        Map<String, Preupload> out = new HashMap<>();
        for (int i = 0; i < files.size(); i += CHUNK) {
            ObjectNode body = JSON.createObjectNode();
            ArrayNode arr = body.putArray("files");
            for (LocalFile f : files.subList(i, Math.min(files.size(), i + CHUNK))) {
                arr.addObject().put("path", f.pathInRepo())
                        .put("sample", Base64.getEncoder().encodeToString(f.sample()))
                        .put("size", f.size());
            }
            JsonNode r = postJson(uri, body, Map.of(), target, true);
            for (JsonNode n : r.path("files")) {
                String mode = n.path("uploadMode").asText("");
                if (!mode.equals("lfs") && !mode.equals("regular")) {
                    throw new SmeltException("the Hub's preupload answer gives '" + n.path("path").asText()
                            + "' upload mode '" + mode + "': expected lfs or regular");
                }
                out.put(n.path("path").asText(), new Preupload(mode.equals("lfs"), n.path("shouldIgnore").asBoolean(false),
                        n.path("oid").isTextual() ? n.get("oid").asText() : null));
            }
        }
        // Empty files cannot go through LFS (huggingface_hub forces them to regular too).
        for (LocalFile f : files) {
            Preupload p = out.get(f.pathInRepo());
            if (p != null && f.size() == 0 && p.lfs) out.put(f.pathInRepo(), new Preupload(false, p.shouldIgnore, p.remoteOid));
        }
        return out;
    }

    /** Returns {uploaded, already present}. */
    private int[] uploadLfs(PushRequest req, List<LocalFile> lfs, RequestTarget target) throws IOException {
        if (lfs.isEmpty()) return new int[2];
        URI batch = URI.create(http.settings().endpointUrl() + "/" + req.type().urlPrefix() + req.repo()
                + ".git/info/lfs/objects/batch");
        List<LfsJob> jobs = new ArrayList<>();
        int present = 0;
        Map<String, LocalFile> byOid = new HashMap<>();
        for (LocalFile f : lfs) byOid.putIfAbsent(f.sha256(), f);
        List<LocalFile> unique = new ArrayList<>(byOid.values());
        for (int i = 0; i < unique.size(); i += CHUNK) {
            ObjectNode body = JSON.createObjectNode();
            body.put("operation", "upload");
            body.putArray("transfers").add("basic").add("multipart");
            ArrayNode objs = body.putArray("objects");
            for (LocalFile f : unique.subList(i, Math.min(unique.size(), i + CHUNK))) {
                objs.addObject().put("oid", f.sha256()).put("size", f.size());
            }
            body.put("hash_algo", "sha256");
            body.putObject("ref").put("name", req.revision());
            JsonNode r = postJson(batch, body, Map.of("Accept", LFS_JSON, "Content-Type", LFS_JSON), target, true);
            for (JsonNode o : r.path("objects")) {
                LocalFile f = byOid.get(o.path("oid").asText());
                if (f == null) throw new SmeltException("the LFS batch answer names an object we did not send: " + o.path("oid").asText());
                if (o.has("error")) {
                    throw new SmeltException("the Hub refused LFS upload of '" + f.pathInRepo() + "': "
                            + o.path("error").path("message").asText(o.path("error").toString()));
                }
                JsonNode actions = o.path("actions");
                if (!actions.has("upload")) {
                    present++;
                } else {
                    jobs.add(new LfsJob(f, actions.get("upload"), actions.path("verify")));
                }
            }
        }
        progress.expect(jobs.stream().mapToLong(j -> j.file.size()).sum(), jobs.size());
        parallel(jobs, j -> {
            upload(j, target);
            progress.fileDone();
            return null;
        });
        return new int[] {jobs.size(), present};
    }

    private record LfsJob(LocalFile file, JsonNode upload, JsonNode verify) {}

    private void upload(LfsJob job, RequestTarget target) throws IOException {
        LocalFile f = job.file;
        RequestTarget t = target.file(f.pathInRepo());
        JsonNode header = job.upload.path("header");
        URI href = URI.create(job.upload.path("href").asText());
        if (header.has("chunk_size")) {
            long chunk = header.get("chunk_size").asLong();
            TreeMap<Integer, URI> parts = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().matches("\\d+")) parts.put(Integer.parseInt(e.getKey()), URI.create(e.getValue().asText()));
            }
            long expectedParts = (f.size() + chunk - 1) / chunk;
            if (chunk <= 0 || parts.size() != expectedParts) {
                throw new SmeltException("the Hub's multipart upload plan for '" + f.pathInRepo() + "' has " + parts.size()
                        + " parts of " + chunk + " bytes for " + f.size() + " bytes");
            }
            ObjectNode done = JSON.createObjectNode();
            done.put("oid", f.sha256());
            ArrayNode list = done.putArray("parts");
            int idx = 0;
            for (Map.Entry<Integer, URI> part : parts.entrySet()) {
                long off = idx * chunk;
                long len = Math.min(chunk, f.size() - off);
                HubHttp.Response r = http.send("PUT", part.getValue(), () -> slice(f.source(), off, len), Map.of(), t,
                        HubHttp.Redirects.FOLLOW, true);
                progress.transferred(len);
                String etag = r.headers().firstValue("ETag").orElseThrow(() -> new SmeltException(
                        "the storage server sent no ETag for part " + part.getKey() + " of '" + f.pathInRepo() + "'"));
                list.addObject().put("partNumber", idx + 1).put("etag", etag);
                idx++;
            }
            postJson(href, done, Map.of("Accept", LFS_JSON, "Content-Type", LFS_JSON), t, true);
        } else {
            Map<String, String> headers = new HashMap<>();
            header.fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
            http.send("PUT", href, () -> ofFile(f.source()), headers, t, HubHttp.Redirects.FOLLOW, true);
            progress.transferred(f.size());
        }
        if (job.verify.has("href")) {
            Map<String, String> headers = new HashMap<>();
            job.verify.path("header").fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
            headers.put("Content-Type", LFS_JSON);
            ObjectNode body = JSON.createObjectNode().put("oid", f.sha256()).put("size", f.size());
            postJson(URI.create(job.verify.get("href").asText()), body, headers, t, true);
        }
    }

    private JsonNode commit(PushRequest req, List<LocalFile> changed, Map<String, Preupload> modes, RequestTarget target)
            throws IOException {
        ByteArrayOutputStream nd = new ByteArrayOutputStream();
        String msg = req.message().strip();
        int nl = msg.indexOf('\n');
        ObjectNode header = JSON.createObjectNode();
        header.put("key", "header");
        header.putObject("value").put("summary", nl < 0 ? msg : msg.substring(0, nl).strip())
                .put("description", nl < 0 ? "" : msg.substring(nl + 1).strip());
        line(nd, header);
        for (LocalFile f : changed) {
            ObjectNode op = JSON.createObjectNode();
            if (modes.get(f.pathInRepo()).lfs) {
                op.put("key", "lfsFile");
                op.putObject("value").put("path", f.pathInRepo()).put("algo", "sha256").put("oid", f.sha256()).put("size", f.size());
            } else {
                op.put("key", "file");
                op.putObject("value").put("content", Base64.getEncoder().encodeToString(Files.readAllBytes(f.source())))
                        .put("path", f.pathInRepo()).put("encoding", "base64");
            }
            line(nd, op);
        }
        byte[] body = nd.toByteArray();
        URI uri = URI.create(api(req) + "/commit/" + RepoPaths.encodeSegment(req.revision()));
        HubHttp.Response r = http.send("POST", uri, () -> HttpRequest.BodyPublishers.ofByteArray(body),
                Map.of("Content-Type", "application/x-ndjson"), target, HubHttp.Redirects.FOLLOW, false);
        return parse(r, target);
    }

    private static void line(ByteArrayOutputStream out, JsonNode n) throws IOException {
        out.write(JSON.writeValueAsBytes(n));
        out.write('\n');
    }

    private String api(PushRequest req) {
        return http.settings().endpointUrl() + "/api/" + req.type().plural() + "/" + req.repo();
    }

    private JsonNode postJson(URI uri, JsonNode body, Map<String, String> headers, RequestTarget target, boolean idempotent)
            throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        Map<String, String> h = new HashMap<>(headers);
        h.putIfAbsent("Content-Type", "application/json");
        HubHttp.Response r = http.send("POST", uri, () -> HttpRequest.BodyPublishers.ofByteArray(bytes), h, target,
                HubHttp.Redirects.FOLLOW, idempotent);
        return parse(r, target);
    }

    private static JsonNode parse(HubHttp.Response r, RequestTarget target) {
        if (r.body() == null || r.body().length == 0) return JSON.createObjectNode();
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new SmeltException("the Hub's answer to " + r.uri().getPath() + " for " + target.describeRepo()
                    + " is not JSON: " + e.getMessage());
        }
    }

    private static BodyPublisher ofFile(Path p) {
        try {
            return HttpRequest.BodyPublishers.ofFile(p);
        } catch (FileNotFoundException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BodyPublisher slice(Path p, long offset, long len) {
        Supplier<InputStream> in = () -> {
            try {
                FileChannel ch = FileChannel.open(p, StandardOpenOption.READ);
                ch.position(offset);
                return new BufferedInputStream(
                        new LimitedInputStream(Channels.newInputStream(ch), len), 1 << 16);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(in), len);
    }

    private static final class LimitedInputStream extends FilterInputStream {
        private long left;

        LimitedInputStream(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int b = super.read();
            if (b >= 0) left--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) left -= n;
            return n;
        }
    }

    @FunctionalInterface
    private interface IOFunction<T, R> {
        R apply(T t) throws IOException;
    }

    private <T, R> List<R> parallel(List<T> items, IOFunction<T, R> fn) throws IOException {
        if (items.isEmpty()) return List.of();
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(workers, items.size()), r -> {
            Thread t = new Thread(r, "smelt-upload-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<R>> futures = new ArrayList<>();
            for (T item : items) futures.add(pool.submit(() -> fn.apply(item)));
            List<R> out = new ArrayList<>();
            for (Future<R> f : futures) out.add(f.get());
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("push interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof UncheckedIOException u) c = u.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException re) throw re;
            throw new IllegalStateException(c);
        } finally {
            pool.shutdownNow();
        }
    }
}
