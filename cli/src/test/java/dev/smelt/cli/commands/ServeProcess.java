package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code smelt serve --port 0 --threads 1} on a model as a child JVM (the test classpath), started and read until it
 * says where it listens; its later output keeps being read (so it never blocks on a full pipe). Closing it kills it.
 */
final class ServeProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("on http://127\\.0\\.0\\.1:(\\d+) ");

    final Process process;
    final int port;
    /** What it printed up to the line that names the port. */
    final String startLog;

    private ServeProcess(Process process, int port, String startLog) {
        this.process = process;
        this.port = port;
        this.startLog = startLog;
    }

    static ServeProcess start(Path model, String maxHeap) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap, "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), "dev.smelt.cli.Smelt",
                "serve", "--model", model.toString(), "--port", "0", "--threads", "1"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            int port = -1;
            StringBuilder log = new StringBuilder();
            for (String line; port < 0 && (line = out.readLine()) != null; ) {
                log.append(line).append('\n');
                Matcher m = LISTENING.matcher(line);
                if (m.find()) port = Integer.parseInt(m.group(1));
            }
            assertThat(port).as(log.toString()).isPositive();
            Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "serve-output");
            drain.setDaemon(true);
            drain.start();
            return new ServeProcess(p, port, log.toString());
        } catch (Exception | AssertionError e) {
            p.destroyForcibly();
            throw e;
        }
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** SIGTERM, then waits for the exit: whether it exited within {@code seconds}. */
    boolean terminate(int seconds) throws InterruptedException {
        process.destroy();
        return process.waitFor(seconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
