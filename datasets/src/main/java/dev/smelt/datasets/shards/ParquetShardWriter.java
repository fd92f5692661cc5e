package dev.smelt.datasets.shards;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes prepared training rows as an Apache Parquet file, byte for byte the same for the same rows: Smelt's own writer
 * (no Hadoop, no parquet-java), so that {@code smelt data prepare} and the Spark job produce identical shards.
 *
 * <p>Schema: three columns, each a required {@code LIST} of required {@code INT32} in the standard three-level form
 * ({@code input_ids.list.element}): {@code input_ids}, {@code labels} (-100 = no loss, unshifted) and {@code seq_lens}
 * (the lengths of the examples packed into the row, in order). Rows are buffered into row groups of about
 * {@code rowGroupTokens} tokens; each column chunk is one uncompressed data page (v1), repetition and definition levels
 * RLE-encoded (bit width 1), values PLAIN. No statistics, no timestamps: the bytes depend on the rows only.
 */
public final class ParquetShardWriter implements AutoCloseable {
    /** The column names, in file order. */
    public static final List<String> COLUMNS = List.of("input_ids", "labels", "seq_lens");
    static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
    static final String CREATED_BY = "smelt";

    private static final int TYPE_INT32 = 1;
    private static final int REQUIRED = 0;
    private static final int REPEATED = 2;
    private static final int CONVERTED_LIST = 3;
    private static final int ENCODING_PLAIN = 0;
    private static final int ENCODING_RLE = 3;
    private static final int CODEC_UNCOMPRESSED = 0;
    private static final int PAGE_DATA = 0;

    private final OutputStream out;
    private final int rowGroupTokens;
    private final Column[] columns = new Column[COLUMNS.size()];
    private final List<byte[]> rowGroups = new ArrayList<>(); // serialized RowGroup structs
    private long position;
    private long rows;
    private int groupRows;
    private boolean finished;

    /** @param out receives the file; not closed by this writer */
    public ParquetShardWriter(OutputStream out, int rowGroupTokens) throws IOException {
        if (rowGroupTokens < 1) throw new IllegalArgumentException("rowGroupTokens " + rowGroupTokens);
        this.out = out;
        this.rowGroupTokens = rowGroupTokens;
        for (int c = 0; c < columns.length; c++) columns[c] = new Column();
        write(MAGIC);
    }

    /** Appends one row. */
    public void write(int[] inputIds, int[] labels, int[] seqLens) throws IOException {
        if (finished) throw new IllegalStateException("finished");
        columns[0].add(inputIds);
        columns[1].add(labels);
        columns[2].add(seqLens);
        rows++;
        groupRows++;
        if (columns[0].values >= rowGroupTokens) flushRowGroup();
    }

    public long rows() {
        return rows;
    }

    /** Bytes written so far. */
    public long position() {
        return position;
    }

