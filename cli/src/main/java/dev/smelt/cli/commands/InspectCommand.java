package dev.smelt.cli.commands;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.converter.gguf.GgufInspector;
import dev.smelt.core.SmeltException;
import dev.smelt.core.inspect.Inspection;
import dev.smelt.core.inspect.ModelInspector;
import dev.smelt.core.inspect.TensorRow;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "inspect", description = {
        "Show architecture, parameter count, dtypes and the tensor table of a model. "
        + "PATH: a Hugging Face model directory, a .safetensors file, a .gguf file, or a config.json (with --from-config)."})
public final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PATH")
    Path path;

    @Option(names = "--json", description = "Machine-readable output (stable field names).")
    boolean json;

    @Option(names = "--from-config", description = "Count parameters from config.json alone; no weights needed.")
    boolean fromConfig;

    @Option(names = "--tensors", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Include the tensor table (default: ${DEFAULT-VALUE}).")
    boolean tensors;

    @Override
    public Integer call() throws Exception {
        Inspection r = inspect();
        PrintWriter out = spec.commandLine().getOut();
        if (json) out.println(toJson(r));
        else printText(r, out);
        out.flush();
        return 0;
    }

    private Inspection inspect() {
        if (!Files.exists(path)) throw new SmeltException(path + ": no such file or directory");
        if (fromConfig) return ModelInspector.inspectConfig(path);
        String name = path.getFileName().toString();
        if (Files.isDirectory(path)) return ModelInspector.inspectDirectory(path);
        if (name.endsWith(".safetensors")) return ModelInspector.inspectSafetensors(path);
        if (name.endsWith(".gguf")) return GgufInspector.inspect(path);
        if (name.equals("config.json")) return ModelInspector.inspectConfig(path);
        throw new SmeltException(path + ": unrecognised file (expected a model directory, .safetensors, .gguf or config.json)");
    }

    String toJson(Inspection r) throws Exception {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode o = m.createObjectNode();
        o.put("path", r.path());
        o.put("kind", r.kind());
        o.put("architecture", r.architecture());
        o.put("parameters", r.parameters());
        if (r.parametersFromConfig() != null) o.put("parameters_from_config", r.parametersFromConfig());
        o.put("total_bytes", r.totalBytes());
        ObjectNode byType = o.putObject("parameters_by_type");
        r.parametersByType().forEach(byType::put);
        o.set("missing", m.valueToTree(r.missing()));
        o.set("unexpected", m.valueToTree(r.unexpected()));
        for (Map.Entry<String, Object> e : r.extra().entrySet()) o.set(e.getKey(), m.valueToTree(e.getValue()));
        if (tensors) {
            ArrayNode arr = o.putArray("tensors");
            for (TensorRow t : r.tensors()) {
                ObjectNode row = arr.addObject();
                row.put("name", t.name());
                ArrayNode shape = row.putArray("shape");
                for (long d : t.shape()) shape.add(d);
                row.put("dtype", t.type());
                row.put("bytes", t.bytes());
            }
        }
        return m.writeValueAsString(o);
    }

    private void printText(Inspection r, PrintWriter out) {
        out.printf("path:          %s%n", r.path());
        out.printf("kind:          %s%n", r.kind());
        if (r.architecture() != null) out.printf("architecture:  %s%n", r.architecture());
        out.printf("parameters:    %,d (%s)%n", r.parameters(), human(r.parameters()));
        if (r.parametersFromConfig() != null && r.parametersFromConfig() != r.parameters()) {
            out.printf("from config:   %,d (language model)%n", r.parametersFromConfig());
        }
        for (Map.Entry<String, Object> e : r.extra().entrySet()) {
            if (e.getValue() instanceof Number n) out.printf("%-14s %,d%n", e.getKey().replace('_', ' ') + ":", n.longValue());
        }
        if (r.totalBytes() > 0) out.printf("size:          %,d bytes (%s)%n", r.totalBytes(), humanBytes(r.totalBytes()));
        StringBuilder types = new StringBuilder();
        r.parametersByType().forEach((k, v) -> types.append(types.length() == 0 ? "" : ", ").append(k).append(' ').append(human(v)));
        if (!r.tensors().isEmpty()) out.printf("dtypes:        %s%n", types);
        if (!r.missing().isEmpty()) out.printf("missing:       %d tensors, e.g. %s%n", r.missing().size(), r.missing().get(0));
        if (!r.unexpected().isEmpty()) out.printf("not used:      %d tensors (carried through), e.g. %s%n", r.unexpected().size(), r.unexpected().get(0));
        if ("gguf".equals(r.kind()) && r.extra().get("metadata") instanceof Map<?, ?> meta) {
            out.printf("%nmetadata:%n");
            meta.forEach((k, v) -> out.printf("  %-45s %s%n", k, GgufInspector.display(v)));
        }
        if (!tensors || r.tensors().isEmpty()) return;
        int w = r.tensors().stream().mapToInt(t -> t.name().length()).max().orElse(4);
        out.printf("%n%-" + w + "s  %-20s %-8s %s%n", "tensor", "shape", "dtype", "bytes");
        for (TensorRow t : r.tensors()) {
            out.printf("%-" + w + "s  %-20s %-8s %,d%n", t.name(), Arrays.toString(t.shape()), t.type(), t.bytes());
        }
    }

    static String human(long n) {
        if (n >= 1_000_000_000L) return String.format("%.2fB", n / 1e9);
        if (n >= 1_000_000L) return String.format("%.2fM", n / 1e6);
        if (n >= 1_000L) return String.format("%.1fK", n / 1e3);
        return Long.toString(n);
    }

    static String humanBytes(long n) {
        if (n >= 1L << 30) return String.format("%.2f GiB", n / (double) (1L << 30));
        if (n >= 1L << 20) return String.format("%.2f MiB", n / (double) (1L << 20));
        if (n >= 1L << 10) return String.format("%.1f KiB", n / 1024.0);
        return n + " B";
    }
}
