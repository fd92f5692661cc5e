package dev.smelt.bundle.bench;

import dev.smelt.bundle.archive.ArchiveFormat;
import dev.smelt.bundle.assemble.BundleRequest;
import dev.smelt.bundle.assemble.Bundler;
import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import com.sun.nio.file.ExtendedOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Bundle throughput against raw copies of the same bytes measured in the same run. The model is {@code files}
 * safetensors shards of fp16 values spread like trained weights (random sign and mantissa, exponents of 2^-6..2^-1),
 * so compressors see realistic, mostly incompressible bytes. Three copies concatenate the same files into one fsynced
 * file, as the bundle's atomic write is: streamed through a 1 MiB buffer and the page cache ({@code copy}), in the
 * kernel ({@code kernel-copy}), and in 4 MiB direct-I/O writes as a tar bundle writes ({@code direct-copy}). Each side
 * runs {@code runs} times; its rate is the median of its runs, and the ratios' base is the copy with the highest
 * median (each side's best run is reported too). The median, because the development machine's virtual disk has
 * bursts: a best-of-N base is the best of three copies' N runs each against the bundle's N, so it measures the
 * luckiest burst (one direct copy ran at 1404 MB/s in an invocation whose other eleven copies ran 655–1015). The page
 * cache is warmed first, so all read from memory, and every side runs once untimed. Each run starts one step later in
 * the order, so no side always follows another's writes, and every step starts after its predecessor's output is
 * deleted, that deletion committed and {@code settle} has passed.
 */
public final class BundleBenchmark {
    private final Path scratch;
    private final long bytes;
    private final int files;
    private final int runs;
    private final Consumer<String> log;
    private final List<ArchiveFormat> formats;
    private final Duration settle;

    public BundleBenchmark(Path scratch, long bytes, int files, int runs, Consumer<String> log) {
        this(scratch, bytes, files, runs, ArchiveFormat.all(), Duration.ZERO, log);
    }

    /**
     * As {@link #BundleBenchmark(Path, long, int, int, Consumer)}, timing only {@code formats} and pausing
     * {@code settle} before each timed step.
     */
    public BundleBenchmark(Path scratch, long bytes, int files, int runs, List<ArchiveFormat> formats, Duration settle,
            Consumer<String> log) {
        if (bytes < 1 << 20) throw new SmeltException("--size must be at least 1MiB, got " + bytes);
        if (files < 1) throw new SmeltException("--files must be at least 1, got " + files);
        if (runs < 1) throw new SmeltException("--runs must be at least 1, got " + runs);
        this.scratch = scratch;
        this.bytes = bytes;
        this.files = files;
        this.runs = runs;
        this.log = log;
        if (formats.isEmpty()) throw new SmeltException("--formats must name at least one of tar.gz, tar.zst, zip");
        this.formats = List.copyOf(formats);
        if (settle.isNegative()) throw new SmeltException("--settle must not be negative, got " + settle);
        this.settle = settle;
    }

    /**
     * Bytes of model files and, per side (each copy, and each format keyed by its extension without the dot), the
     * rate in bytes/s of every run, in run order.
     */
    public record Result(long bytes, Map<String, List<Double>> runs, Map<String, Long> outputSizes) {
        /** The copies measured; the one with the highest median is the ratios' base. */
        public static final List<String> COPIES = List.of("copy", "kernel-copy", "direct-copy");

        /** Keeps the sides in the order given (the CLI prints them so). */
        public Result {
            Map<String, List<Double>> copy = new LinkedHashMap<>();
            runs.forEach((side, rates) -> copy.put(side, List.copyOf(rates)));
            runs = Collections.unmodifiableMap(copy);
            outputSizes = Collections.unmodifiableMap(new LinkedHashMap<>(outputSizes));
        }

        public double median(String side) {
            List<Double> r = runs.get(side).stream().sorted().toList();
            int n = r.size();
            return n % 2 == 1 ? r.get(n / 2) : (r.get(n / 2 - 1) + r.get(n / 2)) / 2;
        }

        public double best(String side) {
            return runs.get(side).stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        }

        /** The copy with the highest median. */
        public String baseline() {
            return COPIES.stream().filter(runs::containsKey).max(Comparator.comparingDouble(this::median)).orElseThrow();
        }

        /** The side's median over the base copy's median. */
        public double ratio(String side) {
            return median(side) / median(baseline());
        }

        /** The side's best run over the best run of any copy. */
        public double bestRatio(String side) {
            double bestCopy = COPIES.stream().filter(runs::containsKey).mapToDouble(this::best).max().orElseThrow();
            return best(side) / bestCopy;
        }
    }

    public Result run() throws IOException {
        Path work = Files.createTempDirectory(scratch, "smelt-bench-bundle");
        try {
            Path model = work.resolve("model");
            List<Path> shards = benchModel(model, bytes, files);
            long total = 0;
            for (Path s : shards) total += Files.size(s);
            List<String> steps = new ArrayList<>(List.of("copy", "kernel-copy"));
            if (directIo(work)) steps.add("direct-copy");
            else log.accept("no direct I/O in " + work + ": direct-copy left out");
            formats.forEach(f -> steps.add(f.extension().substring(1)));
            // not timed: the page cache holds the shards, and every side's first-run costs (the JIT and its compiler
            // threads, the kernel finding pages for a first 2 GiB of writes) are paid before any side is measured
            for (String name : steps) {
                Path target = target(work, "warm-", name);
                step(name, shards, model, target);
                deleteAndSettle(target);
            }
            Map<String, List<Double>> rates = new LinkedHashMap<>();
            Map<String, Long> sizes = new LinkedHashMap<>();
            for (int run = 0; run < runs; run++) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "run %d/%d:", run + 1, runs));
                List<String> order = new ArrayList<>(steps);
                Collections.rotate(order, -run);
                for (String name : order) {
                    pause();
                    Path target = target(work, "bench-", name);
                    long t0 = System.nanoTime();
                    long c0 = cpuNanos();
                    step(name, shards, model, target);
                    double rate = record(rates, name, total, System.nanoTime() - t0);
                    long cpu = cpuNanos() - c0;
                    sizes.put(name, Files.size(target));
                    deleteAndSettle(target);
                    line.append(String.format(Locale.ROOT, " %s %.0f MB/s (%.1f CPU-s)", name, rate / 1e6, cpu / 1e9));
                }
                log.accept(line.toString());
            }
            return new Result(total, rates, sizes);
        } finally {
            AtomicFiles.deleteRecursively(work);
        }
    }

    /**
     * CPU time of this process so far (all threads, user and system; the kernel's copying counts), or 0 where the
     * JVM does not report it. Logged per step: on a shared machine the wall-clock rates depend on the other load, the
     * CPU each step needed does not.
     */
    private static long cpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? Math.max(0, os.getProcessCpuTime()) : 0;
    }

    /**
     * Deletes a step's output and waits until the file system has committed that: freeing 2 GiB (with discard, as
     * on the development machine's ext4) otherwise lands in the next step's fsync, charging one side for another's
     * clean-up.
     */
    private static void deleteAndSettle(Path file) throws IOException {
        Files.delete(file);
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /** Where a step writes: a copy to {@code .bin}, an archive to its format's extension. */
    private static Path target(Path work, String prefix, String name) {
        return work.resolve(prefix + name + (Result.COPIES.contains(name) ? ".bin" : "." + name));
    }

    /** A bundle-able model directory: {@code files} fp16 shards of {@code bytes} in all, and an Apache-2.0 card. */
    private List<Path> benchModel(Path dir, long bytes, int files) throws IOException {
        Files.createDirectories(dir);
        List<Path> shards = generate(dir, bytes, files);
        Files.writeString(dir.resolve("README.md"), "---\nlicense: apache-2.0\n---\n# bench model\n");
        return shards;
    }

    private static void step(String name, List<Path> shards, Path model, Path target) throws IOException {
        switch (name) {
            case "copy" -> streamedCopy(shards, target);
            case "kernel-copy" -> rawCopy(shards, target);
            case "direct-copy" -> directCopy(shards, target);
            default -> Bundler.bundle(new BundleRequest(model, null, List.of(), null, null, null, "bench", "1", target,
                    null, List.of(), null, List.of(), List.of("en"), "bench", Instant.EPOCH, null));
        }
    }

    /**
     * The device's write-back of one step's 2 GiB otherwise lands in whichever step comes next (on the development
     * machine a step right after another ran at half the speed of one after a pause, whichever side it was).
     */
    private void pause() throws IOException {
        if (settle.isZero()) return;
        try {
            Thread.sleep(settle.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    /** Adds this run's rate to the key's; returns it. */
    private static double record(Map<String, List<Double>> rates, String key, long bytes, long nanos) {
        double rate = bytes / (nanos / 1e9);
        rates.computeIfAbsent(key, k -> new ArrayList<>()).add(rate);
        return rate;
    }

    /**
     * The baseline: each shard read into one 1 MiB buffer and written from it, as a bundle streams; fsynced. The
     * buffer is direct, so the JDK does not stage each read and write through a temporary one (with a heap buffer
     * this copy measured 580–1480 MB/s in the same process, at 0.5–2.7 CPU-s).
     */
    private static void streamedCopy(List<Path> shards, Path target) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (Path s : shards) {
                try (FileChannel in = FileChannel.open(s, StandardOpenOption.READ)) {
                    while (true) {
                        buf.clear();
                        if (in.read(buf) < 0) break;
                        buf.flip();
                        while (buf.hasRemaining()) out.write(buf);
                    }
                }
            }
            out.force(true);
        }
    }

    /**
     * The copy that writes the way a tar bundle does: whole 4 MiB buffers with direct I/O (no page cache), the tail
     * through the page cache, fsynced. On a VM that hands freed memory back to its host (virtio-balloon free page
     * reporting, as on the development machine) page-cache writes after a pause pay for faulting that memory in
     * again, and direct writes do not.
     */
    /** The size of a tar bundle's direct writes ({@code WriteBehindStream}). */
    private static final int DIRECT_BUFFER = 4 << 20;

    private static void directCopy(List<Path> shards, Path target) throws IOException {
        int align = 4096;
        ByteBuffer buf = ByteBuffer.allocateDirect(DIRECT_BUFFER + align).alignedSlice(align).limit(DIRECT_BUFFER).slice();
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                FileChannel direct = FileChannel.open(target, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
            long pos = 0;
            for (Path s : shards) {
                try (FileChannel in = FileChannel.open(s, StandardOpenOption.READ)) {
                    while (in.read(buf) >= 0) {
                        if (buf.hasRemaining()) continue;
                        buf.flip();
                        while (buf.hasRemaining()) pos += direct.write(buf, pos);
                        buf.clear();
                    }
                }
            }
            buf.flip();
            while (buf.hasRemaining()) pos += out.write(buf, pos);
            out.force(true);
        }
    }

    private static boolean directIo(Path dir) {
        Path probe = dir.resolve("direct-io-probe");
        try (FileChannel c = FileChannel.open(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                ExtendedOpenOption.DIRECT)) {
            ByteBuffer b = ByteBuffer.allocateDirect(2 * 4096).alignedSlice(4096).limit(4096).slice();
            c.write(b, 0);
            return Files.getFileStore(probe).getBlockSize() <= 4096;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // scratch folder is deleted at the end
            }
        }
    }

    private static void rawCopy(List<Path> shards, Path target) throws IOException {
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (Path s : shards) {
                try (FileChannel in = FileChannel.open(s, StandardOpenOption.READ)) {
                    long size = in.size();
                    long pos = 0;
                    while (pos < size) pos += in.transferTo(pos, size - pos, out);
                }
            }
            out.force(true);
        }
    }

    private List<Path> generate(Path model, long bytes, int files) throws IOException {
        log.accept("generating " + bytes / (1 << 20) + " MiB of fp16 safetensors in " + files + " files ...");
        List<Path> out = new ArrayList<>();
        long perFile = Math.max(2, bytes / files / 2 * 2);
        long seed = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < files; i++) {
            Path p = model.resolve(String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, files));
            long elements = perFile / 2;
            String json = "{\"weight\":{\"dtype\":\"F16\",\"shape\":[" + elements + "],\"data_offsets\":[0," + elements * 2 + "]}}";
            byte[] j = json.getBytes(StandardCharsets.UTF_8);
            int padded = (j.length + 7) / 8 * 8;
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(j);
            while (head.hasRemaining()) head.put((byte) ' ');
            head.flip();
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                while (head.hasRemaining()) ch.write(head);
                ByteBuffer buf = ByteBuffer.allocateDirect(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
                long left = elements;
                while (left > 0) {
                    buf.clear();
                    int n = (int) Math.min(left, buf.capacity() / 2);
                    for (int k = 0; k < n; k++) {
                        seed ^= seed << 13;
                        seed ^= seed >>> 7;
                        seed ^= seed << 17;
                        int r = (int) seed;
                        int exponent = 9 + ((r >>> 11) & 7) % 6;      // 2^-6 .. 2^-1
                        buf.putShort((short) ((r & 0x8000) | exponent << 10 | (r >>> 20) & 0x3ff));
                    }
                    buf.flip();
                    while (buf.hasRemaining()) ch.write(buf);
                    left -= n;
                }
            }
            out.add(p);
        }
        return out;
    }
}
