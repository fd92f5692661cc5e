package dev.smelt.datasets.format;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.datasets.source.RowLocation;
import java.util.ArrayList;
import java.util.List;

/** Reading and checking lists of chat turns shared by the conversational formats. */
final class Conversations {
    private Conversations() {}

    /**
     * Reads a list of {role, content}-style objects.
     *
     * @param listName how errors name the list, e.g. {@code "messages"}
     */
    static List<Turn> read(JsonNode list, String listName, String roleKey, String contentKey,
                           RoleNames roles, RowLocation at) {
        if (!list.isArray()) throw new InvalidRowException(at, "\"" + listName + "\" must be a list of messages, found " + Fields.kind(list));
        List<Turn> turns = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode m = list.get(i);
            String where = "\"" + listName + "\"[" + i + "]";
            if (!m.isObject()) throw new InvalidRowException(at, where + " must be an object, found " + Fields.kind(m));
            JsonNode roleNode = Fields.field(m, roleKey);
            if (roleNode == null) throw new InvalidRowException(at, where + " missing \"" + roleKey + "\"");
            String roleName = Fields.text(roleNode, where + "." + roleKey, at);
            Role role = roles.resolve(roleName);
            if (role == null) {
                throw new InvalidRowException(at, "unknown role \"" + roleName + "\" in " + where + " (expected " + roles.expected() + ")");
            }
            List<String> images = new ArrayList<>();
            String content = content(Fields.field(m, contentKey), where + "." + contentKey, at, images);
            if (!images.isEmpty() && role != Role.USER) {
                throw new InvalidRowException(at, where + " (role " + roleName + ") has an image part; images can only be"
                        + " in user messages");
            }
            turns.add(new Turn(role, content, images));
        }
        return turns;
    }

    /**
     * Content as a string, or a list of parts joined: {@code {"type":"text","text":...}} as its text and
     * {@code {"type":"image","image":"path"}} as one {@link Turn#IMAGE} character, its path added to {@code images}.
     */
    static String content(JsonNode v, String where, RowLocation at, List<String> images) {
        if (v == null) return "";
        if (!v.isArray()) return checkedText(Fields.text(v, where, at), where, at);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.size(); i++) {
            JsonNode part = v.get(i);
            String here = where + "[" + i + "]";
            if (!part.isObject()) throw new InvalidRowException(at, here + " must be a content part object, found " + Fields.kind(part));
            JsonNode type = part.get("type");
            String kind = type == null ? null : type.asText();
            if ("image".equals(kind) || (kind == null && part.has("image"))) {
                JsonNode image = part.get("image");
                if (image == null || !image.isTextual() || image.asText().isBlank()) {
                    throw new InvalidRowException(at, here + " is an image part without an \"image\" path (expected"
                            + " {\"type\":\"image\",\"image\":\"path/relative/to/the/data/file.png\"})");
                }
                images.add(image.asText());
                sb.append(Turn.IMAGE);
                continue;
            }
            JsonNode text = part.get("text");
            if (text == null || (kind != null && !"text".equals(kind))) {
                throw new InvalidRowException(at, here + " is a " + (kind == null ? "part without \"text\"" : "\"" + kind + "\" part")
                        + "; content parts can be \"text\" or \"image\"");
            }
            sb.append(checkedText(Fields.text(text, here + ".text", at), here, at));
        }
        return sb.toString();
    }

    private static String checkedText(String s, String where, RowLocation at) {
        if (s.indexOf(Turn.IMAGE) >= 0) {
            throw new InvalidRowException(at, where + " contains U+FFFC, which Smelt reserves to mark image parts");
        }
        return s;
    }

    /** Checks that a conversation can be trained on: it has an assistant turn and none is empty. */
    static List<Turn> checked(List<Turn> turns, String listName, RowLocation at) {
        boolean anyAssistant = false;
        for (int i = 0; i < turns.size(); i++) {
            Turn t = turns.get(i);
            if (t.role() == Role.ASSISTANT) {
                anyAssistant = true;
                if (t.content().isBlank()) throw new InvalidRowException(at, "empty assistant turn in \"" + listName + "\"[" + i + "]");
            }
        }
        if (!anyAssistant) throw new InvalidRowException(at, "no assistant turn in \"" + listName + "\"");
        return turns;
    }

    /** Prepends a top-level system prompt unless the conversation already starts with one. */
    static List<Turn> withSystem(String system, List<Turn> turns, RowLocation at, String systemColumn) {
        if (system == null || system.isEmpty()) return turns;
        if (!turns.isEmpty() && turns.get(0).role() == Role.SYSTEM) {
            throw new InvalidRowException(at, "both \"" + systemColumn + "\" and a system message are given");
        }
        List<Turn> out = new ArrayList<>(turns.size() + 1);
        out.add(Turn.system(system));
        out.addAll(turns);
        return out;
    }
}
