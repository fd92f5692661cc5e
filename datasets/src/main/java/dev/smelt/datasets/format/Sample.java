package dev.smelt.datasets.format;

import java.util.ArrayList;
import java.util.List;

/** A row after its format was applied: a conversation to render with the chat template, or raw text. */
public sealed interface Sample {
    /** A conversation; rendered with the model's chat template. */
    record Chat(List<Turn> turns) implements Sample {
        public Chat {
            turns = List.copyOf(turns);
        }

        /** The image parts of all turns, in the order they appear (paths as the data names them). */
        public List<String> images() {
            List<String> out = new ArrayList<>();
            for (Turn t : turns) out.addAll(t.images());
            return out;
        }
    }

    /** Raw text for continued pre-training; every token is trained. */
    record Text(String text) implements Sample {}
}
