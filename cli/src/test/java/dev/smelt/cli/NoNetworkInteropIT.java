package dev.smelt.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.smelt.testkit.interop.InteropTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smelt run as users run it ({@code java -jar smelt-cli.jar}, no options) contacts nothing the user did not ask for:
 * each command runs in an empty network namespace (loopback only, so nothing could leave the machine) under
 * {@code strace -f}, and not one connect() or send to an address off this machine is even attempted. A control run
 * with DJL's telemetry switched back on shows that the trace catches DJL calling home.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NoNetworkInteropIT {
    private static final Pattern IPV4 = Pattern.compile("inet_addr\\(\"([^\"]*)\"\\)");
    private static final Pattern IPV6 = Pattern.compile("inet_pton\\(AF_INET6, \"([^\"]*)\"");
    private static final Pattern FAMILY = Pattern.compile("sa_family=(AF_[A-Z0-9]+)");
    private static final List<String> LOCAL_FAMILIES = List.of("AF_UNIX", "AF_UNSPEC", "AF_NETLINK", "AF_INET", "AF_INET6");

    /** unshare (an empty network namespace) and strace; isolationCommand() also sets {@link #strace}. */
    @RegisterExtension
    static final InteropTool<List<String>> ISOLATION = InteropTool.of("the no-network check", () -> {
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("strace", "unshare")) if (!SmeltJar.onPath(tool)) missing.add(tool);
        if (!missing.isEmpty()) {
            throw new InteropTool.Missing("missing " + String.join(", ", missing) + " (Debian: apt-get install strace util-linux)");
        }
        List<String> command = isolationCommand();
        if (command == null) throw new InteropTool.Missing("cannot create a network namespace (unshare -n / -rn) or trace (strace -f)");
        return command;
    });

    @TempDir static Path work;
    private static List<String> isolation;
    private static List<String> strace;
    private static Path model;
    private static int traceCount;

    @BeforeAll
    static void isolateAndPrepare() throws Exception {
        isolation = ISOLATION.get();
        model = work.resolve("model");
        run(List.of(), "create-tiny", "--arch", "qwen2", "--out", model.toString());
        StringBuilder jsonl = new StringBuilder();
        StringBuilder csv = new StringBuilder("instruction,output\n");
        for (int i = 0; i < 8; i++) {
            jsonl.append("{\"messages\": [{\"role\": \"user\", \"content\": \"question ").append(i)
                    .append("\"}, {\"role\": \"assistant\", \"content\": \"answer ").append(i).append("\"}]}\n");
            csv.append("question ").append(i).append(",answer ").append(i).append('\n');
        }
        Files.writeString(work.resolve("qa.jsonl"), jsonl);
        Files.writeString(work.resolve("qa.csv"), csv);
    }

    @Test
    @Order(1)
    void dataInspectTouchesNoNetwork() throws Exception {
        run(List.of(), "data", "inspect", "--data", work.resolve("qa.jsonl").toString(), "--model", model.toString());
        run(List.of(), "data", "inspect", "--data", work.resolve("qa.csv").toString(), "--model", model.toString()); // DuckDB
    }

    @Test
    @Order(2)
    void trainGenerateMergeAndConvertTouchNoNetwork() throws Exception {
        Path adapter = work.resolve("adapter");
        run(List.of(), "--quiet", "train", "--model", model.toString(), "--data", work.resolve("qa.jsonl").toString(),
                "--out", adapter.toString(), "--max-steps", "2", "--batch-size", "2", "--seq-len", "64");
        run(List.of(), "generate", "--model", model.toString(), "--adapter", adapter.toString(), "--prompt", "question 1",
                "--max-new-tokens", "4");
        Path merged = work.resolve("merged");
        run(List.of(), "--quiet", "merge", "--model", model.toString(), "--adapter", adapter.toString(), "--out", merged.toString());
        run(List.of(), "convert", "gguf", "--model", merged.toString(), "--out", work.resolve("m.gguf").toString());
    }

    @Test
    @Order(3)
    void theTraceCatchesDjlCallingHomeWhenTelemetryIsSwitchedBackOn() throws Exception {
        List<String> attempts = trace(List.of("-Dai.djl.offline=false", "-DOPT_OUT_TRACKING=false"),
                "generate", "--model", model.toString(), "--prompt", "hi", "--max-new-tokens", "2");
        assertThat(attempts).as("DJL's EC2 metadata probe, seen by strace").isNotEmpty()
                .anyMatch(line -> line.contains("169.254.169.254"));
    }

    /** Runs one command isolated and traced; it must succeed and attempt no off-machine connection. */
    private static void run(List<String> jvmOptions, String... args) throws Exception {
        List<String> attempts = trace(jvmOptions, args);
        assertThat(attempts).as("network attempts of smelt %s", String.join(" ", args)).isEmpty();
    }

    /** The traced lines of {@code smelt args} that address anything but this machine. */
    private static List<String> trace(List<String> jvmOptions, String... args) throws Exception {
        int n = ++traceCount;
        Path traceFile = work.resolve("strace-" + n + ".txt");
        Path log = work.resolve("smelt-" + n + ".log");
        List<String> cmd = new ArrayList<>(isolation);
        cmd.addAll(strace);
        cmd.addAll(List.of("-e", "trace=connect,sendto,sendmsg,sendmmsg", "-o", traceFile.toString()));
        cmd.addAll(SmeltJar.command(jvmOptions, args));
        Process p = SmeltJar.process(cmd).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("smelt " + String.join(" ", args) + " did not finish");
        }
        assertThat(p.exitValue()).as("smelt %s:%n%s", String.join(" ", args), Files.readString(log)).isZero();
        List<String> attempts = new ArrayList<>();
        for (String line : Files.readAllLines(traceFile)) {
            if (offMachine(line)) attempts.add(line);
        }
        return attempts;
    }

    static boolean offMachine(String line) {
        Matcher family = FAMILY.matcher(line);
        while (family.find()) {
            if (!LOCAL_FAMILIES.contains(family.group(1))) return true; // AF_PACKET and the like: never expected
        }
        Matcher v4 = IPV4.matcher(line);
        while (v4.find()) {
            if (!v4.group(1).startsWith("127.")) return true;
        }
        Matcher v6 = IPV6.matcher(line);
        while (v6.find()) {
            String a = v6.group(1);
            if (!a.equals("::1") && !a.startsWith("::ffff:127.")) return true;
        }
        return false;
    }

    /**
     * The prefix that runs a command in a new, empty network namespace with loopback up: {@code unshare -n} as root,
     * {@code unshare -rn} (a user namespace) otherwise; null when neither works or strace cannot trace there. Sets
     * {@link #strace}, with {@code --seccomp-bpf} where strace has it (only traced calls stop the JVM).
     */
    private static List<String> isolationCommand() throws IOException, InterruptedException {
        for (String flags : List.of("-n", "-rn")) {
            List<String> prefix = List.of("unshare", flags, "sh", "-c",
                    "command -v ip >/dev/null 2>&1 && ip link set lo up 2>/dev/null; exec \"$@\"", "sh");
            for (List<String> tracer : List.of(List.of("strace", "-f", "-qq", "--seccomp-bpf"), List.of("strace", "-f", "-qq"))) {
                List<String> probe = new ArrayList<>(prefix);
                probe.addAll(tracer);
                probe.addAll(List.of("-e", "trace=connect", "-o", "/dev/null", "true"));
                Process p = new ProcessBuilder(probe).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    strace = tracer;
                    return prefix;
                }
                p.destroyForcibly();
            }
        }
        return null;
    }
}
