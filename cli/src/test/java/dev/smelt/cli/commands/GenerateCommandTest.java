package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.cli.Smelt;
import dev.smelt.core.chat.ChatMessage;
import dev.smelt.core.chat.ChatTemplateKwargs;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.models.generate.LanguageModel;
import dev.smelt.models.generate.SamplingParams;
import dev.smelt.testkit.cli.CliRunner.Result;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.trainer.lora.LoraSettings;
import dev.smelt.trainer.peft.AdapterConfig;
import dev.smelt.trainer.peft.AdapterFiles;
import dev.smelt.trainer.peft.LoraPair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GenerateCommandTest {
    @TempDir static Path tmp;
    Path model;

    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @BeforeAll
    void model() throws Exception {
        model = tmp.resolve("qwen3");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3).seed(5).build(), model);
    }

    @Test
    void streamsTextAndReportsSpeedOnStderr() {
        Result r = SMELT.run("generate", "--model", model.toString(), "--prompt", "Once upon a time", "--max-new-tokens", "8");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isNotBlank();
        assertThat(r.err()).containsPattern("smelt: \\d+ prompt tokens, \\d+ generated \\((length|stop_token)\\); "
                + "prefill [0-9.]+ tok/s, decode [0-9.]+ tok/s");
    }

    @Test
    void greedyIdsMatchTheLibraryAndChatUsesTheTemplate() throws Exception {
        Result r = SMELT.run("generate", "--model", model.toString(), "--chat", "hi", "--max-new-tokens", "10", "--print-ids",
                "--ignore-eos", "--temperature", "0", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        try (LanguageModel lm = LanguageModel.open(ModelDirectory.open(model), Device.cpu(), DataType.FLOAT32)) {
            long[] prompt = lm.encodeChat(List.of(ChatMessage.user("hi")));
            List<Integer> expected = lm.generate(prompt, SamplingParams.greedy(10, List.of()), null).tokenIds();
            assertThat(r.out().trim()).isEqualTo(String.join(" ", expected.stream().map(String::valueOf).toList()));
        }
    }

    @Test
    void adapterChangesTheOutputAndAZeroAdapterDoesNot() throws Exception {
        String[] base = {"generate", "--model", model.toString(), "--prompt-ids", "5,17,300,42", "--max-new-tokens", "12",
                "--print-ids", "--ignore-eos", "--temperature", "0", "-q"};
        Result plain = SMELT.run(base);
        assertThat(plain.code()).as(plain.err()).isZero();

        Path strong = writeAdapter("strong", 3.0f);
        Path zero = writeAdapter("zero", 0f);
        Result withStrong = SMELT.run(concat(base, "--adapter", strong.toString()));
        Result withZero = SMELT.run(concat(base, "--adapter", zero.toString()));
        assertThat(withStrong.code()).as(withStrong.err()).isZero();
        assertThat(withZero.out()).isEqualTo(plain.out());
        assertThat(withStrong.out()).isNotEqualTo(plain.out());
    }

    /** The prompt the adapter was trained on is the default; --chat-template-kwargs overrides it, bad JSON is a usage error. */
    @Test
    void chatTemplateKwargsComeFromTheAdapterAndTheFlagOverridesThem() throws Exception {
        int thinking;
        int nonThinking;
        try (LanguageModel lm = LanguageModel.open(ModelDirectory.open(model), Device.cpu(), DataType.FLOAT32)) {
            thinking = lm.encodeChat(List.of(ChatMessage.user("hi"))).length;
            nonThinking = lm.encodeChat(List.of(ChatMessage.user("hi")), ChatTemplateKwargs.of("enable_thinking", false)).length;
        }
        assertThat(nonThinking).isGreaterThan(thinking);
        Path plain = writeAdapter("no-record", 0f, ChatTemplateKwargs.NONE);
        Path recorded = writeAdapter("non-thinking", 0f, ChatTemplateKwargs.of("enable_thinking", false));
        String[] base = {"generate", "--model", model.toString(), "--chat", "hi", "--max-new-tokens", "1"};
        assertThat(promptTokens(SMELT.run(concat(base, "--adapter", plain.toString())))).isEqualTo(thinking);
        assertThat(promptTokens(SMELT.run(concat(base, "--adapter", recorded.toString())))).isEqualTo(nonThinking);
        assertThat(promptTokens(SMELT.run(concat(base, "--adapter", recorded.toString(), "--chat-template-kwargs",
                "{\"enable_thinking\": true}")))).isEqualTo(thinking);
        assertThat(promptTokens(SMELT.run(concat(base, "--chat-template-kwargs", "{\"enable_thinking\": false}")))).isEqualTo(nonThinking);

        Result bad = SMELT.run(concat(base, "--chat-template-kwargs", "{enable_thinking: true}"));
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err().strip().lines()).as(bad.err()).hasSize(2);
        assertThat(bad.err()).startsWith("smelt: error: --chat-template-kwargs: not valid JSON").contains("see smelt generate -h");
        Result notObject = SMELT.run(concat(base, "--chat-template-kwargs", "true"));
        assertThat(notObject.code()).isEqualTo(2);
        assertThat(notObject.err()).contains("expected a JSON object");
    }

    private static int promptTokens(Result r) {
        assertThat(r.code()).as(r.err()).isZero();
        Matcher m = Pattern.compile("smelt: (\\d+) prompt tokens").matcher(r.err());
        assertThat(m.find()).as(r.err()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    @Test
    void errorsAreOneLine() {
        Result missing = SMELT.run("generate", "--model", model.toString(), "--adapter", tmp.resolve("nope").toString(), "--prompt", "x");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).startsWith("smelt: error: ").contains("nope");
        assertThat(missing.err().strip().lines().count()).isEqualTo(1);

        Result system = SMELT.run("generate", "--model", model.toString(), "--prompt", "x", "--system", "be brief");
        assertThat(system.code()).isEqualTo(1);
        assertThat(system.err()).contains("--system needs --chat");

        Result none = SMELT.run("generate", "--model", model.toString());
        assertThat(none.code()).isEqualTo(2);

        Result file = SMELT.run("generate", "--model", model.toString(), "--prompt-file", tmp.resolve("absent.txt").toString());
        assertThat(file.code()).isEqualTo(1);
        assertThat(file.err()).contains("absent.txt: no such file");

        Result ids = SMELT.run("generate", "--model", model.toString(), "--prompt-ids", "1,999999");
        assertThat(ids.code()).isEqualTo(1);
        assertThat(ids.err()).contains("outside the vocabulary");
    }

    private Path writeAdapter(String name, float bScale) throws Exception {
        return writeAdapter(name, bScale, ChatTemplateKwargs.NONE);
    }

    private Path writeAdapter(String name, float bScale, ChatTemplateKwargs kwargs) throws Exception {
        Path dir = tmp.resolve("adapter-" + name);
        ModelDirectory md = ModelDirectory.open(model);
        int hidden = md.config().hiddenSize();
        int r = 4;
        List<LoraPair> pairs = new ArrayList<>();
        Random rnd = new Random(9);
        for (int l = 0; l < md.config().numLayers(); l++) {
            String module = "model.layers." + l + ".mlp.down_proj";
            int in = ((DenseConfig) md.config()).intermediateSize();
            float[] a = new float[r * in];
            float[] b = new float[hidden * r];
            for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian() * 0.3f;
            for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian() * bScale;
            pairs.add(new LoraPair(module, r, in, hidden, a, b));
        }
        AdapterConfig cfg = new AdapterConfig(r, 8, 0, false, new LoraSettings.Targets.Names(List.of("down_proj")),
                model.toString(), null, Map.of(), Map.of());
        AdapterFiles.write(dir, cfg, pairs, kwargs);
        return dir;
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
