package dev.smelt.recipe.format;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.List;

/** Reads YAML into {@link Node}s that know their file, line and column (Jackson's {@link JsonLocation}). */
public final class YamlTree {
    private static final YAMLFactory YAML = new YAMLFactory();

    private YamlTree() {}

    /** The document in {@code text}; {@code source} names it in locations (a file path, or {@code --set ...}). */
    public static Node parse(String text, String source) {
        try (JsonParser p = YAML.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) throw new RecipeException(List.of(source + ": empty document (expected a mapping)"));
            return read(p, source);
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            String where = l == null ? source : source + ":" + l.getLineNr() + ":" + l.getColumnNr();
            throw new RecipeException(List.of(where + ": not valid YAML: " + e.getOriginalMessage().lines().findFirst().orElse("")));
        } catch (IOException e) {
            throw new RecipeException(List.of(source + ": " + e.getMessage()));
        }
    }

    private static Location at(JsonParser p, String source) {
        if (source.startsWith("--set ")) return new Location(source, 0, 0);
        JsonLocation l = p.currentTokenLocation();
        return new Location(source, l.getLineNr(), l.getColumnNr());
    }

    private static Node read(JsonParser p, String source) throws IOException {
        JsonToken t = p.currentToken();
        Location here = at(p, source);
        switch (t) {
            case START_OBJECT -> {
                Node.MapNode m = new Node.MapNode(here);
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    Location kl = at(p, source);
                    if (m.entries().containsKey(key)) {
                        throw new RecipeException(List.of(kl + ": duplicate key " + key + " (first at "
                                + m.entries().get(key).keyLocation() + ")"));
                    }
                    p.nextToken();
                    m.entries().put(key, new Node.Entry(kl, read(p, source)));
                }
                return m;
            }
            case START_ARRAY -> {
                Node.ListNode l = new Node.ListNode(here);
                while (p.nextToken() != JsonToken.END_ARRAY) l.items().add(read(p, source));
                return l;
            }
            case VALUE_STRING -> {
                return new Node.Scalar(here, p.getText(), Node.Kind.STRING);
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return new Node.Scalar(here, p.getText(), Node.Kind.NUMBER);
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return new Node.Scalar(here, p.getText(), Node.Kind.BOOLEAN);
            }
            case VALUE_NULL -> {
                return new Node.Scalar(here, null, Node.Kind.NULL);
            }
            default -> throw new RecipeException(List.of(here + ": unexpected YAML " + t));
        }
    }
}
