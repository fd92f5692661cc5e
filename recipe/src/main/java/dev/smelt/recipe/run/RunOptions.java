package dev.smelt.recipe.run;

import dev.smelt.hub.HubClient;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * How to run a recipe: the work directory (step outputs live in {@code workDir/STEP/KEY}), {@code from} (a step
 * name or kind from which every step is redone; null: none), {@code dryRun} (plan only), the Smelt version stamped
 * into bundles, the Hub client for pull and push, and where progress goes ({@code log}; null: quiet).
 */
public record RunOptions(Path workDir, String from, boolean dryRun, String smeltVersion, Supplier<HubClient> hub,
        PrintStream log, boolean live) {}
