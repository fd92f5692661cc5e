package dev.smelt.testkit.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.io.AtomicFiles;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An in-process Hugging Face Hub on loopback for tests and for {@code smelt bench pull}: it speaks the
 * revision-listing, resolve (HEAD/GET, Range, 302 of LFS files to a second "CDN" port), create-repo,
 * preupload, LFS batch (basic and multipart upload, verify) and NDJSON commit endpoints, and can be told to
 * misbehave ({@link Fault}). A raw socket server, so that faults like a connection cut mid-body are real.
 * Not a production server: it trusts its callers and keeps everything in memory and a temp folder.
 */
public final class FakeHub implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RESOLVE = Pattern.compile("^/(datasets/)?(.+?)/resolve/([^/]+)/(.+)$");
    private static final Pattern API_REVISION = Pattern.compile("^/api/(models|datasets)/(.+?)/revision/([^/]+)$");
    private static final Pattern API_TREE = Pattern.compile("^/api/(models|datasets)/(.+?)/(tree|paths-info)/([^/]+)$");
    private static final Pattern API_ACTION = Pattern.compile("^/api/(models|datasets)/(.+?)/(preupload|commit)/([^/]+)$");
    private static final Pattern LFS_BATCH = Pattern.compile("^/(datasets/)?(.+?)\\.git/info/lfs/objects/batch$");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    /** One request as the server saw it. */
    public record Logged(String port, String method, String path, String range, long bodyBytes, boolean authorized,
            boolean sentAuthorization) {}

    private final ServerSocketChannel hubSocket;
    private final ServerSocketChannel cdnSocket;
    private final int hubPort;
    private final int cdnPort;
    private final ExecutorService pool;
    private final Path storage;
    private final Map<String, FakeRepo> repos = new ConcurrentHashMap<>();
    private final Map<String, Path> lfsObjects = new ConcurrentHashMap<>();
    private final Set<String> validTokens = ConcurrentHashMap.newKeySet();
    private final Set<String> gatedAccess = ConcurrentHashMap.newKeySet();
    private final List<Fault> faults = Collections.synchronizedList(new ArrayList<>());
    private final List<Logged> log = new CopyOnWriteArrayList<>();
    /** Requests read but not yet logged: a client can hold its whole response before the server thread logs it. */
    private final AtomicInteger unlogged = new AtomicInteger();
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger lfsUploads = new AtomicInteger();
    private volatile boolean closed;
    private volatile long multipartThreshold = Long.MAX_VALUE;
    private volatile long multipartChunk = 5L * 1024 * 1024;

    private FakeHub(Path storage) throws IOException {
        this.storage = storage;
        this.hubSocket = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 128);
        this.cdnSocket = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 128);
        this.hubPort = port(hubSocket);
        this.cdnPort = port(cdnSocket);
        this.pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-hub");
            t.setDaemon(true);
            return t;
        });
        pool.submit(() -> acceptLoop(hubSocket, false));
        pool.submit(() -> acceptLoop(cdnSocket, true));
    }

    /** Starts a server on two free loopback ports; uploaded objects go under {@code storage}. */
    public static FakeHub start(Path storage) throws IOException {
        Files.createDirectories(storage);
        return new FakeHub(storage);
    }

    /** The value for HF_ENDPOINT. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + hubPort);
    }

    public URI cdn() {
        return URI.create("http://127.0.0.1:" + cdnPort);
    }

    private static int port(ServerSocketChannel s) {
        try {
            return ((InetSocketAddress) s.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public FakeRepo repo(RepoKind type, String id) {
        return repos.computeIfAbsent(key(type, id), k -> new FakeRepo(type, id));
    }

    public FakeRepo existingRepo(RepoKind type, String id) {
        return repos.get(key(type, id));
    }

    private static String key(RepoKind type, String id) {
        return type.plural() + "/" + id;
    }

    /** Tokens the server accepts; requests with any other bearer token get 401. */
    public FakeHub acceptToken(String token) {
        validTokens.add(token);
        return this;
    }

    /** Tokens whose account accepted the licence of gated repositories. */
    public FakeHub grantGated(String token) {
        gatedAccess.add(token);
        return this;
    }

    public FakeHub inject(Fault fault) {
        faults.add(fault);
        return this;
    }

    /** LFS uploads larger than this are offered as multipart uploads in chunks of {@code chunk} bytes. */
    public FakeHub multipart(long threshold, long chunk) {
        this.multipartThreshold = threshold;
        this.multipartChunk = chunk;
        return this;
    }

    /** The requests served so far, including any whose response is written but not yet logged. */
    public List<Logged> requests() {
        awaitLogged();
        return List.copyOf(log);
    }

    public void clearLog() {
        awaitLogged();
        log.clear();
    }

    /** Waits (up to 5 s) until every request read has been logged. */
    private void awaitLogged() {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (unlogged.get() > 0 && System.nanoTime() < deadline) Thread.onSpinWait();
    }

    public int lfsUploads() {
        return lfsUploads.get();
    }

    /** True if any request to the CDN port carried an Authorization header (a token leak). */
    public boolean cdnSawAuthorization() {
        return log.stream().anyMatch(l -> l.port().equals("cdn") && l.sentAuthorization());
    }

    @Override
    public void close() throws IOException {
        closed = true;
        hubSocket.close();
        cdnSocket.close();
        for (SocketChannel c : open) c.close();
        pool.shutdownNow();
    }

    private void acceptLoop(ServerSocketChannel server, boolean cdn) {
        while (!closed) {
            try {
                SocketChannel c = server.accept();
                c.socket().setTcpNoDelay(true);
                open.add(c);
                pool.submit(() -> serve(c, cdn));
            } catch (IOException e) {
                if (!closed) continue;
                return;
            }
        }
    }

    private void serve(SocketChannel c, boolean cdn) {
        try (c) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(c), 1 << 16);
            while (!closed) {
                HttpExchange ex = HttpExchange.read(in);
                if (ex == null) return;
                unlogged.incrementAndGet();
                boolean keepOpen;
                try {
                    keepOpen = handle(ex, c, cdn);
                } finally {
                    unlogged.decrementAndGet();
                }
                if (!keepOpen) return;
            }
        } catch (IOException e) {
            // client went away or a fault cut the connection
        } finally {
            open.remove(c);
        }
    }

    // ---------------------------------------------------------------- routing

    /** Returns false when the connection must be closed. */
    private boolean handle(HttpExchange ex, SocketChannel c, boolean cdn) throws IOException {
        String path = ex.path();
        String auth = ex.header("authorization");
        String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).strip() : null;
        boolean authorized = token != null && validTokens.contains(token);
        Response r;
        Fault status = takeFault(Fault.Kind.STATUS, path);
        if (status != null) {
            r = Response.error((int) status.arg(), null, "injected fault");
            if (status.retryAfterSeconds() >= 0) r.headers.put("Retry-After", String.valueOf(status.retryAfterSeconds()));
            ex.body();
        } else if (token != null && !authorized) {
            ex.body();
            r = Response.error(401, null, "Invalid credentials in Authorization header");
        } else {
            try {
                r = cdn ? routeCdn(ex, path) : routeHub(ex, path, token, authorized);
            } catch (RuntimeException e) {
                r = Response.error(400, null, String.valueOf(e.getMessage()));
            }
        }
        long sent = write(c, ex, r);
        log.add(new Logged(cdn ? "cdn" : "hub", ex.method, path, ex.header("range"), sent, authorized, auth != null));
        return sent >= 0;
    }

    private Response routeHub(HttpExchange ex, String path, String token, boolean authorized) throws IOException {
        Matcher m;
        if (ex.method.equals("GET") && (m = API_REVISION.matcher(path)).matches()) {
            return revision(RepoKind.parse(m.group(1)), m.group(2), decode(m.group(3)), token, authorized);
        }
        if ((m = API_TREE.matcher(path)).matches()
                && (ex.method.equals("GET") && m.group(3).equals("tree") || ex.method.equals("POST") && m.group(3).equals("paths-info"))) {
            JsonNode body = ex.method.equals("POST") ? JSON.readTree(ex.body()) : null;
            return tree(RepoKind.parse(m.group(1)), m.group(2), decode(m.group(4)), body, token, authorized);
        }
        if ((ex.method.equals("GET") || ex.method.equals("HEAD")) && path.startsWith("/_bench/concat/")) {
            return concat(path.substring("/_bench/concat/".length()));
        }
        if ((ex.method.equals("GET") || ex.method.equals("HEAD")) && (m = RESOLVE.matcher(path)).matches()) {
            RepoKind type = m.group(1) != null ? RepoKind.DATASET : RepoKind.MODEL;
            return resolve(ex, type, m.group(2), decode(m.group(3)), decode(m.group(4)), token, authorized);
        }
        if (ex.method.equals("POST") && path.equals("/api/repos/create")) return createRepo(ex, authorized);
        if (ex.method.equals("POST") && (m = API_ACTION.matcher(path)).matches()) {
            RepoKind type = RepoKind.parse(m.group(1));
            FakeRepo repo = repos.get(key(type, m.group(2)));
            if (!authorized) {
                ex.body();
                return Response.error(401, "RepoNotFound", "write access requires a token");
            }
            if (repo == null) {
                ex.body();
                return Response.error(404, "RepoNotFound", "Repository not found");
            }
            return m.group(3).equals("preupload") ? preupload(ex, repo, decode(m.group(4))) : commit(ex, repo, decode(m.group(4)));
        }
        if (ex.method.equals("POST") && (m = LFS_BATCH.matcher(path)).matches()) {
            return lfsBatch(ex, m.group(1) != null ? RepoKind.DATASET : RepoKind.MODEL, m.group(2), authorized);
        }
        if (ex.method.equals("POST") && path.startsWith("/lfs-verify/")) {
            JsonNode body = JSON.readTree(ex.body());
            String oid = path.substring("/lfs-verify/".length());
            Path obj = lfsObjects.get(oid);
            if (obj == null || Files.size(obj) != body.path("size").asLong() || !oid.equals(body.path("oid").asText())) {
                return Response.error(422, null, "object " + oid + " not verified");
            }
            return Response.json(JSON.createObjectNode().put("message", "verified"));
        }
        ex.body();
        return Response.error(404, null, "no route for " + ex.method + " " + path);
    }

    private Response routeCdn(HttpExchange ex, String path) throws IOException {
        if ((ex.method.equals("GET") || ex.method.equals("HEAD")) && path.startsWith("/cdn/")) {
            String sha = path.substring("/cdn/".length());
            FakeRepo.Entry found = null;
            List<String> names = new ArrayList<>();
            for (FakeRepo r : repos.values()) {
                for (Map<String, FakeRepo.Entry> tree : r.commits.values()) {
                    for (FakeRepo.Entry e : tree.values()) {
                        if (e.sha256().equals(sha)) {
                            found = e;
                            names.add(e.path());
                        }
                    }
                }
            }
            if (found != null) {
                Response r = file(ex, found, null, false);
                r.servedNames = names;
                return r;
            }
            Path obj = lfsObjects.get(sha);
            if (obj != null) {
                return file(ex, new FakeRepo.Entry(sha, obj, Files.size(obj), sha, null, true), null, false);
            }
            return Response.error(404, null, "no such object");
        }
        if (ex.method.equals("PUT") && path.startsWith("/lfs-upload/")) return lfsPut(ex, path.substring("/lfs-upload/".length()));
        if (ex.method.equals("POST") && path.startsWith("/lfs-upload/") && path.endsWith("/complete")) {
            return lfsComplete(ex, path.substring("/lfs-upload/".length(), path.length() - "/complete".length()));
        }
        ex.body();
        return Response.error(404, null, "no route for " + ex.method + " " + path);
    }

    /** As the Hub: a gated repository's listing is public, its files need a token whose account accepted the terms. */
    private Response access(FakeRepo repo, String token, boolean authorized, boolean files) {
        if (repo == null) {
            return token == null ? Response.error(401, "RepoNotFound", "Repository not found")
                    : Response.error(404, "RepoNotFound", "Repository not found");
        }
        if (repo.privateRepo && !authorized) {
            return Response.error(401, "RepoNotFound", "Repository not found or private");
        }
        if (repo.gated && files && !authorized) {
            return Response.error(401, "GatedRepo", "Access to model " + repo.id + " is restricted. You must be authenticated to access it.");
        }
        if (repo.gated && files && !gatedAccess.contains(token)) {
            return Response.error(403, "GatedRepo", "Access to model " + repo.id + " is restricted and you are not in the authorized list.");
        }
        return null;
    }

    private Response revision(RepoKind type, String id, String rev, String token, boolean authorized) {
        FakeRepo repo = repos.get(key(type, id));
        Response denied = access(repo, token, authorized, false);
        if (denied != null) return denied;
        String commit = repo.resolve(rev);
        if (commit == null) return Response.error(404, "RevisionNotFound", "Invalid rev id: " + rev);
        ObjectNode root = JSON.createObjectNode();
        root.put("_id", Integer.toHexString(id.hashCode()));
        root.put("id", id);
        root.put("private", repo.privateRepo);
        root.put("gated", repo.gated ? "manual" : "false");
        root.put("sha", commit);
        ArrayNode siblings = root.putArray("siblings");
        for (FakeRepo.Entry e : repo.files(commit)) {
            ObjectNode s = siblings.addObject();
            s.put("rfilename", e.path());
            s.put("blobId", e.blobId());
            s.put("size", e.lfs() ? e.pointerText().length() : e.size());
            if (e.lfs()) {
                s.putObject("lfs").put("sha256", e.sha256()).put("size", e.size())
                        .put("pointerSize", e.pointerText().length());
                s.put("size", e.size());
            }
        }
        return Response.json(root);
    }

    /** {@code GET .../tree/{rev}?recursive=true} and {@code POST .../paths-info/{rev}}: the git tree view. */
    private Response tree(RepoKind type, String id, String rev, JsonNode pathsQuery, String token, boolean authorized) {
        FakeRepo repo = repos.get(key(type, id));
        Response denied = access(repo, token, authorized, false);
        if (denied != null) return denied;
        String commit = repo.resolve(rev);
        if (commit == null) return Response.error(404, "RevisionNotFound", "Invalid rev id: " + rev);
        Set<String> wanted = null;
        if (pathsQuery != null) {
            wanted = new HashSet<>();
            for (JsonNode p : pathsQuery.path("paths")) wanted.add(p.asText());
        }
        ArrayNode out = JSON.createArrayNode();
        Set<String> dirs = new TreeSet<>();
        for (FakeRepo.Entry e : repo.files(commit)) {
            for (int i = e.path().indexOf('/'); i > 0; i = e.path().indexOf('/', i + 1)) dirs.add(e.path().substring(0, i));
        }
        if (wanted == null) {
            for (String d : dirs) out.addObject().put("type", "directory").put("oid", FakeRepo.gitBlobSha1(d.getBytes(StandardCharsets.UTF_8))).put("size", 0).put("path", d);
        }
        for (FakeRepo.Entry e : repo.files(commit)) {
            if (wanted != null && !wanted.contains(e.path())) continue;
            ObjectNode o = out.addObject().put("type", "file").put("oid", e.blobId()).put("size", e.size()).put("path", e.path());
            if (e.lfs()) o.putObject("lfs").put("oid", e.sha256()).put("size", e.size()).put("pointerSize", e.pointerText().length());
            if (wanted != null) o.putObject("lastCommit").put("id", commit).put("title", "commit").put("date", "2026-01-01T00:00:00.000Z");
        }
        Response r = new Response(200);
        r.headers.put("Content-Type", "application/json");
        try {
            r.body = JSON.writeValueAsBytes(out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return r;
    }

    private Response resolve(HttpExchange ex, RepoKind type, String id, String rev, String filePath, String token,
            boolean authorized) throws IOException {
        FakeRepo repo = repos.get(key(type, id));
        Response denied = access(repo, token, authorized, true);
        if (denied != null) return denied;
        String commit = repo.resolve(rev);
        if (commit == null) return Response.error(404, "RevisionNotFound", "Invalid rev id: " + rev);
        FakeRepo.Entry e = repo.commits.get(commit).get(filePath);
        if (e == null) {
            Response r = Response.error(404, "EntryNotFound", filePath + " does not exist on \"" + rev + "\"");
            r.headers.put("X-Repo-Commit", commit);
            return r;
        }
        if (e.lfs()) {
            Response r = new Response(302);
            r.headers.put("Location", cdn() + "/cdn/" + e.sha256() + "?X-Amz-Signature=fake");
            r.headers.put("X-Repo-Commit", commit);
            r.headers.put("X-Linked-Etag", "\"" + e.sha256() + "\"");
            r.headers.put("X-Linked-Size", String.valueOf(e.size()));
            r.headers.put("ETag", "\"" + e.blobId() + "\"");
            r.body = new byte[0];
            return r;
        }
        return file(ex, e, commit, true);
    }

    private Response file(HttpExchange ex, FakeRepo.Entry e, String commit, boolean gitEtag) {
        Response r = new Response(200);
        if (commit != null) r.headers.put("X-Repo-Commit", commit);
        r.headers.put("ETag", "\"" + (gitEtag ? e.gitSha1() : e.sha256()) + "\"");
        r.headers.put("Accept-Ranges", "bytes");
        long start = 0;
        long end = e.size() - 1;
        String range = ex.header("range");
        if (range != null) {
            Matcher m = RANGE.matcher(range.strip());
            if (m.matches()) {
                start = Long.parseLong(m.group(1));
                if (!m.group(2).isEmpty()) end = Math.min(end, Long.parseLong(m.group(2)));
                if (start >= e.size()) {
                    Response bad = Response.error(416, null, "range not satisfiable");
                    bad.headers.put("Content-Range", "bytes */" + e.size());
                    return bad;
                }
                r.status = 206;
                r.headers.put("Content-Range", "bytes " + start + "-" + end + "/" + e.size());
            }
        }
        r.file = e.data();
        r.fileOffset = start;
        r.fileLength = end - start + 1;
        r.servedNames = List.of(e.path());
        return r;
    }

    private Response concat(String rest) throws IOException {
        // {type}/{repo...}/{commit}
        int slash = rest.indexOf('/');
        int last = rest.lastIndexOf('/');
        FakeRepo repo = repos.get(key(RepoKind.parse(rest.substring(0, slash)), rest.substring(slash + 1, last)));
        if (repo == null) return Response.error(404, "RepoNotFound", "no repo");
        String commit = repo.resolve(rest.substring(last + 1));
        if (commit == null) return Response.error(404, "RevisionNotFound", "no commit");
        Response r = new Response(200);
        r.concat = repo.files(commit).stream().map(FakeRepo.Entry::data).toList();
        long total = 0;
        for (Path p : r.concat) total += Files.size(p);
        r.fileLength = total;
        return r;
    }

    private Response createRepo(HttpExchange ex, boolean authorized) throws IOException {
        JsonNode body = JSON.readTree(ex.body());
        if (!authorized) return Response.error(401, null, "Invalid username or password.");
        String name = body.path("name").asText();
        String org = body.path("organization").isTextual() ? body.path("organization").asText() : "user";
        RepoKind type = body.has("type") ? RepoKind.parse(body.path("type").asText()) : RepoKind.MODEL;
        String id = org + "/" + name;
        if (repos.containsKey(key(type, id))) {
            return Response.error(409, null, "You already created this " + type.id() + " repo");
        }
        FakeRepo repo = repo(type, id).privateRepo(body.path("private").asBoolean(false));
        Path attrs = storage.resolve("gitattributes-" + System.nanoTime());
        Files.writeString(attrs, "*.safetensors filter=lfs diff=lfs merge=lfs -text\n");
        Map<String, FakeRepo.Entry> tree = new TreeMap<>();
        tree.put(".gitattributes", repo.entry(".gitattributes", attrs, false));
        repo.commitTree("main", tree, "initial commit");
        return Response.json(JSON.createObjectNode().put("url", endpoint() + "/" + type.urlPrefix() + id));
    }

    private Response preupload(HttpExchange ex, FakeRepo repo, String rev) throws IOException {
        JsonNode body = JSON.readTree(ex.body());
        String commit = repo.resolve(rev);
        Map<String, FakeRepo.Entry> tree = commit == null ? Map.of() : repo.commits.get(commit);
        ObjectNode out = JSON.createObjectNode();
        ArrayNode files = out.putArray("files");
        for (JsonNode f : body.path("files")) {
            String p = f.path("path").asText();
            byte[] sample = Base64.getDecoder().decode(f.path("sample").asText());
            boolean binary = false;
            for (byte b : sample) binary |= b == 0;
            boolean lfs = f.path("size").asLong() >= repo.lfsThreshold || binary;
            ObjectNode o = files.addObject().put("path", p).put("uploadMode", lfs ? "lfs" : "regular").put("shouldIgnore", false);
            FakeRepo.Entry existing = tree.get(p);
            if (existing != null) o.put("oid", existing.lfs() ? existing.sha256() : existing.gitSha1());
            else o.putNull("oid");
        }
        return Response.json(out);
    }

    private Response lfsBatch(HttpExchange ex, RepoKind type, String id, boolean authorized) throws IOException {
        JsonNode body = JSON.readTree(ex.body());
        if (!authorized) return Response.error(401, null, "write access requires a token");
        if (!repos.containsKey(key(type, id))) return Response.error(404, "RepoNotFound", "Repository not found");
        ObjectNode out = JSON.createObjectNode();
        out.put("transfer", "basic");
        ArrayNode objects = out.putArray("objects");
        for (JsonNode o : body.path("objects")) {
            String oid = o.path("oid").asText();
            long size = o.path("size").asLong();
            ObjectNode r = objects.addObject().put("oid", oid).put("size", size);
            if (lfsObjects.containsKey(oid) || knownInRepos(oid)) continue;
            ObjectNode actions = r.putObject("actions");
            ObjectNode upload = actions.putObject("upload").put("href", cdn() + "/lfs-upload/" + oid);
            if (size > multipartThreshold) {
                ObjectNode header = upload.putObject("header");
                header.put("chunk_size", String.valueOf(multipartChunk));
                long parts = (size + multipartChunk - 1) / multipartChunk;
                for (int i = 1; i <= parts; i++) header.put(String.valueOf(i), cdn() + "/lfs-upload/" + oid + "/part/" + i);
                upload.put("href", cdn() + "/lfs-upload/" + oid + "/complete");
            }
            actions.putObject("verify").put("href", endpoint() + "/lfs-verify/" + oid)
                    .putObject("header").put("Authorization", "Basic dmVyaWZ5");
        }
        return Response.json(out);
    }

    private boolean knownInRepos(String oid) {
        return repos.values().stream().flatMap(r -> r.commits.values().stream()).flatMap(t -> t.values().stream())
                .anyMatch(e -> e.lfs() && e.sha256().equals(oid));
    }

    private Response lfsPut(HttpExchange ex, String rest) throws IOException {
        Path tmp = Files.createTempFile(storage, "upload-", ".part");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            ex.copyBody(out);
        }
        int partIdx = rest.indexOf("/part/");
        if (partIdx >= 0) {
            String oid = rest.substring(0, partIdx);
            int n = Integer.parseInt(rest.substring(partIdx + "/part/".length()));
            Path part = storage.resolve("part-" + oid + "-" + n);
            Files.move(tmp, part, StandardCopyOption.REPLACE_EXISTING);
            Response r = new Response(200);
            r.headers.put("ETag", "\"etag-" + oid.substring(0, 8) + "-" + n + "\"");
            r.body = new byte[0];
            return r;
        }
        return store(rest, tmp);
    }

    private Response lfsComplete(HttpExchange ex, String oid) throws IOException {
        JsonNode body = JSON.readTree(ex.body());
        Path tmp = Files.createTempFile(storage, "upload-", ".joined");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            int expected = 1;
            for (JsonNode p : body.path("parts")) {
                int n = p.path("partNumber").asInt();
                if (n != expected++ || !p.path("etag").asText().equals("\"etag-" + oid.substring(0, 8) + "-" + n + "\"")) {
                    return Response.error(400, null, "bad part list");
                }
                try (FileChannel in = FileChannel.open(storage.resolve("part-" + oid + "-" + n))) {
                    in.transferTo(0, in.size(), out);
                }
            }
        }
        return store(oid, tmp);
    }

    private Response store(String oid, Path tmp) throws IOException {
        String sha = FakeRepo.hashes(tmp, Files.size(tmp))[0];
        if (!sha.equals(oid)) {
            Files.delete(tmp);
            return Response.error(400, null, "sha256 mismatch: got " + sha);
        }
        Path obj = storage.resolve("lfs-" + oid);
        Files.move(tmp, obj, StandardCopyOption.REPLACE_EXISTING);
        lfsObjects.put(oid, obj);
        lfsUploads.incrementAndGet();
        Response r = new Response(200);
        r.body = new byte[0];
        return r;
    }

    private Response commit(HttpExchange ex, FakeRepo repo, String rev) throws IOException {
        byte[] body = ex.body();
        if (!"application/x-ndjson".equals(ex.header("content-type"))) {
            return Response.error(400, null, "expected application/x-ndjson");
        }
        String parent = repo.resolve(rev);
        Map<String, FakeRepo.Entry> tree = new TreeMap<>(parent == null ? Map.of() : repo.commits.get(parent));
        String summary = "";
        try (BufferedReader rd = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8))) {
            for (String line; (line = rd.readLine()) != null; ) {
                if (line.isBlank()) continue;
                JsonNode op = JSON.readTree(line);
                JsonNode v = op.path("value");
                switch (op.path("key").asText()) {
                    case "header" -> summary = v.path("summary").asText();
                    case "file" -> {
                        byte[] content = Base64.getDecoder().decode(v.path("content").asText());
                        Path p = storage.resolve("inline-" + System.nanoTime());
                        AtomicFiles.write(p, ch -> ch.write(ByteBuffer.wrap(content)));
                        tree.put(v.path("path").asText(), repo.entry(v.path("path").asText(), p, false));
                    }
                    case "lfsFile" -> {
                        String oid = v.path("oid").asText();
                        Path obj = lfsObjects.get(oid);
                        if (obj == null) obj = existingLfs(oid);
                        if (obj == null) return Response.error(400, null, "LFS object " + oid + " was never uploaded");
                        tree.put(v.path("path").asText(), repo.entry(v.path("path").asText(), obj, true));
                    }
                    case "deletedFile" -> tree.remove(v.path("path").asText());
                    default -> {
                        return Response.error(400, null, "unknown commit operation " + op.path("key").asText());
                    }
                }
            }
        }
        if (summary.isEmpty()) return Response.error(400, null, "commit without header");
        String sha = repo.commitTree(rev, tree, summary);
        return Response.json(JSON.createObjectNode().put("success", true).put("commitOid", sha)
                .put("commitUrl", endpoint() + "/" + repo.type.urlPrefix() + repo.id + "/commit/" + sha));
    }

    private Path existingLfs(String oid) {
        return repos.values().stream().flatMap(r -> r.commits.values().stream()).flatMap(t -> t.values().stream())
                .filter(e -> e.lfs() && e.sha256().equals(oid)).map(FakeRepo.Entry::data).findFirst().orElse(null);
    }

    private Fault takeFault(Fault.Kind kind, String pathOrName) {
        synchronized (faults) {
            for (int i = 0; i < faults.size(); i++) {
                Fault f = faults.get(i);
                boolean hit = kind == Fault.Kind.STATUS ? pathOrName.contains(f.match()) : pathOrName.equals(f.match());
                if (f.kind() == kind && hit) {
                    faults.remove(i);
                    return f;
                }
            }
        }
        return null;
    }

    private Fault takeBodyFault(List<String> names) {
        synchronized (faults) {
            for (int i = 0; i < faults.size(); i++) {
                Fault f = faults.get(i);
                if (f.kind() != Fault.Kind.STATUS && names.contains(f.match())) {
                    faults.remove(i);
                    return f;
                }
            }
        }
        return null;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- responses

    private static final class Response {
        int status;
        final Map<String, String> headers = new LinkedHashMap<>();
        byte[] body;
        Path file;
        long fileOffset;
        long fileLength;
        List<Path> concat;
        List<String> servedNames = List.of();

        Response(int status) {
            this.status = status;
        }

        static Response json(JsonNode n) {
            Response r = new Response(200);
            r.headers.put("Content-Type", "application/json");
            try {
                r.body = JSON.writeValueAsBytes(n);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return r;
        }

        static Response error(int status, String code, String message) {
            Response r = json(JSON.createObjectNode().put("error", message));
            r.status = status;
            if (code != null) r.headers.put("X-Error-Code", code);
            r.headers.put("X-Error-Message", message);
            return r;
        }
    }

    /** Writes the response; returns the body bytes sent, or -1 if the connection was deliberately cut. */
    private long write(SocketChannel c, HttpExchange ex, Response r) throws IOException {
        Fault bodyFault = r.file != null ? takeBodyFault(r.servedNames) : null;
        long length = r.body != null ? r.body.length : r.fileLength;
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(r.status).append(' ').append(reason(r.status)).append("\r\n");
        r.headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("Content-Length: ").append(length).append("\r\n");
        head.append("Connection: keep-alive\r\n\r\n");
        writeFully(c, ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.ISO_8859_1)));
        if (ex.method.equals("HEAD")) return 0;
        if (r.body != null) {
            writeFully(c, ByteBuffer.wrap(r.body));
            return r.body.length;
        }
        if (r.concat != null) {
            for (Path p : r.concat) {
                try (FileChannel fc = FileChannel.open(p, StandardOpenOption.READ)) {
                    transfer(fc, 0, fc.size(), c);
                }
            }
            return length;
        }
        try (FileChannel fc = FileChannel.open(r.file, StandardOpenOption.READ)) {
            if (bodyFault == null) {
                transfer(fc, r.fileOffset, r.fileLength, c);
                return length;
            }
            switch (bodyFault.kind()) {
                case DROP_AFTER -> {
                    long n = Math.min(bodyFault.arg(), r.fileLength);
                    transfer(fc, r.fileOffset, n, c);
                    c.shutdownOutput();
                    c.close();
                    return -1;
                }
                case CORRUPT -> {
                    ByteBuffer all = ByteBuffer.allocate((int) Math.min(r.fileLength, Integer.MAX_VALUE - 16));
                    while (all.hasRemaining() && fc.read(all, r.fileOffset + all.position()) > 0) { }
                    all.flip();
                    int mid = all.limit() / 2;
                    all.put(mid, (byte) (all.get(mid) ^ 0x5a));
                    writeFully(c, all);
                    return length;
                }
                case SLOW -> {
                    long chunk = Math.max(1, bodyFault.arg() / 20);
                    long pos = r.fileOffset;
                    long end = r.fileOffset + r.fileLength;
                    while (pos < end) {
                        long n = Math.min(chunk, end - pos);
                        transfer(fc, pos, n, c);
                        pos += n;
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            throw new IOException("server stopped");
                        }
                    }
                    return length;
                }
                default -> throw new IllegalStateException();
            }
        }
    }

    private static void transfer(FileChannel fc, long pos, long len, SocketChannel c) throws IOException {
        long done = 0;
        while (done < len) {
            long n = fc.transferTo(pos + done, len - done, c);
            if (n <= 0) throw new IOException("transfer stalled");
            done += n;
        }
    }

    private static void writeFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) c.write(b);
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 206 -> "Partial Content";
            case 302 -> "Found";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 409 -> "Conflict";
            case 416 -> "Range Not Satisfiable";
            case 422 -> "Unprocessable Entity";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }
}
