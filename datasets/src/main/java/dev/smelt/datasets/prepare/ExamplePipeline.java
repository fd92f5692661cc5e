package dev.smelt.datasets.prepare;

import dev.smelt.core.SmeltException;
import dev.smelt.datasets.format.DataFormat;
import dev.smelt.datasets.format.FormatDetector;
import dev.smelt.datasets.format.FormatName;
import dev.smelt.datasets.format.InvalidRowException;
import dev.smelt.datasets.format.Sample;
import dev.smelt.datasets.image.ImageRef;
import dev.smelt.datasets.image.ModelImages;
import dev.smelt.datasets.render.ChatRenderer;
import dev.smelt.datasets.render.RenderedExample;
import dev.smelt.datasets.source.RawRow;
import dev.smelt.datasets.source.RowReader;
import dev.smelt.datasets.tokenize.ExampleTokenizer;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Streams rows through format → chat template → tokenizer. Rows are read on the calling thread in
 * chunks, processed by {@code threads} workers, and handed to the sink in file order, with a bounded
 * number of chunks in flight: memory does not grow with the data, and results do not depend on the
 * thread count.
 */
public final class ExamplePipeline {
    private static final int CHUNK = 128;

    private final DataOptions options;
    private final ChatRenderer renderer;
    private final ExampleTokenizer tokenizer;
    private final ModelImages images;
    private final String modelName;
    private DataFormat format;
    private boolean checkedTemplate;

    public ExamplePipeline(DataOptions options, ModelText model) {
        this(options, model.renderer(options), model.exampleTokenizer(), model.images(), model.name());
    }

    public ExamplePipeline(DataOptions options, ChatRenderer renderer, ExampleTokenizer tokenizer) {
        this(options, renderer, tokenizer, null, "the model");
    }

    /** @param images the model's image settings, null when it takes no images ({@code modelName} names it in errors) */
    public ExamplePipeline(DataOptions options, ChatRenderer renderer, ExampleTokenizer tokenizer, ModelImages images,
            String modelName) {
        this.options = options;
        this.renderer = renderer;
        this.tokenizer = tokenizer;
        this.images = images;
        this.modelName = modelName;
        if (options.format() != null) format = DataFormat.of(options.format(), options.fields());
    }

    /** The format in use: forced, or detected from the first valid row (null before any row was seen). */
    public FormatName format() {
        return format == null ? null : format.name();
    }

