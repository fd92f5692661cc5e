package dev.smelt.trainer.sft;

import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.trainer.SettingException;
import dev.smelt.core.safetensors.SafetensorsFile;
import dev.smelt.core.safetensors.SafetensorsWriter;
import dev.smelt.core.safetensors.TensorSource;
import dev.smelt.trainer.peft.AdapterConfig;
import dev.smelt.trainer.peft.AdapterFiles;
import dev.smelt.trainer.peft.LoraPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checkpoint directories {@code <out>/checkpoints/step-NNNNNNNN}: a usable PEFT adapter plus
 * {@code optimizer.safetensors} (AdamW moments) and {@code trainer_state.json}. Each is built in a hidden
 * temp directory and renamed into place, so a directory with the final name is always complete; a kill
 * mid-write leaves only a hidden temp directory, which the next save or resume removes.
 */
public final class Checkpoints {
    public static final String DIR = "checkpoints";
    public static final String OPTIMIZER = "optimizer.safetensors";
    private static final Pattern NAME = Pattern.compile("step-(\\d+)");

    private final Path root;
    private final int keepLast;

    public Checkpoints(Path outDir, int keepLast) {
        if (keepLast < 1) throw new SettingException("{keepCheckpoints} must be >= 1, got " + keepLast);
        this.root = outDir.resolve(DIR);
        this.keepLast = keepLast;
    }

    /** A loaded checkpoint. */
    public record Loaded(Path dir, TrainerState state, AdapterFiles.Adapter adapter, int optimizerSteps,
            Map<String, float[]> optimizerState) {}

    public Path save(TrainerState state, AdapterConfig config, List<LoraPair> pairs, int optimizerSteps,
            Map<String, float[]> optimizerState) throws IOException {
        Files.createDirectories(root);
        removeTempDirs();
        Path target = root.resolve(String.format("step-%08d", state.run().step()));
        AtomicFiles.writeDirectory(target, tmp -> {
            AdapterFiles.write(tmp, config, pairs);
            List<TensorSource> tensors = new ArrayList<>();
            for (Map.Entry<String, float[]> e : optimizerState.entrySet()) {
                tensors.add(TensorSource.ofFloats(e.getKey(), new long[] {e.getValue().length}, e.getValue()));
            }
            SafetensorsWriter.write(tmp.resolve(OPTIMIZER), Map.of("optimizer", "adamw", "steps",
                    Integer.toString(optimizerSteps)), tensors);
            AtomicFiles.writeString(tmp.resolve(TrainerState.FILE), state.toJson());
        });
        prune();
        return target;
    }

    /** The newest complete checkpoint, if any. */
    public Optional<Path> latest() {
        return list().stream().reduce((a, b) -> b);
    }

    public List<Path> list() {
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .filter(p -> Files.isRegularFile(p.resolve(TrainerState.FILE)))
                    .sorted(Comparator.comparingLong(Checkpoints::stepOf))
                    .toList();
        } catch (IOException e) {
            throw new SmeltException(root + ": cannot list checkpoints: " + e.getMessage(), e);
        }
    }

    public static Loaded load(Path dir) {
        Path stateFile = dir.resolve(TrainerState.FILE);
        TrainerState state;
        try {
            state = TrainerState.parse(stateFile.toString(), Files.readString(stateFile));
        } catch (IOException e) {
            throw new SmeltException(stateFile + ": cannot read: " + e.getMessage(), e);
        }
        AdapterFiles.Adapter adapter = AdapterFiles.read(dir);
        Map<String, float[]> opt = new LinkedHashMap<>();
        int optSteps;
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(OPTIMIZER))) {
            for (String name : f.tensors().keySet()) opt.put(name, f.floats(name));
            String steps = f.metadata().get("steps");
            if (steps == null) throw new SmeltException(dir.resolve(OPTIMIZER) + ": missing metadata field \"steps\"");
            optSteps = Integer.parseInt(steps);
        }
        return new Loaded(dir, state, adapter, optSteps, opt);
    }

    private void prune() {
        List<Path> all = list();
        for (int i = 0; i < all.size() - keepLast; i++) AtomicFiles.deleteRecursively(all.get(i));
    }

    private void removeTempDirs() throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(".")).toList()) {
                AtomicFiles.deleteRecursively(p);
            }
        }
    }

    private static long stepOf(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}
