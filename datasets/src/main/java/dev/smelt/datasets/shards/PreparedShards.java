package dev.smelt.datasets.shards;

import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatTemplateKwargs;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.prepare.PreparedData;
import dev.smelt.datasets.prepare.SequenceSet;
import dev.smelt.datasets.prepare.TokenStore;
import dev.smelt.datasets.tokenize.TokenizedExample;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.LongConsumer;

/**
 * Opens a prepared data directory for training: checks the manifest against the model (another tokenizer or chat
 * template is refused), checks each shard's SHA-256, and streams the rows through DuckDB's Parquet reader (an
 * independent reader of {@link ParquetShardWriter}'s files) into a temporary token file, so memory stays flat. Nothing
 * is rendered or tokenized again; the rows come out in the order they were written.
 */
public final class PreparedShards {
    private PreparedShards() {}

    /**
     * @param workDir where the temporary token files go, or null for java.io.tmpdir
     * @param rowsRead called with the number of rows read so far, or null
     */
    public static PreparedData open(Path dir, Path modelDir, Path workDir, LongConsumer rowsRead) throws IOException {
        PreparedManifest m = PreparedManifest.read(dir);
        String difference = m.model().difference(ModelIdentity.of(modelDir));
        if (difference != null) {
            throw new SmeltException(dir.resolve(PreparedManifest.FILE) + ": prepared with " + difference
                    + "; run smelt data prepare again with --model " + modelDir);
        }
        long[] read = {0};
        ShardRows train = load(dir, m.train(), m.settings().seqLen(), workDir, read, rowsRead);
        ShardRows validation;
        try {
            validation = load(dir, m.validation() == null ? List.of() : m.validation(), m.settings().seqLen(), workDir, read,
                    rowsRead);
        } catch (IOException | RuntimeException e) {
            train.close();
            throw e;
        }
        return new PreparedData(train, validation, m.trainReport(), m.validationReport(), m.settings().options(),
                m.padTokenId(), new ChatTemplateKwargs(m.chatTemplateKwargs() == null ? Map.of() : m.chatTemplateKwargs()),
                () -> {
                    train.close();
                    validation.close();
                });
    }

    private static ShardRows load(Path dir, List<PreparedManifest.Shard> shards, int seqLen, Path workDir, long[] read,
                                  LongConsumer progress) throws IOException {
        ShardRows rows = new ShardRows(workDir == null ? TokenStore.temporary() : new TokenStore(workDir));
        try {
            for (PreparedManifest.Shard shard : shards) {
                Path file = dir.resolve(shard.file());
                if (!Files.isRegularFile(file)) throw new SmeltException(file + ": no such file (listed in " + PreparedManifest.FILE + ")");
                String sha = ModelIdentity.sha256(file);
                if (!sha.equals(shard.sha256())) {
                    throw new SmeltException(file + ": sha256 " + sha.substring(0, 12) + "… differs from the manifest's "
                            + shard.sha256().substring(0, Math.min(12, shard.sha256().length())) + "… (damaged or changed; prepare again)");
                }
                long before = rows.size();
                readShard(file, seqLen, rows, read, progress);
                if (rows.size() - before != shard.rows()) {
                    throw new SmeltException(file + ": " + (rows.size() - before) + " rows, the manifest says " + shard.rows());
                }
            }
            rows.store.finish();
            return rows;
        } catch (IOException | RuntimeException e) {
            rows.close();
            throw e;
        }
    }

    private static void readShard(Path file, int seqLen, ShardRows rows, long[] read, LongConsumer progress) throws IOException {
        Properties props = new Properties();
        props.setProperty("jdbc_stream_results", "true");
        long row = 0;
        try {
            Class.forName("org.duckdb.DuckDBDriver");
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:", props); Statement st = c.createStatement()) {
                st.execute("SET memory_limit='256MB'");
                st.execute("SET threads=1");
                st.execute("SET preserve_insertion_order=true");
                String path = "'" + file.toAbsolutePath().toString().replace("'", "''") + "'";
                try (ResultSet rs = st.executeQuery("SELECT input_ids, labels, seq_lens FROM read_parquet(" + path + ")")) {
                    while (rs.next()) {
                        row++;
                        if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("interrupted");
                        int[] ids = ints(rs.getArray(1));
                        int[] labels = ints(rs.getArray(2));
                        int[] lens = ints(rs.getArray(3));
                        String bad = check(ids, labels, lens, seqLen);
                        if (bad != null) throw new SmeltException(file + ": row " + row + ": " + bad);
                        rows.add(ids, labels, lens);
                        if (progress != null) progress.accept(++read[0]);
                    }
                }
            }
        } catch (SQLException | ClassNotFoundException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().split("\n", 2)[0];
            throw new SmeltException(file + ": row " + (row + 1) + ": cannot read (" + msg + ")", e);
        }
    }

    private static String check(int[] ids, int[] labels, int[] lens, int seqLen) {
        if (ids.length == 0) return "empty input_ids";
        if (ids.length > seqLen) return ids.length + " tokens, more than the manifest's seqLen " + seqLen;
        if (labels.length != ids.length) return "labels has " + labels.length + " values, input_ids " + ids.length;
        long sum = 0;
        for (int l : lens) {
            if (l < 1) return "seq_lens holds " + l;
            sum += l;
        }
        if (sum != ids.length) return "seq_lens add up to " + sum + ", input_ids has " + ids.length;
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] < 0) return "negative token id " + ids[t] + " at " + t;
            if (labels[t] != TokenizedExample.IGNORE && labels[t] != ids[t]) {
                return "label " + labels[t] + " at " + t + " is neither -100 nor its input id " + ids[t];
            }
        }
        return null;
    }

    private static int[] ints(Array a) throws SQLException {
        Object[] values = (Object[]) a.getArray();
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) out[i] = ((Number) values[i]).intValue();
        return out;
    }

    /** Rows read from shards: tokens and labels in a {@link TokenStore}, segment lengths in memory (4 bytes each). */
    static final class ShardRows implements SequenceSet, AutoCloseable {
        private final TokenStore store;
        private int[] lens = new int[1024];
        private int[] lenStarts = new int[1025];
        private int size;
        private long tokens;

        ShardRows(TokenStore store) {
            this.store = store;
        }

        void add(int[] ids, int[] labels, int[] segLens) {
            store.append(new TokenizedExample(ids, labels));
            int at = lenStarts[size];
            if (at + segLens.length > lens.length) lens = Arrays.copyOf(lens, Math.max(lens.length * 2, at + segLens.length));
            System.arraycopy(segLens, 0, lens, at, segLens.length);
            if (size + 2 > lenStarts.length) lenStarts = Arrays.copyOf(lenStarts, lenStarts.length * 2);
            lenStarts[++size] = at + segLens.length;
            tokens += ids.length;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public TrainingSequence get(int index) {
            TokenizedExample ex = store.get(index);
            int n = ex.length();
            int[] pos = new int[n];
            int[] seg = new int[n];
            int at = 0;
            for (int k = lenStarts[index]; k < lenStarts[index + 1]; k++) {
                int segment = k - lenStarts[index] + 1;
                for (int i = 0; i < lens[k]; i++) {
                    pos[at] = i;
                    seg[at++] = segment;
                }
            }
            return new TrainingSequence(ex.inputIds(), ex.labels(), pos, seg);
        }

        @Override
        public long tokens() {
            return tokens;
        }

        @Override
        public void close() {
            store.close();
        }
    }
}
