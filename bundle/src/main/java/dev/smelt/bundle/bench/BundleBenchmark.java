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
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Bundle throughput against a raw copy measured in the same run. The model is {@code files} safetensors shards of fp16
 * values spread like trained weights (random sign and mantissa, exponents of 2^-6..2^-1), so compressors see
 * realistic, mostly incompressible bytes. The baseline ({@code copy}) concatenates the same files into one file the
 * way a bundle has to move them: read into a 1 MiB buffer in the JVM and written from there (a bundle must see every
 * byte to hash, stamp and compress it), then fsynced, as the bundle's atomic write is. The in-kernel copy
 * ({@code FileChannel.transferTo}, the bytes never enter the process) is measured and printed beside it
 * ({@code kernel-copy}) but is not the ratio's base: no archive writer can work that way. Each side runs {@code runs}
 * times and keeps its best; the page cache is warmed first, so all read from memory.
 */
public final class BundleBenchmark {
    private final Path scratch;
    private final long bytes;
    private final int files;
    private final int runs;
    private final Consumer<String> log;
    private final List<ArchiveFormat> formats;

    public BundleBenchmark(Path scratch, long bytes, int files, int runs, Consumer<String> log) {
        this(scratch, bytes, files, runs, ArchiveFormat.all(), log);
    }

    /** As {@link #BundleBenchmark(Path, long, int, int, Consumer)}, timing only {@code formats}. */
    public BundleBenchmark(Path scratch, long bytes, int files, int runs, List<ArchiveFormat> formats, Consumer<String> log) {
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
    }

    /**
     * Bytes of model files and the best rate in bytes/s of the streamed copy ({@code copy}, the base of
     * {@link #ratio}), the in-kernel copy ({@code kernel-copy}) and each format (keyed by its extension without the dot).
     */
    public record Result(long bytes, Map<String, Double> rates, Map<String, Long> outputSizes) {
        public double ratio(String format) {
            return rates.get(format) / rates.get("copy");
        }
    }

    public Result run() throws IOException {
        Path work = Files.createTempDirectory(scratch, "smelt-bench-bundle");
        try {
            Path model = Files.createDirectories(work.resolve("model"));
            List<Path> shards = generate(model);
            long total = 0;
            for (Path s : shards) total += Files.size(s);
            Files.writeString(model.resolve("README.md"), "---\nlicense: apache-2.0\n---\n# bench model\n");
            // not timed: the page cache holds the shards, and both copies' first-run costs (the JIT, the kernel
            // finding pages for a first 2 GiB of writes) are paid before any side is measured
            rawCopy(shards, work.resolve("warm.bin"));
            Files.delete(work.resolve("warm.bin"));
            streamedCopy(shards, work.resolve("warm.bin"));
            Files.delete(work.resolve("warm.bin"));
            Map<String, Double> rates = new LinkedHashMap<>();
            Map<String, Long> sizes = new LinkedHashMap<>();
            for (int run = 0; run < runs; run++) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "run %d/%d:", run + 1, runs));
                for (String name : List.of("copy", "kernel-copy")) {
                    Path copy = work.resolve(name + ".bin");
                    long t0 = System.nanoTime();
                    long c0 = cpuNanos();
                    if (name.equals("copy")) streamedCopy(shards, copy);
                    else rawCopy(shards, copy);
                    double rate = record(rates, name, total, System.nanoTime() - t0);
                    long cpu = cpuNanos() - c0;
                    sizes.put(name, Files.size(copy));
                    Files.delete(copy);
                    line.append(String.format(Locale.ROOT, " %s %.0f MB/s (%.1f CPU-s)", name, rate / 1e6, cpu / 1e9));
                }
                for (ArchiveFormat f : formats) {
                    String name = f.extension().substring(1);
                    Path out = work.resolve("bench" + f.extension());
                    long t1 = System.nanoTime();
                    long c1 = cpuNanos();
                    Bundler.bundle(new BundleRequest(model, null, List.of(), null, null, null, "bench", "1", out, null,
                            List.of(), null, List.of(), List.of("en"), "bench", Instant.EPOCH, null));
                    double rate = record(rates, name, total, System.nanoTime() - t1);
                    long cpu = cpuNanos() - c1;
                    sizes.put(name, Files.size(out));
                    Files.delete(out);
                    line.append(String.format(Locale.ROOT, ", %s %.0f MB/s (%.1f CPU-s)", name, rate / 1e6, cpu / 1e9));
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

    /** Keeps the best rate per key; returns this run's. */
    private static double record(Map<String, Double> rates, String key, long bytes, long nanos) {
        double rate = bytes / (nanos / 1e9);
        rates.merge(key, rate, Math::max);
        return rate;
    }

    /** The baseline: each shard read into one 1 MiB heap buffer and written from it, as a bundle streams; fsynced. */
    private static void streamedCopy(List<Path> shards, Path target) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
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

    private List<Path> generate(Path model) throws IOException {
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
