package dev.smelt.spark.prepare;

import dev.smelt.core.SmeltException;
import dev.smelt.datasets.format.InvalidRowException;
import dev.smelt.datasets.prepare.ProcessedRow;
import dev.smelt.datasets.render.RenderedExample;
import dev.smelt.datasets.source.RowLocation;
import dev.smelt.datasets.tokenize.TokenizedExample;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * Processed rows of one split as an executor sends them back, compactly: per example its flags and tokens (4 bytes a
 * token, the top bit set where it is trained), per invalid row its reason; no rendered text. {@code last} marks a
 * split's final batch, with {@code rowsInSplit}.
 */
final class RowBatch implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int TRAINED = 0x8000_0000;
    static final int TARGET_BYTES = 4 << 20;

    final int split;
    final boolean last;
    final long rowsInSplit;
    final int rows;
    final byte[] data;

    RowBatch(int split, boolean last, long rowsInSplit, int rows, byte[] data) {
        this.split = split;
        this.last = last;
        this.rowsInSplit = rowsInSplit;
        this.rows = rows;
        this.data = data;
    }

    /** Accumulates rows into batches of about {@link #TARGET_BYTES}. */
    static final class Builder {
        private final int split;
        private ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
        private DataOutputStream out = new DataOutputStream(bytes);
        private int rows;
        private long total;

        Builder(int split) {
            this.split = split;
        }

        void add(ProcessedRow row) {
            try {
                RowLocation at = row.location();
                out.writeLong(at.number());
                out.writeBoolean(at.lineNumbered());
                if (row instanceof ProcessedRow.Example ex) {
                    if (!ex.tokens().images().isEmpty()) {
                        // prepared shards hold tokens only (datasets' ShardWriter refuses image data the same way)
                        throw new SmeltException(at + ": has image parts; prepared shards hold tokens only, not images:"
                                + " train on the data itself (smelt train --data FILE)");
                    }
                    out.writeByte((ex.rendered().addSpecialTokens() ? 1 : 0) | (ex.rendered().reasoning() ? 2 : 0));
                    int[] ids = ex.tokens().inputIds();
                    int[] labels = ex.tokens().labels();
                    out.writeInt(ids.length);
                    for (int t = 0; t < ids.length; t++) {
                        out.writeInt(labels[t] != TokenizedExample.IGNORE ? ids[t] | TRAINED : ids[t]);
                    }
                } else {
                    out.writeByte(4);
                    byte[] reason = ((ProcessedRow.Invalid) row).error().reason().getBytes(StandardCharsets.UTF_8);
                    out.writeInt(reason.length);
                    out.write(reason);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            rows++;
            total++;
        }

        boolean full() {
            return bytes.size() >= TARGET_BYTES;
        }

        RowBatch take(boolean last) {
            RowBatch b = new RowBatch(split, last, total, rows, bytes.toByteArray());
            bytes = new ByteArrayOutputStream(1 << 16);
            out = new DataOutputStream(bytes);
            rows = 0;
            return b;
        }
    }

    /** The rows again, located in {@code file}; examples carry the rendering flags, not the text. */
    void forEach(String file, Consumer<ProcessedRow> sink) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            for (int r = 0; r < rows; r++) {
                long number = in.readLong();
                RowLocation at = new RowLocation(file, number, in.readBoolean());
                int kind = in.readByte();
                if (kind == 4) {
                    byte[] reason = new byte[in.readInt()];
                    in.readFully(reason);
                    sink.accept(new ProcessedRow.Invalid(at, new InvalidRowException(at, new String(reason, StandardCharsets.UTF_8))));
                } else {
                    int n = in.readInt();
                    int[] ids = new int[n];
                    int[] labels = new int[n];
                    for (int t = 0; t < n; t++) {
                        int v = in.readInt();
                        ids[t] = v & ~TRAINED;
                        labels[t] = (v & TRAINED) != 0 ? ids[t] : TokenizedExample.IGNORE;
                    }
                    RenderedExample flags = new RenderedExample("", List.of(), (kind & 1) != 0, (kind & 2) != 0);
                    sink.accept(new ProcessedRow.Example(at, flags, new TokenizedExample(ids, labels)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
