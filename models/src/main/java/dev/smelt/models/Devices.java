package dev.smelt.models;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.smelt.core.SmeltException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Devices as the {@code devices} setting names them: {@code cpu}, {@code gpuN} ({@code gpu} and {@code cuda:N} are
 * read too), a comma-separated list of GPUs for data parallelism. Parsing does not start the engine, so it may run
 * before {@link TorchThreads#configure}; whether a GPU exists is checked when a model is loaded.
 */
public final class Devices {
    private Devices() {}

    /** One device: {@code cpu} or {@code gpuN}. */
    public static Device parseOne(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.contains(",")) {
            throw new SmeltException("devices " + name + ": one device expected (cpu or gpuN); only training runs on several");
        }
        if (n.equals("cpu")) return Device.cpu();
        String idx = n.startsWith("gpu") ? n.substring(3) : n.startsWith("cuda:") ? n.substring(5) : n.equals("cuda") ? "" : null;
        try {
            if (idx != null) return Device.gpu(idx.isEmpty() ? 0 : Integer.parseUnsignedInt(idx));
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new SmeltException("devices " + name + ": expected cpu or gpuN (e.g. gpu0)");
    }

    /** {@code cpu}, {@code gpu0} or {@code gpu0,gpu1,...}: distinct devices, and only GPUs when there are several. */
    public static List<Device> parse(String list) {
        List<Device> out = new ArrayList<>();
        for (String d : list.split(",")) {
            if (!d.isBlank()) out.add(parseOne(d));
        }
        checkDataParallel(out);
        return out;
    }

    /** Refuses an empty list, a device named twice, and the CPU in a list of several (data parallelism needs GPUs). */
    public static void checkDataParallel(List<Device> devices) {
        if (devices.isEmpty()) throw new SmeltException("devices is empty; expected cpu, gpu0 or gpu0,gpu1,...");
        for (int i = 0; i < devices.size(); i++) {
            if (devices.indexOf(devices.get(i)) != i) throw new SmeltException("devices names " + name(devices.get(i)) + " twice");
        }
        if (devices.size() > 1 && devices.stream().anyMatch(d -> !d.isGpu())) {
            throw new SmeltException("devices " + names(devices) + ": data parallelism needs GPUs only (e.g. gpu0,gpu1)");
        }
    }

    /** Refuses a GPU that PyTorch does not see. Starts the engine. */
    public static void requireVisible(Device device) {
        if (!device.isGpu()) return;
        int available = Engine.getInstance().getGpuCount();
        if (device.getDeviceId() >= available) {
            throw new SmeltException("devices " + name(device) + ": " + (available == 0 ? "no GPU is visible to PyTorch"
                    : "only " + available + " GPU(s) are visible"));
        }
    }

    /** A device as {@link #parseOne} reads it back: {@code cpu}, {@code gpuN}. */
    public static String name(Device device) {
        return device.isGpu() ? "gpu" + device.getDeviceId() : "cpu";
    }

    /** Devices as {@link #parse} reads them back: {@code cpu}, {@code gpu0,gpu1}. */
    public static String names(List<Device> devices) {
        return devices.stream().map(Devices::name).collect(Collectors.joining(","));
    }
}
