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
            turns.add(new Turn(role, content(Fields.field(m, contentKey), where + "." + contentKey, at)));
        }
        return turns;
    }

    /** Content as a string, or an OpenAI-style list of {@code {"type":"text","text":...}} parts joined. */
    static String content(JsonNode v, String where, RowLocation at) {
        if (v == null) return "";
        if (!v.isArray()) return Fields.text(v, where, at);
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : v) {
            JsonNode type = part.get("type");
            JsonNode text = part.get("text");
            if (text == null || (type != null && !"text".equals(type.asText()))) {
                throw new InvalidRowException(at, where + " holds a " + (type == null ? "non-text" : "\"" + type.asText() + "\"")
                        + " part; only text content can be trained");
            }
            sb.append(Fields.text(text, where + ".text", at));
        }
        return sb.toString();
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
