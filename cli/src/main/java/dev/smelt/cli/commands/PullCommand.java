package dev.smelt.cli.commands;

import dev.smelt.cli.GlobalOptions;
import dev.smelt.hub.HubClient;
import dev.smelt.hub.RepoRef;
import dev.smelt.hub.PathFilter;
import dev.smelt.hub.ProgressPrinter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "pull", description = {
        "Download a model or dataset from the Hugging Face Hub. "
        + "Files go to the huggingface_hub cache (shared with Python tools) unless --local-dir is given;"
                + " the last line of stdout is the snapshot path. Interrupted pulls resume where they stopped."})
public final class PullCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "REPO[@REV]", description = "e.g. Qwen/Qwen2.5-0.5B or Qwen/Qwen2.5-0.5B@main")
    String repo;

    @Mixin
    HubOptions hub;

    @Option(names = "--include", paramLabel = "GLOB", description = "Only files matching (fnmatch; repeatable).")
    List<String> include = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "GLOB", description = "Skip files matching (repeatable).")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--local-dir", paramLabel = "DIR", description = "Download into DIR instead of the cache.")
    Path localDir;

    @Option(names = "--max-workers", paramLabel = "N", defaultValue = "8", description = "Parallel downloads (default: ${DEFAULT-VALUE}).")
    int maxWorkers;

    @Override
    public Integer call() {
        RepoRef ref = RepoRef.parse(repo);
        HubClient client = HubClient.builder().settings(hub.settings()).maxWorkers(maxWorkers).build();
        PathFilter filter = new PathFilter(include, exclude);
        PrintWriter err = spec.commandLine().getErr();
        ProgressPrinter printer = GlobalOptions.quiet() ? null
                : new ProgressPrinter(client.progress(), err, HubOptions.interactiveTerminal(), "pull " + ref.repo()).start();
        Thread onInterrupt = new Thread(() -> {
            if (printer != null) printer.close();
            err.println("smelt: pull interrupted; partial downloads are kept and resume on the next pull");
            err.flush();
        });
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        Path result;
        try {
            result = localDir != null
                    ? client.snapshotToDir(hub.type(), ref.repo(), ref.revision(), filter, localDir.toAbsolutePath())
                    : client.snapshot(hub.type(), ref.repo(), ref.revision(), filter);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C arrived: the hook reports it
            }
            if (printer != null) printer.close();
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(result);
        out.flush();
        return 0;
    }
}
