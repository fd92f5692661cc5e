package dev.smelt.cli.commands;

import dev.smelt.bundle.archive.ArchiveFormat;
import dev.smelt.bundle.verify.UnpackedBundle;
import dev.smelt.cli.GlobalOptions;
import dev.smelt.core.SmeltException;
import dev.smelt.hub.HubClient;
import dev.smelt.hub.RepoId;
import dev.smelt.hub.RepoType;
import dev.smelt.hub.ProgressPrinter;
import dev.smelt.hub.CommitResult;
import dev.smelt.hub.PushRequest;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "push", description = {
        "Upload a folder, or the contents of a bundle (smelt bundle), to a Hugging Face Hub repository as one commit. "
        + "A bundle is verified first and uploaded as a model repository whose README.md is the bundle's model card. "
        + "Large and binary files go through LFS; files the Hub already has are not uploaded again."
                + " The last line of stdout is the commit URL."})
public final class PushCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR|BUNDLE", description = "Folder to upload (.git/ and .cache/huggingface/ are skipped), or a .tar.gz/.tar.zst/.zip bundle.")
    Path dir;

    @Parameters(index = "1", paramLabel = "REPO", description = "namespace/name")
    String repo;

    @Mixin
    HubOptions hub;

    @Option(names = "--revision", paramLabel = "BRANCH", defaultValue = "main", description = "Branch to commit to (default: ${DEFAULT-VALUE}).")
    String revision;

    @Option(names = "--create", description = "Create the repository if it does not exist.")
    boolean create;

    @Option(names = "--private", description = "With --create: make the new repository private.")
    boolean makePrivate;

    @Option(names = {"--message", "-m"}, paramLabel = "M", description = "Commit message (first line: summary).")
    String message;

    @Option(names = "--max-workers", paramLabel = "N", defaultValue = "8", description = "Parallel uploads (default: ${DEFAULT-VALUE}).")
    int maxWorkers;

    @Override
    public Integer call() throws Exception {
        HubClient client = HubClient.builder().settings(hub.settings()).maxWorkers(maxWorkers).build();
        PrintWriter err = spec.commandLine().getErr();
        ProgressPrinter printer = GlobalOptions.quiet() ? null
                : new ProgressPrinter(client.progress(), err, HubOptions.interactiveTerminal(), "push " + repo).start();
        CommitResult r;
        UnpackedBundle bundle = null;
        try {
            Path folder = dir.toAbsolutePath();
            String commitMessage = message;
            if (Files.isRegularFile(dir) && ArchiveFormat.isArchive(dir)) {
                if (hub.type() != RepoType.MODEL) {
                    throw new SmeltException(dir + ": a bundle is a model release; push it without --repo-type " + hub.type().name().toLowerCase(Locale.ROOT));
                }
                bundle = UnpackedBundle.open(dir);
                folder = bundle.dir();
                if (commitMessage == null) commitMessage = "Release " + bundle.manifest().name() + " " + bundle.manifest().version();
            }
            r = client.push(new PushRequest(folder, hub.type(), new RepoId(repo), revision, create, makePrivate, commitMessage));
        } finally {
            if (printer != null) printer.close();
            if (bundle != null) bundle.close();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (r.noChanges()) {
            err.println("nothing changed (" + r.unchanged() + " files identical on the Hub); no commit created");
            err.flush();
            return 0;
        }
        if (!GlobalOptions.quiet()) {
            err.println("committed " + (r.inlineFiles() + r.lfsUploaded() + r.lfsAlreadyPresent()) + " files: "
                    + r.lfsUploaded() + " uploaded via LFS, " + r.lfsAlreadyPresent() + " already on the Hub, "
                    + r.inlineFiles() + " inline; " + r.unchanged() + " unchanged");
            err.flush();
        }
        out.println(r.commitUrl() != null ? r.commitUrl() : r.commitOid());
        out.flush();
        return 0;
    }
}
