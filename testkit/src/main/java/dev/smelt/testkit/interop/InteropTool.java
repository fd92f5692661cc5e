package dev.smelt.testkit.interop;

import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A tool of the interop tier (llama.cpp, node, a compiled oracle…) as a JUnit 5 extension. Registered on a test class,
 * it looks the tool up once before the class's tests (and before its {@code @BeforeAll} methods); when the tool is
 * missing every test skips with the reason, unless the tier is required ({@code -Dsmelt.interop.required=true}, which
 * the build sets under {@code CI}), then they fail with it.
 * <pre>{@code
 * @RegisterExtension static final InteropTool<LlamaCppHarness> LLAMA = InteropTool.llamaCpp();
 * ... LLAMA.get().generate(gguf, prompt, 8, 5) ...
 * }</pre>
 * Register it on a {@code static} field: JUnit honours class-level callbacks only there.
 */
public final class InteropTool<T> implements BeforeAllCallback, BeforeEachCallback {
    /** The system property that turns a missing tool from a skip into a failure. */
    public static final String REQUIRED_PROPERTY = "smelt.interop.required";

    /**
     * How a tool is found: returns it, or throws {@link Missing} saying what is absent and how to install it. Any other
     * exception is an error of the test class, not a missing tool.
     */
    @FunctionalInterface
    public interface Locator<T> {
        T locate() throws Exception;
    }

    /** Thrown by a {@link Locator}: the tool is not there; the message says why, for the skip or the failure. */
    public static final class Missing extends Exception {
        public Missing(String why) {
            super(why);
        }
    }

    private final String name;
    private final Locator<T> locator;
    private final BooleanSupplier required;
    private boolean looked;
    private T tool;
    private String missing;

    private InteropTool(String name, Locator<T> locator, BooleanSupplier required) {
        this.name = name;
        this.locator = locator;
        this.required = required;
    }

    /** A tool named {@code name} in skip and failure messages, required whenever the interop tier is. */
    public static <T> InteropTool<T> of(String name, Locator<T> locator) {
        return new InteropTool<>(name, locator, InteropTool::required);
    }

    /** The same tool, a failure when missing only where {@code when} says so (instead of whenever the tier is required). */
    public InteropTool<T> requiredWhen(BooleanSupplier when) {
        return new InteropTool<>(name, locator, when);
    }

    /** llama.cpp through the repository's {@code interop/} node harness (node-llama-cpp, @huggingface/gguf). */
    public static InteropTool<LlamaCppHarness> llamaCpp() {
        return of("llama.cpp interop", () -> LlamaCppHarness.locate()
                .orElseThrow(() -> new Missing(LlamaCppHarness.missingReason())));
    }

    /**
     * A llama.cpp command-line tool ({@code llama-quantize}, {@code llama-imatrix}) found by {@link LlamaTools};
     * a failure when missing only if the tier is required and a tools directory was given (see
     * {@link LlamaTools#required()}).
     */
    public static InteropTool<Path> llamaBinary(String binary) {
        return new InteropTool<Path>(binary + " interop",
                () -> LlamaTools.binary(binary).orElseThrow(() -> new Missing(LlamaTools.missing(binary))),
                LlamaTools::required);
    }

    /** True when interop tests must fail rather than skip on a missing tool ({@code -Dsmelt.interop.required=true}). */
    public static boolean required() {
        return Boolean.getBoolean(REQUIRED_PROPERTY);
    }

    /** The located tool; only after the extension ran (in a test, or a {@code @BeforeAll}/{@code @BeforeEach} method). */
    public synchronized T get() {
        if (!looked) throw new IllegalStateException(name + ": register the InteropTool with @RegisterExtension on a static field");
        if (tool == null) throw new IllegalStateException(name + " is missing: " + missing);
        return tool;
    }

    /**
     * Looks the tool up now and returns it, skipping or failing the running test as the extension would: for a test
     * whose first part needs no interop tool (it runs without one) and whose last part checks against it. Such a tool
     * is held on a static field without {@code @RegisterExtension}.
     */
    public synchronized T require() throws Exception {
        check();
        return tool;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        check();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        check();
    }

    private synchronized void check() throws Exception {
        if (!looked) {
            try {
                tool = locator.locate();
            } catch (Missing e) {
                missing = e.getMessage();
            }
            looked = true;
        }
        if (tool != null) return;
        if (required.getAsBoolean()) Assertions.fail("interop required but " + name + " is missing: " + missing);
        Assumptions.abort("skipping " + name + ": " + missing);
    }
}
