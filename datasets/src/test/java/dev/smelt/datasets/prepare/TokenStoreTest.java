package dev.smelt.datasets.prepare;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.datasets.tokenize.TokenizedExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenStoreTest {
    @TempDir Path dir;

    @Test
    void theSpillFileHasNoNameThatAKilledRunCouldLeaveBehind() throws Exception {
        try (TokenStore store = new TokenStore(dir)) {
            int i = store.append(new TokenizedExample(new int[] {5, 6, 7}, new int[] {-100, 6, 7}));
            store.finish();
            try (Stream<Path> s = Files.list(dir)) {
                assertThat(s.toList()).as("files in the work directory while the store is open").isEmpty();
            }
            assertThat(store.get(i).inputIds()).containsExactly(5, 6, 7);
            assertThat(store.get(i).labels()).containsExactly(-100, 6, 7);
        }
    }
}