    /**
     * Processes every row of {@code rows}, in order, into {@code sink}.
     *
     * @throws InvalidRowException for the first invalid row unless {@code skipInvalid}, in which case
     *     invalid rows reach the sink as {@link ProcessedRow.Invalid}
     */
    public void run(RowReader rows, Consumer<ProcessedRow> sink) throws IOException {
        int threads = options.threads();
        ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "smelt-data");
            t.setDaemon(true);
            return t;
        }) : null;
        ArrayDeque<Future<List<ProcessedRow>>> inFlight = new ArrayDeque<>();
        try {
            List<RawRow> chunk = new ArrayList<>(CHUNK);
            RawRow row;
            while ((row = rows.next()) != null) {
                if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("interrupted");
                observe(row);
                chunk.add(row);
                if (chunk.size() == CHUNK) {
                    submit(pool, chunk, inFlight, sink);
                    chunk = new ArrayList<>(CHUNK);
                }
            }
            if (!chunk.isEmpty()) submit(pool, chunk, inFlight, sink);
            while (!inFlight.isEmpty()) deliver(inFlight.poll(), sink);
        } finally {
            if (pool != null) stop(pool);
        }
    }

    /**
     * Stops the workers and waits for them: when a row fails the run, chunks still in flight must not go on using the
     * tokenizer, which the caller closes next (a native tokenizer used after it is freed crashes the JVM).
     */
    private static void stop(ExecutorService pool) {
        pool.shutdownNow();
        boolean interrupted = false;
        while (true) {
            try {
                if (pool.awaitTermination(1, TimeUnit.MINUTES)) break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /**
     * Settles the format as {@link #run} does for each row it reads, in order: detected from the first valid row (unless
     * forced), then checked against the model's chat template. The Spark job calls it on the driver before its executors
     * process the rows with {@link #process}.
     */
    public void observe(RawRow row) {
        if (format == null && row.isValid()) {
            format = DataFormat.of(FormatDetector.detect(row.value(), options.fields(), row.location()), options.fields());
        }
        if (format != null && !checkedTemplate) {
            requireTemplateFor(format);
            checkedTemplate = true;
        }
    }

    private void requireTemplateFor(DataFormat f) {
        if (f.name() != FormatName.TEXT && !renderer.hasTemplate()) {
            throw new SmeltException("the model has no chat template (no chat_template.jinja, no \"chat_template\" in"
                    + " tokenizer_config.json), so " + f.name() + " data cannot be rendered; use --format text for raw text");
        }
    }

    private void submit(ExecutorService pool, List<RawRow> chunk, ArrayDeque<Future<List<ProcessedRow>>> inFlight,
                        Consumer<ProcessedRow> sink) throws InterruptedIOException {
        if (pool == null) {
            deliver(processChunk(chunk), sink);
            return;
        }
        DataFormat f = format;
        inFlight.add(pool.submit(() -> processChunk(chunk, f, true)));
        while (inFlight.size() > 2 * options.threads()) deliver(inFlight.poll(), sink);
    }

    private void deliver(Future<List<ProcessedRow>> future, Consumer<ProcessedRow> sink) throws InterruptedIOException {
        try {
            deliver(future.get(), sink);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new UncheckedIOException(new IOException(c));
        }
    }

    private void deliver(List<ProcessedRow> processed, Consumer<ProcessedRow> sink) {
        for (ProcessedRow p : processed) {
            if (p instanceof ProcessedRow.Invalid inv && !options.skipInvalid()) throw inv.error();
            sink.accept(p);
        }
    }

    private List<ProcessedRow> processChunk(List<RawRow> chunk) {
        return processChunk(chunk, format, false);
    }

    /** @param worker on a pool thread: stop early once interrupted (the run failed or stopped; the chunk is dropped) */
    private List<ProcessedRow> processChunk(List<RawRow> chunk, DataFormat f, boolean worker) {
        List<ProcessedRow> out = new ArrayList<>(chunk.size());
        for (RawRow row : chunk) {
            if (worker && Thread.currentThread().isInterrupted()) break; // the run stopped; this chunk is not delivered
            out.add(process(row, f));
        }
        return out;
    }

    /** The row's images, resolved and measured; refused when the model takes no images. */
    private List<ImageRef> imagesOf(Sample sample, RawRow row) {
        if (!(sample instanceof Sample.Chat chat)) return List.of();
        List<String> paths = chat.images();
        if (paths.isEmpty()) return List.of();
        if (images == null) {
            throw new InvalidRowException(row.location(), "has an image part (\"" + paths.get(0) + "\") but " + modelName
                    + " takes no images (config.json has no vision_config)");
        }
        List<ImageRef> out = new ArrayList<>(paths.size());
        for (String p : paths) out.add(images.resolve(p, row.location()));
        return out;
    }

    /** One row through the whole pipeline; never throws for bad data, which becomes an {@link ProcessedRow.Invalid}. */
    public ProcessedRow process(RawRow row, DataFormat f) {
        if (!row.isValid()) {
            return new ProcessedRow.Invalid(row.location(), new InvalidRowException(row.location(), row.syntaxError()));
        }
        try {
            Sample sample = f.parse(row.value(), row.location());
            List<ImageRef> refs = imagesOf(sample, row);
            RenderedExample rendered;
            try {
                rendered = renderer.render(sample);
            } catch (InvalidRowException e) {
                throw e;
            } catch (SmeltException e) {
                throw new InvalidRowException(row.location(), e.getMessage());
            }
            var tokens = tokenizer.tokenize(rendered);
            if (!refs.isEmpty()) {
                try {
                    tokens = images.expand(tokens, refs);
                } catch (SmeltException e) {
                    throw new InvalidRowException(row.location(), e.getMessage());
                }
            }
            return new ProcessedRow.Example(row.location(), rendered, tokens);
        } catch (InvalidRowException e) {
            return new ProcessedRow.Invalid(row.location(), e);
        }
    }
}
