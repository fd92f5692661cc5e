package dev.smelt.bundle.card;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.smelt.core.io.ByteSizes;
import java.util.List;
import java.util.Map;

/**
 * Renders the bundle's README.md: Hugging Face front matter ({@code license}, {@code base_model},
 * {@code base_model_relation}, {@code library_name}, {@code tags}, {@code datasets}, {@code pipeline_tag},
 * {@code language}) and the sections a downstream team needs. Strings in the front matter are double-quoted
 * JSON strings, which YAML reads as they are.
 */
public final class ModelCardWriter {
    private ModelCardWriter() {}

    public static String render(BundleFacts f) {
        StringBuilder b = new StringBuilder();
        b.append("---\n");
        b.append("license: ").append(q(f.licenseId())).append('\n');
        if (!f.licenseId().equals("apache-2.0")) b.append("license_name: ").append(q(f.licenseName())).append('\n');
        // the Hub links base_model entries to repositories, so a local directory's name is left to NOTICE
        list(b, "base_model", f.baseModels().stream().filter(id -> id.matches("[\\w.-]+/[\\w.-]+")).toList());
        b.append("base_model_relation: ").append(q(f.relation())).append('\n');
        b.append("library_name: ").append(q(f.libraryName())).append('\n');
        list(b, "tags", f.tags());
        list(b, "datasets", f.datasets().stream().map(DatasetInfo::id).toList());
        b.append("pipeline_tag: \"text-generation\"\n");
        list(b, "language", f.languages());
        b.append("---\n\n");

        b.append("# ").append(f.name()).append(' ').append(f.version()).append("\n\n");
        b.append("A ").append(relationWords(f.relation())).append(" of ").append(bases(f)).append(", released under ")
                .append(f.licenseName()).append(" (see LICENSE and NOTICE).\n\n");

        b.append("## Contents\n\n| path | what |\n|---|---|\n");
        if (f.hasModel()) b.append("| `model/` | merged Hugging Face model directory (safetensors, config, tokenizer) |\n");
        if (f.hasAdapter()) b.append("| `adapter/` | PEFT LoRA adapter |\n");
        if (!f.gguf().isEmpty()) b.append("| `gguf/` | llama.cpp GGUF files (table below) |\n");
        if (!f.onnxFiles().isEmpty()) b.append("| `onnx/` | ONNX export |\n");
        b.append("| `MANIFEST.json`, `SHA256SUMS` | size and SHA-256 of every file; check with `smelt bundle verify` or `sha256sum -c SHA256SUMS` |\n\n");

        b.append("## Intended use\n\n");
        b.append("Text generation and chat in the format of the chat template the model was trained with (embedded in")
                .append(" every GGUF file and in `tokenizer_config.json`). It inherits the intended uses and restrictions of ")
                .append(bases(f)).append("; use it within the terms of ").append(f.licenseName()).append(".\n\n");

        b.append("## Training data and hyper-parameters\n\n");
        if (f.datasets().isEmpty()) b.append("No training data sets were recorded for this bundle.\n\n");
        else {
            b.append("| data set | licence |\n|---|---|\n");
            for (DatasetInfo d : f.datasets()) b.append("| ").append(d.id()).append(" | ").append(d.license()).append(" |\n");
            b.append('\n');
        }
        table(b, "setting", f.hyperParameters(), "No training settings were recorded (no adapter in the bundle).");

        b.append("## Evaluation\n\n");
        table(b, "metric", f.evaluation(), "No training metrics were recorded for this bundle.");

        if (!f.gguf().isEmpty()) {
            b.append("## Edge tiers\n\nRAM needed = file + llama.cpp's KV cache (f16) or recurrent state for ")
                    .append(EdgeTier.CONTEXT).append(" tokens + compute buffer, as `smelt quantize --plan` estimates it.\n\n");
            b.append("| file | size | RAM needed | target device |\n|---|---|---|---|\n");
            for (EdgeTier t : f.gguf()) {
                b.append("| `").append(t.file()).append("` | ").append(ByteSizes.format(t.bytes())).append(" | ")
                        .append(t.ram()).append(" | ").append(t.device()).append(" |\n");
            }
            b.append('\n');
        }

        b.append("## How to run\n\n");
        if (!f.gguf().isEmpty()) {
            b.append("llama.cpp:\n\n```bash\nllama-cli -m ").append(f.gguf().get(0).file()).append(" -cnv\n")
                    .append("llama-server -m ").append(f.gguf().get(0).file()).append(" --port 8080\n```\n\n");
        }
        if (!f.onnxFiles().isEmpty()) {
            b.append("onnxruntime (Python):\n\n```python\nimport onnxruntime as ort\nsession = ort.InferenceSession(\"")
                    .append(f.onnxFiles().get(0)).append("\")\nprint(session.get_modelmeta().custom_metadata_map)\n```\n\n");
        }
        if (f.hasModel()) {
            b.append("Smelt (OpenAI-style HTTP API):\n\n```bash\nsmelt serve --model model/ --port 8080\n```\n\n");
        } else if (f.hasAdapter() && !f.baseModels().isEmpty()) {
            b.append("Smelt, with the base model:\n\n```bash\nsmelt pull ").append(f.baseModels().get(0))
                    .append("\nsmelt generate --model BASE_DIR --adapter adapter/ --chat \"Hello\"\n```\n\n");
        }

        b.append("## Limitations\n\n");
        b.append("- It can produce incorrect, biased or harmful text; review its output before relying on it.\n");
        b.append("- It knows nothing the base model and its training data did not contain.\n");
        if (!f.gguf().isEmpty()) b.append("- Quantized GGUF files trade accuracy for size; the smaller the file, the larger the loss.\n");
        b.append("- The evaluation above is the training run's own loss, not a benchmark of the task.\n\n");
        b.append("Built with Smelt ").append(f.smeltVersion()).append(".\n");
        return b.toString();
    }

    private static String relationWords(String relation) {
        return switch (relation) {
            case "adapter" -> "LoRA adapter";
            case "quantized" -> "quantized release";
            default -> "fine-tune";
        };
    }

    private static String bases(BundleFacts f) {
        return f.baseModels().isEmpty() ? "its base model" : String.join(", ", f.baseModels());
    }

    private static void table(StringBuilder b, String what, Map<String, String> rows, String none) {
        if (rows.isEmpty()) {
            b.append(none).append("\n\n");
            return;
        }
        b.append("| ").append(what).append(" | value |\n|---|---|\n");
        rows.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        b.append('\n');
    }

    private static void list(StringBuilder b, String key, List<String> values) {
        b.append(key).append(':');
        if (values.isEmpty()) {
            b.append(" []\n");
            return;
        }
        b.append('\n');
        for (String v : values) b.append("- ").append(q(v)).append('\n');
    }

    private static String q(String s) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }
}
