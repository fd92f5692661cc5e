package dev.smelt.models.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The request fields each endpoint implements. Anything else is refused with a 400 naming the field, never ignored:
 * a client asking for tools, a response format or log-probabilities must learn it did not get them. A few OpenAI
 * fields are accepted only at the value that asks for nothing ({@code n: 1}, {@code logprobs: false},
 * penalties of 0).
 */
final class RequestFields {
    static final Set<String> GENERATE = Set.of("model", "prompt", "max_tokens", "max_new_tokens", "max_length",
            "temperature", "top_p", "top_k", "seed", "repetition_penalty", "stop");
    static final Set<String> CHAT = Set.of("model", "messages", "max_tokens", "max_completion_tokens", "temperature",
            "top_p", "top_k", "seed", "repetition_penalty", "stop", "stream", "chat_template_kwargs", "user",
            "stream_options");
    /** Fields accepted only at the value that asks for nothing. */
    private static final Map<String, String> NEUTRAL = Map.of("n", "1", "logprobs", "false",
            "presence_penalty", "0", "frequency_penalty", "0", "parallel_tool_calls", "false");

    private RequestFields() {}

    static void check(JsonNode body, Set<String> implemented) {
        Iterator<String> names = body.fieldNames();
        while (names.hasNext()) {
            String f = names.next();
            if (implemented.contains(f)) continue;
            JsonNode v = body.get(f);
            String neutral = NEUTRAL.get(f);
            if (neutral != null && (v.isNull() || isNeutral(v, neutral))) continue;
            if (neutral != null) {
                throw new BadRequest("\"" + f + "\" is not supported by this server (only " + neutral + ")", f);
            }
            throw new BadRequest("\"" + f + "\" is not supported by this server", f);
        }
    }

    private static boolean isNeutral(JsonNode v, String neutral) {
        return switch (neutral) {
            case "false" -> v.isBoolean() && !v.asBoolean();
            default -> v.isNumber() && v.asDouble() == Double.parseDouble(neutral);
        };
    }
}
