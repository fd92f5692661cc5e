package dev.smelt.cli.commands;

import dev.smelt.cli.UsageErrorHandler;
import dev.smelt.core.SmeltException;
import dev.smelt.models.generate.LanguageModel;
import dev.smelt.models.serve.GenerationServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", description = {
        "Serve a model over HTTP until interrupted (Ctrl-C):",
        "  POST /generate             {prompt, max_tokens, temperature} -> {response}",
        "  POST /v1/chat/completions  OpenAI-compatible; \"stream\": true sends SSE",
        "  GET  /health",
        "Requests run one at a time in arrival order; others wait in a queue."})
public final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Mixin
    ModelRuntimeOptions runtime;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT", description = "TCP port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDR",
            description = "Address to bind (default: ${DEFAULT-VALUE}; 0.0.0.0 for all interfaces).")
    String host;

    @Option(names = "--name", paramLabel = "NAME", description = "Model name reported to clients (default: the directory name).")
    String name;

    @Option(names = "--allow-local-images", paramLabel = "DIR",
            description = "Accept file: image URLs for files under DIR (default: only data: URLs; remote URLs are never fetched).")
    Path allowLocalImages;

    /**
     * On SIGTERM the generation in progress may run this long before it is cut (answering with what it has);
     * requests still queued are answered 503 at once.
     */
    static final int SHUTDOWN_GRACE_SECONDS = 5;

    @Override
    public Integer call() throws Exception {
        UsageErrorHandler.require(port >= 0 && port <= 65535, spec, "--port must be 0..65535, got " + port);
        requireFreePort();
        if (allowLocalImages != null && !Files.isDirectory(allowLocalImages)) {
            throw new SmeltException(allowLocalImages + ": --allow-local-images needs an existing directory");
        }
        PrintWriter err = spec.commandLine().getErr();
        LanguageModel lm = runtime.load(err);
        GenerationServer server;
        try {
            server = GenerationServer.start(lm, name != null ? name : runtime.displayName(), host, port, 8);
            if (allowLocalImages != null) server.allowLocalImages(allowLocalImages);
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
        server.onFinished(f -> {
            if (!f.outcome().equals(GenerationServer.CLIENT_GONE)) return;
            err.println("smelt: client went away: " + f.path() + (f.ran()
                    ? " stopped after " + f.completionTokens() + " tokens" : " dropped from the queue before it ran"));
            err.flush();
        });
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(SHUTDOWN_GRACE_SECONDS);
            lm.close();
            stopped.countDown();
        }, "smelt-serve-shutdown"));
        err.println("smelt: serving " + runtime.model + " on http://" + host + ":" + server.port()
                + " (POST /generate, POST /v1/chat/completions, GET /health); Ctrl-C to stop");
        err.flush();
        stopped.await();
        return 0;
    }

    /** A port already taken is found before the model loads (which takes a while), not after. */
    private void requireFreePort() {
        if (port == 0) return;
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // as the HTTP server binds, so a port in TIME_WAIT is not reported as taken
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new SmeltException(host + ":" + port + ": cannot listen (" + e.getMessage() + "); choose another --port");
        }
    }
}
