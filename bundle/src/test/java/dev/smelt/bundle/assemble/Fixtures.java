package dev.smelt.bundle.assemble;

import dev.smelt.bundle.provenance.OnnxMetadata;
import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Tiny real inputs for bundle tests: an HF model, its F16 GGUF, an adapter directory with metrics, an ONNX file. */
public record Fixtures(Path model, Path gguf, Path adapter, Path onnx, Path dataset) {
    public static final Instant MTIME = Instant.parse("2026-01-02T03:04:05Z");

    public static Fixtures create(Path root) throws IOException {
        Path model = root.resolve("base");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.LLAMA).hiddenSize(32).vocabSize(512).build(), model);
        Files.writeString(model.resolve("README.md"), "---\nlicense: apache-2.0\nbase_model: smelt-test/tiny-base\n---\n# tiny\n");
        Path gguf = root.resolve("tiny-f16.gguf");
        GgufExport.export(model, gguf, GgufExport.Options.of(OutputType.F16), new GgufExport.Listener() {});
        Path adapter = Files.createDirectories(root.resolve("adapter"));
        Files.writeString(adapter.resolve("adapter_config.json"), "{\"peft_type\":\"LORA\",\"r\":8,\"lora_alpha\":16,"
                + "\"lora_dropout\":0.0,\"target_modules\":[\"q_proj\",\"v_proj\"],\"base_model_name_or_path\":\"../base\"}");
        Files.copy(model.resolve("model.safetensors"), adapter.resolve("adapter_model.safetensors"));
        Files.writeString(adapter.resolve("metrics.jsonl"), "{\"step\":1,\"loss\":2.5,\"lr\":1e-4}\n"
                + "{\"step\":2,\"loss\":2.25,\"lr\":1e-4}\n{\"step\":2,\"eval_loss\":2.3,\"eval_ppl\":9.97}\n");
        Path onnxDir = Files.createDirectories(root.resolve("onnx"));
        Files.write(onnxDir.resolve("model.onnx"), tinyOnnx(Map.of("producer_note", "test")));
        Path dataset = Files.createDirectories(root.resolve("dataset"));
        Files.writeString(dataset.resolve("README.md"), "---\nlicense: cc-by-4.0\npretty_name: tiny-chat\n---\n# data\n");
        return new Fixtures(model, gguf, adapter, onnxDir, dataset);
    }

    public BundleRequest request(Path out) {
        return new BundleRequest(model, adapter, List.of(gguf), null, onnx, null, "tiny", "1.0.0", out, null,
                List.of(dataset), null, List.of(), List.of("en"), "0.1.0-test", MTIME, null);
    }

    /** A ModelProto: ir_version 9, producer_name "test", an empty graph, opset 17, plus metadata_props. */
    public static byte[] tinyOnnx(Map<String, String> metadata) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x08);
        b.write(9);
        byte[] producer = "test".getBytes(StandardCharsets.UTF_8);
        b.write(0x12);
        b.write(producer.length);
        b.writeBytes(producer);
        b.write(0x3a); // field 7 graph, length-delimited
        b.write(0);
        b.write(0x42); // field 8 opset_import {2: version 17}
        b.write(2);
        b.write(0x10);
        b.write(17);
        b.writeBytes(OnnxMetadata.encode(new java.util.TreeMap<>(metadata)));
        return b.toByteArray();
    }
}
