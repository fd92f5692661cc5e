package dev.smelt.datasets.format;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.datasets.source.RowLocation;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompt-completion rows {@code {"prompt", "completion", "system"?}}. Plain strings become one user
 * and one assistant turn; lists of messages (TRL's conversational prompt-completion) are joined,
 * the prompt's turns first.
 */
public record PromptCompletionFormat(FieldMap fields) implements DataFormat {
    @Override
    public FormatName name() {
        return FormatName.PROMPT_COMPLETION;
    }

    @Override
    public Sample parse(JsonNode row, RowLocation at) {
        String promptColumn = fields.column("prompt");
        String completionColumn = fields.column("completion");
        JsonNode prompt = Fields.required(row, promptColumn, at);
        JsonNode completion = Fields.required(row, completionColumn, at);
        List<Turn> turns = new ArrayList<>();
        if (prompt.isArray()) {
            turns.addAll(Conversations.read(prompt, promptColumn, fields.column("role"), fields.column("content"), RoleNames.OPENAI, at));
        } else {
            String p = Fields.text(prompt, "\"" + promptColumn + "\"", at);
            if (p.isBlank()) throw new InvalidRowException(at, "empty \"" + promptColumn + "\"");
            turns.add(Turn.user(p));
        }
        if (completion.isArray()) {
            turns.addAll(Conversations.read(completion, completionColumn, fields.column("role"), fields.column("content"), RoleNames.OPENAI, at));
        } else {
            String c = Fields.text(completion, "\"" + completionColumn + "\"", at);
            if (c.isBlank()) throw new InvalidRowException(at, "empty assistant turn (\"" + completionColumn + "\")");
            turns.add(Turn.assistant(c));
        }
        String systemColumn = fields.column("system");
        turns = Conversations.withSystem(Fields.optionalText(row, systemColumn, at), turns, at, systemColumn);
        return new Sample.Chat(Conversations.checked(turns, completionColumn, at));
    }
}
