package dev.smelt.spark.prepare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.BuiltinChatTemplates;
import dev.smelt.core.tiny.TinyTokenizer;
import dev.smelt.datasets.bench.SyntheticChats;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The main behind ./smelt-spark and spark-submit: flags, output, errors; the session's settings. */
class SparkPrepareMainTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = SparkPrepareMain.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void preparesInLocalModeAndReportsLikeSmeltDataPrepare() throws Exception {
        Path model = Files.createDirectories(dir.resolve("model"));
        TinyTokenizer.train(400).writeTo(model, BuiltinChatTemplates.QWEN2_5.source(), 32768);
        Path data = dir.resolve("chats.jsonl");
        SyntheticChats.write(data, 200, 3);
        Path out = dir.resolve("prepared");
        Run r = run("--data", data.toString(), "--model", model.toString(), "--out", out.toString(), "--seq-len", "256",
                "--val-split", "0.1", "--master", "local[2]", "--conf", "spark.sql.files.maxPartitionBytes=16k", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("rows:       200 read, format messages, ")
                .containsPattern("train:      [\\d,]+ rows \\(packed\\)").containsPattern("validation: [\\d,]+ rows");
        assertThat(out.resolve("manifest.json")).exists();

        Run missing = run("--data", dir.resolve("nope.jsonl").toString(), "--model", model.toString(), "--out",
                dir.resolve("o2").toString(), "--master", "local[1]", "-q");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("smelt-spark: error: " + dir.resolve("nope.jsonl") + ": no such file or directory\n");
    }

    @Test
    void executorsGetDjlTelemetryOffAndLocalModeStaysOnLoopback() {
        SparkConf c = SparkSessions.conf("t", "local[2]", List.of("spark.executor.extraJavaOptions=-Dfoo=1"));
        assertThat(c.get("spark.executorEnv.OPT_OUT_TRACKING")).isEqualTo("true");
        assertThat(c.get("spark.executor.extraJavaOptions")).contains("-Dfoo=1", "-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true");
        assertThat(c.get("spark.driver.bindAddress")).isEqualTo("127.0.0.1");
        SparkConf cluster = SparkSessions.conf("t", "k8s://https://example:6443", List.of());
        assertThat(cluster.contains("spark.driver.bindAddress")).isFalse();
        assertThat(cluster.get("spark.executorEnv.DJL_OFFLINE")).isEqualTo("true");
    }

    @Test
    void aSmeltErrorOnAnExecutorReachesTheDriverAsItself() {
        SmeltException cause = new SmeltException("data.jsonl:7: has image parts");
        assertThatThrownBy(() -> SparkExampleSource.onExecutors(() -> {
            throw new IllegalStateException("Job aborted due to stage failure", new RuntimeException(cause));
        })).isSameAs(cause);
    }
}