    /** Writes the last row group and the footer. */
    public void finish() throws IOException {
        if (finished) return;
        if (groupRows > 0) flushRowGroup();
        CompactThrift t = new CompactThrift().begin();
        t.i32(1, 1); // version
        t.list(2, CompactThrift.STRUCT, 1 + 3 * COLUMNS.size());
        t.begin().string(4, "schema").i32(5, COLUMNS.size()).end();
        for (String name : COLUMNS) {
            t.begin().i32(3, REQUIRED).string(4, name).i32(5, 1).i32(6, CONVERTED_LIST);
            t.struct(10).struct(3).end().end(); // logicalType: LIST
            t.end();
            t.begin().i32(3, REPEATED).string(4, "list").i32(5, 1).end();
            t.begin().i32(1, TYPE_INT32).i32(3, REQUIRED).string(4, "element").end();
        }
        t.i64(3, rows);
        t.list(4, CompactThrift.STRUCT, rowGroups.size());
        for (byte[] group : rowGroups) t.raw(group);
        t.string(6, CREATED_BY);
        byte[] footer = t.end().toByteArray();
        write(footer);
        write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(footer.length).array());
        write(MAGIC);
        finished = true;
    }

    private void flushRowGroup() throws IOException {
        long groupStart = position;
        long total = 0;
        CompactThrift chunks = new CompactThrift().begin();
        chunks.list(1, CompactThrift.STRUCT, columns.length);
        for (int c = 0; c < columns.length; c++) {
            Column col = columns[c];
            byte[] page = col.page();
            int levels = col.levels;
            CompactThrift header = new CompactThrift().begin();
            header.i32(1, PAGE_DATA).i32(2, page.length).i32(3, page.length);
            header.struct(5).i32(1, levels).i32(2, ENCODING_PLAIN).i32(3, ENCODING_RLE).i32(4, ENCODING_RLE).end();
            byte[] headerBytes = header.end().toByteArray();
            long pageOffset = position;
            write(headerBytes);
            write(page);
            long size = headerBytes.length + (long) page.length;
            total += size;
            chunks.begin().i64(2, pageOffset);
            chunks.struct(3).i32(1, TYPE_INT32);
            chunks.list(2, CompactThrift.I32, 2).i32Value(ENCODING_PLAIN).i32Value(ENCODING_RLE);
            chunks.list(3, CompactThrift.BINARY, 3).stringValue(COLUMNS.get(c)).stringValue("list").stringValue("element");
            chunks.i32(4, CODEC_UNCOMPRESSED).i64(5, levels).i64(6, size).i64(7, size).i64(9, pageOffset);
            chunks.end().end();
            col.clear();
        }
        chunks.i64(2, total).i64(3, groupRows).i64(5, groupStart).i64(6, total).i16(7, rowGroups.size());
        rowGroups.add(chunks.end().toByteArray());
        groupRows = 0;
    }

    private void write(byte[] b) throws IOException {
        out.write(b);
        position += b.length;
    }

    @Override
    public void close() throws IOException {
        finish();
    }

    /** One column's buffered values and levels for the current row group. */
    private static final class Column {
        int[] data = new int[1024];
        int values;
        int levels;
        final Rle repetition = new Rle();
        final Rle definition = new Rle();

        void add(int[] list) {
            if (list.length == 0) {
                repetition.add(0, 1);
                definition.add(0, 1);
                levels++;
                return;
            }
            if (values + list.length > data.length) data = Arrays.copyOf(data, Math.max(data.length * 2, values + list.length));
            System.arraycopy(list, 0, data, values, list.length);
            values += list.length;
            levels += list.length;
            repetition.add(0, 1);
            if (list.length > 1) repetition.add(1, list.length - 1);
            definition.add(1, list.length);
        }

        byte[] page() {
            byte[] rep = repetition.bytes();
            byte[] def = definition.bytes();
            ByteBuffer b = ByteBuffer.allocate(8 + rep.length + def.length + 4 * values).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(rep.length).put(rep).putInt(def.length).put(def);
            for (int i = 0; i < values; i++) b.putInt(data[i]);
            return b.array();
        }

        void clear() {
            values = 0;
            levels = 0;
            repetition.clear();
            definition.clear();
            if (data.length > 1 << 22) data = new int[1024];
        }
    }

    /** Parquet's RLE/bit-packing hybrid at bit width 1, as RLE runs only. */
    private static final class Rle {
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        private int value = -1;
        private long count;

        void add(int v, long n) {
            if (v == value) {
                count += n;
                return;
            }
            flush();
            value = v;
            count = n;
        }

        private void flush() {
            if (count == 0) return;
            long header = count << 1;
            while ((header & ~0x7fL) != 0) {
                out.write((int) ((header & 0x7f) | 0x80));
                header >>>= 7;
            }
            out.write((int) header);
            out.write(value);
            count = 0;
        }

        byte[] bytes() {
            flush();
            value = -1;
            return out.toByteArray();
        }

        void clear() {
            out.reset();
            value = -1;
            count = 0;
        }
    }
}
