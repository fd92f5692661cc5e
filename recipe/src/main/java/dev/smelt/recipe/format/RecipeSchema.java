package dev.smelt.recipe.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;

/**
 * The recipe format as JSON Schema (draft 2020-12), made from the {@link Recipe} records and their {@link Doc}s, so
 * editors complete keys and show each field's description. {@code additionalProperties: false} everywhere: unknown
 * keys are errors in Smelt too.
 */
public final class RecipeSchema {
    private RecipeSchema() {}

    public static ObjectNode schema() {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.put("$id", "https://smelt.dev/schemas/recipe.json");
        root.put("title", "Smelt recipe");
        record(om, Recipe.class, root);
        // a sweep value is read as YAML like a --set value: a number, a word or a flow list written as text
        ArrayNode any = ((ObjectNode) root.at("/properties/sweep/properties/grid/additionalProperties")).putArray("anyOf");
        ObjectNode list = any.addObject();
        list.put("type", "array");
        scalar(list.putObject("items"));
        scalar(any.addObject());
        return root;
    }

    private static void scalar(ObjectNode p) {
        ArrayNode t = p.putArray("type");
        t.add("string");
        t.add("number");
        t.add("boolean");
    }

    private static void record(ObjectMapper om, Class<?> type, ObjectNode out) {
        Doc d = type.getAnnotation(Doc.class);
        if (d != null) out.put("description", d.value());
        out.put("type", "object");
        out.put("additionalProperties", false);
        ObjectNode props = out.putObject("properties");
        ArrayNode required = om.createArrayNode();
        for (RecordComponent c : type.getRecordComponents()) {
            String key = Binder.key(c);
            ObjectNode p = props.putObject(key);
            Doc cd = c.getAnnotation(Doc.class);
            value(om, c.getGenericType(), cd, p);
            if (cd != null) {
                p.put("description", cd.value());
                if (cd.required()) required.add(key);
            }
        }
        if (!required.isEmpty()) out.set("required", required);
    }

    private static void value(ObjectMapper om, Type type, Doc doc, ObjectNode p) {
        if (type instanceof ParameterizedType pt) {
            Class<?> raw = (Class<?>) pt.getRawType();
            Type arg = pt.getActualTypeArguments()[pt.getActualTypeArguments().length - 1];
            if (raw == List.class) {
                // a single value is accepted as a list of one
                ArrayNode any = p.putArray("anyOf");
                ObjectNode arr = any.addObject();
                arr.put("type", "array");
                value(om, arg, doc, arr.putObject("items"));
                value(om, arg, doc, any.addObject());
                return;
            }
            if (raw == Map.class) {
                p.put("type", "object");
                value(om, arg, doc, p.putObject("additionalProperties"));
                return;
            }
        }
        Class<?> c = (Class<?>) type;
        if (c.isRecord()) {
            record(om, c, p);
            return;
        }
        if (c == String.class) {
            p.put("type", "string");
            if (doc != null && doc.oneOf().length > 0) {
                ArrayNode e = p.putArray("enum");
                for (String w : doc.oneOf()) e.add(w);
            }
            return;
        }
        if (c == Boolean.class) {
            p.put("type", "boolean");
            return;
        }
        p.put("type", c == Integer.class || c == Long.class ? "integer" : "number");
        if (doc != null) {
            if (doc.min() != Double.NEGATIVE_INFINITY) p.put(doc.minExclusive() ? "exclusiveMinimum" : "minimum", doc.min());
            if (doc.max() != Double.POSITIVE_INFINITY) p.put("maximum", doc.max());
        }
    }
}
