package dev.smelt.datasets.length;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.datasets.tokenize.TokenizedExample;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkerTest {
    private static TokenizedExample doc(int... ids) {
        int[] labels = ids.clone();
        labels[0] = TokenizedExample.IGNORE;
        return new TokenizedExample(ids, labels);
    }

    @Test
    void documentsRunOnAcrossWindowsOfExactlySeqLen() {
        List<TokenizedExample> windows = new ArrayList<>();
        Chunker c = new Chunker(4, windows::add);
        c.add(doc(1, 2, 3, 9));       // 9 = EOS
        c.add(doc(4, 5, 6, 7, 8, 9));
        c.add(doc(10, 9));
        c.finish();
        assertThat(windows).hasSize(3);
        assertThat(windows.get(0).inputIds()).containsExactly(1, 2, 3, 9);
        assertThat(windows.get(1).inputIds()).containsExactly(4, 5, 6, 7);
        assertThat(windows.get(2).inputIds()).containsExactly(8, 9, 10, 9);
        // every token is trained except the first of a window, including a document's first token mid-window
        assertThat(windows.get(2).labels()).containsExactly(TokenizedExample.IGNORE, 9, 10, 9);
    }

    @Test
    void theShortRemainderIsKeptUnlessItTrainsNothing() {
        List<TokenizedExample> windows = new ArrayList<>();
        Chunker c = new Chunker(4, windows::add);
        c.add(doc(1, 2, 3, 4, 5, 6));
        c.finish();
        assertThat(windows).hasSize(2);
        assertThat(windows.get(1).inputIds()).containsExactly(5, 6);
        assertThat(windows.get(1).trainedTokens()).isEqualTo(1);

        windows.clear();
        c.add(doc(1, 2, 3, 4, 5));
        c.finish();
        assertThat(windows).hasSize(1); // a lone fifth token has nothing to be predicted from
    }
}
