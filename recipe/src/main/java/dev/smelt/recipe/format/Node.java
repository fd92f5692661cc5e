package dev.smelt.recipe.format;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A YAML value with the place it was written: the tree a recipe is read into before it is typed. */
public sealed interface Node {
    Location location();

    /** A mapping; keys keep their order and their own locations. */
    record MapNode(Location location, Map<String, Entry> entries) implements Node {
        public MapNode(Location location) {
            this(location, new LinkedHashMap<>());
        }
    }

    record Entry(Location keyLocation, Node value) {}

    record ListNode(Location location, List<Node> items) implements Node {
        public ListNode(Location location) {
            this(location, new ArrayList<>());
        }
    }

    /**
     * A scalar: its text, and whether YAML read it as a number or boolean or null ({@code plain} scalars) or as a
     * string; a {@code null} text is YAML's null.
     */
    record Scalar(Location location, String text, Kind kind) implements Node {}

    enum Kind { STRING, NUMBER, BOOLEAN, NULL }

    /** How a value is quoted in a message: strings in double quotes, numbers and booleans as they are. */
    static String show(Node n) {
        if (n instanceof Scalar s) {
            if (s.kind() == Kind.NULL) return "null";
            return s.kind() == Kind.STRING ? "\"" + s.text() + "\"" : s.text();
        }
        return n instanceof MapNode ? "a mapping" : "a list";
    }
}
